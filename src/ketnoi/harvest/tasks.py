"""Harvesting in the background: the scheduler's look for due sources, and the "run now" job.

`run_due` is periodic work (jobs.queue.PERIODIC, every minute in `ketnoi worker`): each enabled
source whose `next_run_at` has come (or was never set) is claimed by moving its `next_run_at` on
with a conditional UPDATE, so a second worker (or the next minute's tick) does not take it again,
and handed to a `harvest.run` job. The tick itself never waits on another portal: the other
periodic work (reminders, subscriptions) goes on while harvests run in the job workers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ketnoi.db import unit_of_work
from ketnoi.harvest.models import HarvestRun, HarvestSource
from ketnoi.harvest.runner import RunStatus, run_source
from ketnoi.jobs import schedule
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import job, report_progress
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError

RUN_JOB = "harvest.run"


class HarvestFailed(DomainError):
    """The run ended failed: its job says so too (the reason is on the run)."""

    status = 502
    type = "harvest_failed"


def summary(run: HarvestRun) -> str:
    return f"Tạo mới {run.created}, cập nhật {run.updated}, không đổi {run.unchanged}, lỗi {run.failed}."


@job(RUN_JOB)
def run_job(session: Session, row: Job, *, source_id: str, full: bool = False) -> None:
    run_id = run_source(uuid.UUID(source_id), full=full, progress=lambda done: report_progress(row.id, done))
    run = session.get_one(HarvestRun, run_id)
    if run.status == RunStatus.FAILED:
        raise HarvestFailed(run.error or "Thu thập thất bại.")
    row.progress = run.created + run.updated + run.unchanged + run.failed
    row.message = summary(run)


def run_due(session: Session, now: datetime | None = None) -> int:
    """Queue a run of every source that is due; how many were queued."""
    now = now or utcnow()
    return sum(1 for source_id in schedule.due(session, HarvestSource, "next_run_at", now) if _claim(source_id, now))


def _claim(source_id: uuid.UUID, now: datetime) -> bool:
    with unit_of_work() as session:
        source = session.get(HarvestSource, source_id)
        every = timedelta(minutes=source.interval_minutes if source else 0)
    return schedule.claim(HarvestSource, source_id, "next_run_at", now, every=every, kind=RUN_JOB, params={"source_id": str(source_id)})
