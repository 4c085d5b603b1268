"""The job queue: a `jobs` row per job (its visible state) and one Huey task that runs it by id.

Domain code declares a job with `@job("kind")` in its package's `tasks.py` and starts one with
`enqueue(session, kind=..., params=..., actor=...)` inside its own transaction. The row is written
in that transaction, and the job is handed to Huey only after the commit (`db.after_commit`), so a
rolled-back change never starts a job. Huey carries nothing but the job id: parameters, progress
and the outcome live in the database, where the jobs page and the API read them. The one exception
is the progress of a job still running: its transaction commits only at the end, so the count is
told through Huey's key-value store (`report_progress`) and read from there (`live_progress`).

The Huey instance comes from settings: a SQLite file under `var_dir` (embedded default), Redis
when `KETNOI_REDIS_URL` is set, or immediate mode (run in this process right after commit) when
`KETNOI_JOBS_IMMEDIATE` is on. It is built on first use, so importing this module touches nothing.
"""

from __future__ import annotations

import importlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ketnoi import db
from ketnoi.authz import Actor
from ketnoi.jobs import liveness
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.kit.clock import new_id, utcnow
from ketnoi.kit.errors import DomainError
from ketnoi.settings import Settings, get_settings

log = logging.getLogger("ketnoi.jobs")

QUEUE_NAME = "ketnoi"
RUN_TASK = "ketnoi.run_job"
# Every module that declares jobs. The worker imports them all before taking work, so a job
# enqueued by any face of the application finds its function in the worker process.
TASK_MODULES: tuple[str, ...] = (
    "ketnoi.notify.tasks",
    "ketnoi.datastore.tasks",
    "ketnoi.feedback.tasks",
    "ketnoi.harvest.tasks",
    "ketnoi.quality.tasks",
    "ketnoi.connectors.tasks",
    "ketnoi.federation.tasks",
    "ketnoi.national.tasks",
)
_MAX_KIND = 64  # width of jobs.kind
_MAX_ERROR = 4000  # enough for a useful message; a whole traceback belongs in the log

JobFunction = Callable[..., None]
F = TypeVar("F", bound=JobFunction)
_functions: dict[str, JobFunction] = {}


def job(kind: str) -> Callable[[F], F]:
    """Declare `fn(session, job, **params)` as the function that runs jobs of `kind`."""
    if not kind or len(kind) > _MAX_KIND:
        raise ValueError(f"job kind must have 1-{_MAX_KIND} characters: {kind!r}")

    def register(fn: F) -> F:
        known = _functions.get(kind)
        # Same qualified name is allowed so that re-importing a tasks module stays harmless.
        if known is not None and _qualname(known) != _qualname(fn):
            raise ValueError(f"job kind {kind!r} is already declared by {_qualname(known)}")
        _functions[kind] = fn
        return fn

    return register


def _qualname(fn: JobFunction) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def load_tasks() -> None:
    """Import every tasks module, so every job kind has its function (the worker calls this)."""
    for name in TASK_MODULES:
        importlib.import_module(name)


def enqueue(session: Session, *, kind: str, params: Mapping[str, Any], actor: Actor) -> Job:
    """Record a queued job in the caller's transaction; Huey receives it only after the commit."""
    if kind not in _functions:
        raise ValueError(f"unknown job kind {kind!r}: declare it with @job in a module of TASK_MODULES")
    try:
        json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"params of job {kind!r} must be JSON-serialisable (pass ids as str): {exc}") from exc
    row = Job(
        id=new_id(),
        kind=kind,
        status=JobStatus.QUEUED,
        params=dict(params),
        progress=0,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(row)
    job_id = str(row.id)
    db.after_commit(session, lambda: _submit(job_id))
    return row


# Periodic work a worker runs every minute: "module:function", each called with a session in its
# own transaction (its failure is logged and does not stop the others).
PERIODIC: tuple[str, ...] = (
    "ketnoi.sharing.requests:remind_overdue",
    "ketnoi.sharing.subscriptions:run",
    "ketnoi.feedback.synthesis:remind",
    "ketnoi.harvest.tasks:run_due",
    "ketnoi.federation.tasks:sync_due",
    "ketnoi.quality.tasks:run_due",
    "ketnoi.connectors.tasks:run_due",
    "ketnoi.governance.reminders:send_digests",
    "ketnoi.national.tasks:run_due",
)


def run_periodic() -> None:
    try:
        fail_abandoned()
    except Exception:
        log.exception("could not look for jobs left running by a stopped worker")
    for path in PERIODIC:
        module, _, name = path.partition(":")
        try:
            with db.unit_of_work() as session:
                getattr(importlib.import_module(module), name)(session)
        except Exception:
            log.exception("periodic work %s failed", path)


@lru_cache
def _runner() -> Any:
    """The Huey task that runs any job by id, registered on the queue configured by settings
    (with the periodic work, which Huey's consumer runs on its schedule)."""
    huey = make_huey(get_settings())
    huey.periodic_task(crontab(minute="*"), name="ketnoi.periodic")(run_periodic)
    return huey.task(name=RUN_TASK)(run_job)


def get_huey() -> Huey:
    """The Huey instance configured by settings (built once, on first use)."""
    return _runner().huey


def reset_queue() -> None:
    """Forget the Huey instance, so the next use builds it again from the (changed) settings."""
    _runner.cache_clear()


def make_huey(settings: Settings) -> Huey:
    """A Huey instance for these settings, without the ketnoi task (see `get_huey`)."""
    immediate = settings.jobs_immediate
    # Job outcomes are kept in the jobs table; Huey's own result store would only grow.
    if settings.redis_url:
        return RedisHuey(QUEUE_NAME, url=settings.redis_url, immediate=immediate, results=False)
    path = settings.ensure_var_dir() / "jobs.db"
    return SqliteHuey(QUEUE_NAME, filename=str(path), immediate=immediate, results=False)


def _submit(job_id: str) -> None:
    """Hand a committed job to Huey. A queue that cannot be reached fails the job visibly."""
    try:
        _runner()(job_id)
    except Exception:
        # This runs after the caller's commit: raising would report a failure for a change that
        # was saved. The job row says what happened instead.
        log.exception("could not hand job %s to the queue", job_id)
        _mark_failed(uuid.UUID(job_id), "Không thể đưa công việc vào hàng đợi.")


def run_job(job_id: str) -> None:
    """Run one job: claim it, run its function in one transaction, then record the outcome.

    Never raises for a failing job: the failure is recorded on the row (in its own transaction,
    after the job's changes were rolled back) and the traceback goes to the log.
    """
    key = uuid.UUID(job_id)
    with liveness.running(key):  # from before the claim to the outcome: a job "running" unlocked was cut off
        kind = _claim(key)
        if kind is None:
            log.info("job %s skipped: it is not queued (already run, or not found)", job_id)
            return
        try:
            with db.unit_of_work() as session:
                row = session.get_one(Job, key)
                function = _functions.get(kind)
                if function is None:
                    raise LookupError(f"no function for job kind {kind!r}; is its tasks module in TASK_MODULES?")
                function(session, row, **dict(row.params))
                row.status = JobStatus.SUCCEEDED
                row.finished_at = utcnow()
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, kind)
            _mark_failed(key, _describe(exc))
        finally:
            _forget_progress(key)  # the row has the final figures now


