"""`ketnoi peer list` and `ketnoi peer sync CODE`: the peers, and refreshing one's listing and our requests now."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from ketnoi.db import unit_of_work
from ketnoi.federation.models import Peer
from ketnoi.federation.service import key_ids
from ketnoi.federation.tasks import summary, sync_peer

app = typer.Typer(no_args_is_help=True, help="Nút ngang hàng (nền tảng ketnoi khác, danh mục CKAN/DCAT).")
console = Console()
err = Console(stderr=True)


@app.command("list")
def list_peers() -> None:
    """Các nút ngang hàng đã đăng ký."""
    table = Table("Mã", "Tên", "Loại", "Địa chỉ", "Khoá đã ghim", "Trạng thái", "Lỗi gần nhất")
    with unit_of_work() as session:
        for peer in session.scalars(select(Peer).order_by(Peer.code)):
            state = "hoạt động" if peer.enabled else "tạm dừng"
            table.add_row(peer.code, peer.name, peer.kind, peer.base_url, ", ".join(key_ids(peer)), state, peer.last_error or "")
    console.print(table)


@app.command("sync")
def sync(code: str = typer.Argument(..., help="Mã nút ngang hàng")) -> None:
    """Làm mới danh mục dịch vụ và trạng thái các yêu cầu kết nối của một nút."""
    with unit_of_work() as session:
        peer = session.scalar(select(Peer).where(Peer.code == code.upper()))
        if peer is None:
            err.print(f"[red]Không có nút ngang hàng mã {code}.[/red]")
            raise typer.Exit(1)
        with console.status(f"Đang làm mới {peer.name}…"):
            synced = sync_peer(session, peer)
        name = peer.name
    if synced.error:
        err.print(f"[red]{name}: {summary(synced)}[/red]", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"{name}: {summary(synced)}", soft_wrap=True)
