"""Syncs in the background: the scheduler's look for due sources, and the "sync now" job.

`run_due` is periodic work (jobs.queue.PERIODIC, every minute in `ketnoi worker`): each enabled
source whose `next_run_at` has come (or was never set) is claimed by moving `next_run_at` on with
a conditional UPDATE, so that a second worker (or the next tick) does not take it too, and handed
to a `connectors.sync` job.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.connectors.models import DataSource, RunStatus, SyncRun
from ketnoi.connectors.sync import run_source
from ketnoi.db import unit_of_work
from ketnoi.identity import actor_for, system_actor
from ketnoi.jobs import schedule
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import job, report_progress
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError

SYNC_JOB = "connectors.sync"


class SyncFailed(DomainError):
    """The run ended failed: its job says so too (the reason is on the run)."""

    status = 502
    type = "sync_failed"


def summary(run: SyncRun) -> str:
    if run.status != RunStatus.DONE:
        return run.error or "Đồng bộ thất bại."
    if run.version is None:
        return "Không có thay đổi ở nguồn."
    rows = f"{run.row_count or 0:,}".replace(",", ".")
    return f"Đọc {run.rows_read}, thêm {run.rows_added}, cập nhật {run.rows_updated}; bảng có {rows} dòng (phiên bản {run.version})."


@job(SYNC_JOB)
def sync_job(session: Session, row: Job, *, source_id: str, full: bool = False) -> None:
    """A sync asked for by a person loads as that person (their rights now); a scheduled one as the platform."""
    user = session.get(User, row.created_by_id) if row.created_by_id else None
    actor = actor_for(session, user) if user is not None and user.is_active else system_actor()
    run_id = run_source(uuid.UUID(source_id), full=full, actor=actor, progress=lambda done: report_progress(row.id, done))
    run = session.get_one(SyncRun, run_id)
    if run.status != RunStatus.DONE:
        raise SyncFailed(run.error or "Đồng bộ thất bại.")
    row.progress = run.rows_read
    row.message = summary(run)


def run_due(session: Session, now: datetime | None = None) -> int:
    """Queue a sync of every source that is due; how many were queued."""
    now = now or utcnow()
    return sum(1 for source_id in schedule.due(session, DataSource, "next_run_at", now) if _claim(source_id, now))


def _claim(source_id: uuid.UUID, now: datetime) -> bool:
    with unit_of_work() as session:
        source = session.get(DataSource, source_id)
        every = timedelta(minutes=source.interval_minutes if source else 0)
    return schedule.claim(DataSource, source_id, "next_run_at", now, every=every, kind=SYNC_JOB, params={"source_id": str(source_id)})