def _claim(key: uuid.UUID) -> str | None:
    """Mark the job running if it is still queued; its kind, or None when someone else has it.

    One conditional UPDATE, committed at once: two workers given the same id cannot both win,
    and the jobs page shows "running" while the work goes on.
    """
    statement = (
        update(Job)
        .where(Job.id == key, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow())
        .returning(Job.kind)
        .execution_options(synchronize_session=False)
    )
    with db.unit_of_work() as session:
        return session.scalar(statement)


def _mark_failed(key: uuid.UUID, error: str) -> None:
    statement = (
        update(Job)
        .where(Job.id == key, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .values(status=JobStatus.FAILED, error=error, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    with db.unit_of_work() as session:
        session.execute(statement)


INTERRUPTED = "Công việc bị gián đoạn: tiến trình xử lý đã dừng trước khi công việc xong. Các thay đổi của nó đã được huỷ; hãy chạy lại."


def fail_abandoned() -> int:
    """Mark failed (interrupted) the jobs still "running" that nobody runs any more; how many.

    A worker stopped by SIGTERM, a crash or a reboot leaves its job "running" (the database rolled
    its transaction back, so nothing of it was kept). Its runner's lock is gone with it
    (jobs.liveness), which tells it from a job another worker is still running, however long.
    `ketnoi worker` calls this when it starts, and the periodic work every minute after (the
    database may notice a dead worker's connection a moment after the new worker has started).
    Each job is marked in a transaction of its own whose first statement writes (on SQLite, a
    transaction that has read cannot write once another has committed since).
    """
    with db.unit_of_work() as session:
        running = session.scalars(select(Job.id).where(Job.status == JobStatus.RUNNING)).all()
    marked = 0
    for key in running:
        with db.unit_of_work() as session, liveness.abandoned(session, key) as nobody_runs_it:
            if nobody_runs_it:
                statement = (
                    update(Job)
                    .where(Job.id == key, Job.status == JobStatus.RUNNING)
                    .values(status=JobStatus.FAILED, error=INTERRUPTED, finished_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                marked += session.execute(statement).rowcount  # type: ignore[attr-defined]
    return marked


def _progress_key(job_id: uuid.UUID) -> str:
    return f"ketnoi:progress:{job_id}"


def report_progress(job_id: uuid.UUID, done: int) -> None:
    """Say how far a running job has got, outside its transaction (which is still open).

    A progress report is worth less than the job: a store that cannot be reached is logged, not raised.
    """
    try:
        get_huey().storage.put_data(_progress_key(job_id), str(done).encode())
    except Exception:
        log.warning("could not report the progress of job %s", job_id, exc_info=True)


def live_progress(job_id: uuid.UUID) -> int | None:
    """The last count `report_progress` told for this job, or None."""
    try:
        value = get_huey().storage.peek_data(_progress_key(job_id))
    except Exception:
        log.warning("could not read the progress of job %s", job_id, exc_info=True)
        return None
    return int(value) if isinstance(value, bytes) and value.isdigit() else None


def _forget_progress(job_id: uuid.UUID) -> None:
    try:
        get_huey().storage.pop_data(_progress_key(job_id))
    except Exception:
        log.warning("could not clear the progress of job %s", job_id, exc_info=True)


def _describe(exc: Exception) -> str:
    """The error shown on the job: a domain error's own (Vietnamese) message, else type and text."""
    text = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
    return text[:_MAX_ERROR]
