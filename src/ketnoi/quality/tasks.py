"""Quality runs in the background: after each load of a dataset's table, and on each dataset's schedule."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import enqueue, job
from ketnoi.kit.clock import utcnow
from ketnoi.quality.models import DatasetQuality, QualityRule, Schedule
from ketnoi.quality.runner import run_dataset, summary_of

RUN_JOB = "quality.run"
PERIODS = {Schedule.DAILY: timedelta(days=1), Schedule.WEEKLY: timedelta(days=7), Schedule.MONTHLY: timedelta(days=30)}
_DEFAULT = Schedule.WEEKLY  # a dataset with rules and no summary row yet


@job(RUN_JOB)
def run(session: Session, job: Job, *, dataset_id: str, trigger: str) -> None:
    """Measure a dataset's rules as the platform (the check is the platform's, whoever loaded the data)."""
    dataset = uuid.UUID(dataset_id)
    if not _has_rules(session, dataset):
        job.message = "Bộ dữ liệu không còn quy tắc chất lượng nào đang bật."
        return
    done = run_dataset(session, actor=system_actor(), dataset_id=dataset, trigger=trigger)
    score = "—" if done.score is None else f"{done.score:g}"
    job.message = f"Đã kiểm tra chất lượng: điểm {score}, bao phủ {len(done.covered)}/7."


def after_load(session: Session, *, dataset_id: uuid.UUID, actor: Actor) -> None:
    """Queue a run once a table of the dataset was loaded, if the dataset has rules (datastore.ingest calls this)."""
    if _has_rules(session, dataset_id):
        enqueue(session, kind=RUN_JOB, params={"dataset_id": str(dataset_id), "trigger": "ingest"}, actor=actor)


def _has_rules(session: Session, dataset_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(QualityRule.dataset_id == dataset_id, QualityRule.enabled.is_(True)))))


def run_due(session: Session, now: datetime | None = None) -> int:
    """Queue a run of every dataset whose schedule is due; how many were queued (periodic, every worker tick)."""
    now = now or utcnow()
    with_rules = select(QualityRule.dataset_id).where(QualityRule.enabled.is_(True)).distinct().subquery()
    found = session.execute(
        select(with_rules.c.dataset_id, DatasetQuality.schedule, DatasetQuality.last_run_at).outerjoin(
            DatasetQuality, DatasetQuality.dataset_id == with_rules.c.dataset_id
        )
    ).all()
    due = [
        (dataset_id, last)
        for dataset_id, schedule, last in found
        if (period := PERIODS.get(Schedule(schedule or _DEFAULT))) is not None and (last is None or last + period <= now)
    ]
    session.rollback()  # only read: each claim and its job go in a transaction of their own
    return sum(1 for dataset_id, last in due if _claim(dataset_id, last, now))


def _claim(dataset_id: uuid.UUID, last: datetime | None, now: datetime) -> bool:
    try:
        return _claim_once(dataset_id, last, now)
    except IntegrityError:  # another worker created the dataset's summary row at the same moment: it claimed it
        return False


def _claim_once(dataset_id: uuid.UUID, last: datetime | None, now: datetime) -> bool:
    """Mark the dataset as run now and queue its job, unless another worker did so first."""
    with unit_of_work() as session:
        if last is None and session.get(DatasetQuality, dataset_id) is None:
            summary_of(session, dataset_id)
            session.flush()
        claimed = session.execute(
            update(DatasetQuality)
            .where(
                DatasetQuality.dataset_id == dataset_id,
                DatasetQuality.last_run_at.is_(None) if last is None else DatasetQuality.last_run_at == last,
            )
            .values(last_run_at=now)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return False
        enqueue(session, kind=RUN_JOB, params={"dataset_id": str(dataset_id), "trigger": "schedule"}, actor=system_actor())
        return True
