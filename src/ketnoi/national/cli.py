"""`ketnoi national`: write the documents the national portal takes, push them now, seal the portal's token."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from ketnoi.db import unit_of_work
from ketnoi.kit import secretbox
from ketnoi.national import export
from ketnoi.national.models import PushStatus, PushTrigger
from ketnoi.national.push import configured_url, push, target_problem
from ketnoi.national.tasks import summary

app = typer.Typer(no_args_is_help=True, help="Đăng ký danh mục với Cổng dữ liệu quốc gia.")
console = Console()
err = Console(stderr=True)


@app.command("export")
def export_command(directory: Path = typer.Argument(..., help="Thư mục ghi services.json, catalog.ttl, catalog.jsonld")) -> None:
    """Ghi danh mục dịch vụ (JSON) và toàn bộ danh mục dữ liệu mở (DCAT-AP: Turtle, JSON-LD) vào một thư mục."""
    directory.mkdir(parents=True, exist_ok=True)
    with unit_of_work() as session:
        made = export.bundle(session)
    (directory / "services.json").write_text(json.dumps(made.services, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (directory / "catalog.ttl").write_bytes(made.turtle)
    (directory / "catalog.jsonld").write_bytes(made.jsonld)
    console.print(f"{made.service_count} dịch vụ, {made.datasets} bộ dữ liệu → {directory} (dấu vân tay {made.fingerprint[:16]})")


@app.command("push")
def push_command(force: bool = typer.Option(False, "--force", help="Gửi cả khi danh mục không đổi")) -> None:
    """Đẩy ngay lên Cổng dữ liệu quốc gia (khi danh mục đã thay đổi, hoặc với --force)."""
    url = configured_url()
    problem = "Chưa cấu hình KETNOI_NATIONAL_PUSH_URL." if url is None else target_problem(url)
    if problem:
        err.print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
    with err.status("Đang lập danh mục và gửi…"), unit_of_work() as session:
        record = push(session, trigger=PushTrigger.CLI, force=force)
        failed = record is not None and record.status == PushStatus.FAILED
        (err if failed else console).print(summary(record), soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command("seal-token")
def seal_token() -> None:
    """In dạng mã hoá (fernet:…) của mã truy cập, để đặt vào KETNOI_NATIONAL_PUSH_TOKEN."""
    token = typer.prompt("Mã truy cập do Cổng dữ liệu quốc gia cấp", hide_input=True)
    console.print(secretbox.seal(token.strip()), soft_wrap=True)
