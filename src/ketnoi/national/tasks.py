"""Pushing to the national portal in the background: the minute tick, the push job, and the hook
the registry and the catalog call when what the portal lists may have changed.

"On change" has two paths. A service published, changed or retired, or a dataset changed, calls
`on_change`, which queues one push job (none when one is already waiting: a burst of edits makes one
push); the job runs after the commit, so it reads the change. Everything else that shows in the
catalogs (a file uploaded, a unit renamed, a focal point appointed) is caught by `run_due`, the
periodic work of every minute, which compares the fingerprint with the last push the portal took.
Either path pushes nothing when the fingerprint is the same. After a failed push, the tick waits
RETRY_AFTER (1, 5, 15, 30 minutes, then every hour) before trying again, so a portal that is down
is not sent a whole catalog every minute.

Two workers may push the same bundle at the same moment: harmless, the portal receives the same
document twice (its `Ketnoi-Delivery` differs, its fingerprint does not).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.identity import system_actor
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.jobs.queue import enqueue, job
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError
from ketnoi.national.models import NationalPush, PushStatus, PushTrigger
from ketnoi.national.push import configured_url, push, target_problem

PUSH_JOB = "national.push"
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1))


class PushFailed(DomainError):
    """The push was recorded failed: its job says so too (the reason is on the push)."""

    status = 502
    type = "national_push_failed"


def summary(record: NationalPush | None) -> str:
    if record is None:
        return "Không có gì để đẩy: danh mục không đổi, hoặc chưa cấu hình cổng dữ liệu quốc gia."
    if record.status == PushStatus.UNCHANGED:
        return "Danh mục không đổi so với lần đẩy thành công gần nhất: không gửi lại."
    if record.status == PushStatus.OK:
        return f"Đã đẩy {record.services} dịch vụ và {record.datasets} bộ dữ liệu (HTTP {record.http_status})."
    return f"Đẩy thất bại sau {record.attempts} lần thử: {record.error}"


@job(PUSH_JOB)
def push_job(session: Session, row: Job, *, trigger: str = PushTrigger.MANUAL, force: bool = False) -> None:
    record = push(session, trigger=PushTrigger(trigger), force=force)
    if record is not None and record.status == PushStatus.FAILED:
        session.commit()  # the failure is kept: the job's own failure rolls back what it did
        raise PushFailed(summary(record))
    row.progress = 1
    row.message = summary(record)


def run_due(session: Session, now: datetime | None = None) -> NationalPush | None:
    """The minute tick: push when a target is set and the catalogs changed, waiting after failures."""
    if configured_url() is None:
        return None  # the usual case: nothing built, nothing read
    now = now or utcnow()
    if not _may_retry(session, now):
        return None
    return push(session, trigger=PushTrigger.PERIODIC, now=now)


def _may_retry(session: Session, now: datetime) -> bool:
    """False while the wait after the last failures runs (their count picks the wait)."""
    recent = session.scalars(
        select(NationalPush)
        .where(NationalPush.status != PushStatus.UNCHANGED)
        .order_by(NationalPush.at.desc(), NationalPush.id.desc())
        .limit(len(RETRY_AFTER))
    ).all()
    failures = 0
    for record in recent:
        if record.status != PushStatus.FAILED:
            break
        failures += 1
    if failures == 0:
        return True
    return now >= recent[0].at + RETRY_AFTER[failures - 1]


def on_change(session: Session) -> None:
    """Called by the registry and the catalog in the writing transaction: queue one push for after the commit."""
    url = configured_url()
    if url is None or target_problem(url) is not None:
        return  # (the token is not opened here: a key problem must not stop a publication; the push reports it)
    waiting = select(Job.id).where(Job.kind == PUSH_JOB, Job.status == JobStatus.QUEUED).limit(1)
    if session.scalar(waiting) is None:
        enqueue(session, kind=PUSH_JOB, params={"trigger": PushTrigger.CHANGE.value}, actor=system_actor())
