"""`ketnoi harvest run`: one source or every enabled one, now, with a progress line per source."""

from __future__ import annotations

import uuid

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from ketnoi.db import unit_of_work
from ketnoi.harvest.models import HarvestRun, HarvestSource
from ketnoi.harvest.runner import RunStatus, run_source
from ketnoi.harvest.tasks import summary
from ketnoi.kit.errors import DomainError


def _sources(source: uuid.UUID | None) -> list[tuple[uuid.UUID, str]]:
    with unit_of_work() as session:
        query = select(HarvestSource.id, HarvestSource.name)
        query = query.where(HarvestSource.id == source) if source else query.where(HarvestSource.enabled.is_(True))
        return [(row.id, row.name) for row in session.execute(query.order_by(HarvestSource.name, HarvestSource.id))]


def run_sources(console: Console, err: Console, *, source: uuid.UUID | None, full: bool) -> bool:
    """Run them one after the other; False when one could not run or its run failed."""
    chosen = _sources(source)
    if source and not chosen:
        err.print(f"[red]Không có nguồn thu thập {source}.[/red]")
        return False
    ok = True
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} bộ dữ liệu"), TimeElapsedColumn())
    for source_id, name in chosen:
        try:
            with Progress(*columns, console=err, transient=True) as bar:
                task = bar.add_task(f"Đang thu thập {name}", total=None)

                def shown(done: int, bar: Progress = bar, task: TaskID = task) -> None:
                    bar.update(task, completed=done)

                run_id = run_source(source_id, full=full, progress=shown)
        except DomainError as exc:
            err.print(f"[red]{name}: {exc.message}[/red]")
            ok = False
            continue
        with unit_of_work() as session:
            run = session.get_one(HarvestRun, run_id)
        if run.status == RunStatus.FAILED:
            err.print(f"[red]{name}: thất bại — {run.error}[/red] ({summary(run)})", soft_wrap=True)
            ok = False
        else:
            console.print(f"{name}: {summary(run)}", soft_wrap=True)
    return ok
