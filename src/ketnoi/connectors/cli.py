"""`ketnoi source list` and `ketnoi source sync NAME_OR_ID [--full] | --all`: syncs run here, in this
process (not through the queue), with a progress line, as the platform itself.

Imports stay inside the commands: `ketnoi --help` must not load SQLAlchemy models and drivers.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.orm import Session

    from ketnoi.connectors.models import SyncRun

app = typer.Typer(help="Nguồn dữ liệu: CSDL hoặc API của đơn vị, đồng bộ vào kho dữ liệu.", no_args_is_help=True)


def _consoles() -> tuple[Console, Console]:
    from rich.console import Console

    return Console(), Console(stderr=True)


@app.command("list")
def list_sources() -> None:
    """Liệt kê các nguồn dữ liệu (một dòng mỗi nguồn) và lần đồng bộ gần nhất."""
    from ketnoi.connectors import service
    from ketnoi.db import unit_of_work
    from ketnoi.identity import system_actor

    console, _ = _consoles()
    with unit_of_work() as session:
        cursor: str | None = None
        while True:
            page = service.list_sources(session, actor=system_actor(), cursor=cursor, limit=500)
            for row in page.items:
                s, run = row.source, row.last_run
                last = f"{run.status} {run.started_at:%Y-%m-%d %H:%M}, {run.row_count or 0} dòng" if run else "chưa chạy"
                state = "" if s.enabled else " [tạm dừng]"
                console.print(f"{s.id}  {s.name}{state} — {s.kind}, {s.mode} → {row.dataset_name} — {last}", soft_wrap=True, markup=False)
            if not page.next_cursor:
                break
            cursor = page.next_cursor


def _chosen(name_or_id: str | None) -> list[tuple[uuid.UUID, str]]:
    """The source named (by id or exact name), or every enabled one."""
    from sqlalchemy import select

    from ketnoi.connectors.models import DataSource
    from ketnoi.db import unit_of_work
    from ketnoi.kit.vn import nfc

    query = select(DataSource.id, DataSource.name).order_by(DataSource.name, DataSource.id)
    if name_or_id is None:
        query = query.where(DataSource.enabled.is_(True))
    else:
        try:
            query = query.where(DataSource.id == uuid.UUID(name_or_id))
        except ValueError:
            query = query.where(DataSource.name == nfc(name_or_id))
    with unit_of_work() as session:
        return [(row.id, row.name) for row in session.execute(query)]


def _run_one(console: Console, err: Console, source_id: uuid.UUID, name: str, *, full: bool) -> bool:
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    from ketnoi.connectors.models import RunStatus, SyncRun
    from ketnoi.connectors.sync import run_source
    from ketnoi.connectors.tasks import summary
    from ketnoi.datastore import tables
    from ketnoi.db import get_engine, unit_of_work
    from ketnoi.kit.errors import DomainError

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} dòng"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task(f"Đang đồng bộ {name}", total=None)

            def shown(done: int, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, completed=done)

            run_id = run_source(source_id, full=full, progress=shown)
    except DomainError as exc:
        err.print(f"[red]{name}: {exc.message}[/red]", soft_wrap=True)
        return False
    with unit_of_work() as session:
        run = session.get_one(SyncRun, run_id)
        line, ok = summary(run), run.status == RunStatus.DONE
        table_name = _new_table(session, run)
    if table_name is not None:
        # The planner's statistics now, as `ketnoi ingest` does, not when a worker gets to the queued job.
        tables.analyze(get_engine(), table_name)
    if not ok:
        err.print(f"[red]{name}: thất bại — {line}[/red]", soft_wrap=True)
        return False
    console.print(f"{name}: {line}", soft_wrap=True)
    return True


def _new_table(session: Session, run: SyncRun) -> str | None:
    """The new table of the version a full run made (None when the run made none or merged in place)."""
    from sqlalchemy import select

    from ketnoi.connectors.models import DataSource
    from ketnoi.datastore.models import DatastoreVersion

    if run.version is None or run.mode != "full":
        return None  # an incremental run merged into a table whose statistics still hold (and are refreshed by a queued job)
    source = session.get_one(DataSource, run.source_id)
    made = select(DatastoreVersion.table_name).where(
        DatastoreVersion.resource_id == source.resource_id, DatastoreVersion.version == run.version
    )
    return session.scalar(made)


@app.command("sync")
def sync(
    source: str | None = typer.Argument(None, help="Tên hoặc mã (UUID) của nguồn."),
    all_sources: bool = typer.Option(False, "--all", help="Đồng bộ mọi nguồn đang bật, lần lượt từng nguồn."),
    full: bool = typer.Option(False, "--full", help="Đọc lại toàn bộ nguồn, bỏ qua mốc đã đồng bộ."),
) -> None:
    """Đồng bộ ngay một nguồn (NAME_OR_ID) hoặc mọi nguồn đang bật (--all); mã thoát 1 khi có lần thất bại."""
    if (source is None) == (not all_sources):
        raise typer.BadParameter("Chọn một nguồn (tên hoặc mã) hoặc --all.")
    console, err = _consoles()
    chosen = _chosen(source)
    if source is not None and not chosen:
        err.print(f"[red]Không có nguồn dữ liệu «{source}».[/red]")
        raise typer.Exit(1)
    results = [_run_one(console, err, source_id, name, full=full) for source_id, name in chosen]
    if not all(results):
        raise typer.Exit(1)
