"""The job queue: enqueued after commit, run once, failures recorded, each job seen by the right people."""

from __future__ import annotations

import signal
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC, Actor
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.jobs import liveness, service
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.jobs.queue import (
    INTERRUPTED,
    enqueue,
    fail_abandoned,
    get_huey,
    job,
    live_progress,
    make_huey,
    report_progress,
    reset_queue,
    run_job,
)
from ketnoi.jobs.worker import make_consumer
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid, NotFound, Unauthenticated
from ketnoi.settings import Settings, get_settings
from tests import factories as f

ran: list[str] = []


@job("tests.echo")
def _echo(session: Session, job: Job, *, word: str) -> None:
    ran.append(word)
    job.total = 2
    job.progress = 2
    job.message = f"Đã xử lý «{word}»."


@job("tests.fail")
def _fail(session: Session, job: Job, *, word: str) -> None:
    ran.append(word)
    job.progress = 1
    job.message = "Đang xử lý dở."
    raise RuntimeError(f"hỏng ở {word}")


@job("tests.invalid")
def _invalid(session: Session, job: Job) -> None:
    raise Invalid("Tệp không đúng định dạng CSV.")


@job("tests.progress")
def _progress(session: Session, job: Job, *, steps: int) -> None:
    """Reports its progress, and reads it back as another request would, while it runs."""
    for step in range(1, steps + 1):
        report_progress(job.id, step * 1000)
        with unit_of_work() as reader:
            ran.append(str(service.get_job(reader, actor=system_actor(), job_id=job.id).progress))


@pytest.fixture(autouse=True)
def _forget_runs() -> None:
    ran.clear()


def _job(job_id: uuid.UUID) -> Job:
    with unit_of_work() as session:
        return session.get_one(Job, job_id)


def _job_count() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def _admin() -> Actor:
    with unit_of_work() as session:
        return f.actor(session, "admin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_job_runs_only_after_commit_and_ends_succeeded(engine: Engine) -> None:
    admin = _admin()
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.echo", params={"word": "một"}, actor=admin)
        session.flush()
        assert ran == []
    assert ran == ["một"]
    done = _job(queued.id)
    assert done.status == JobStatus.SUCCEEDED
    assert (done.progress, done.total, done.message, done.error) == (2, 2, "Đã xử lý «một».", None)
    assert done.created_by_id == admin.user_id
    assert done.started_at is not None and done.finished_at is not None
    assert done.created_at <= done.started_at <= done.finished_at


def test_job_of_a_rolled_back_transaction_never_runs_and_leaves_no_row(engine: Engine) -> None:
    admin = _admin()
    with pytest.raises(RuntimeError, match="hủy"), unit_of_work() as session:
        enqueue(session, kind="tests.echo", params={"word": "hai"}, actor=admin)
        session.flush()
        raise RuntimeError("hủy thao tác")
    assert ran == []
    assert _job_count() == 0


def test_failing_job_ends_failed_with_its_error_and_its_changes_rolled_back(engine: Engine) -> None:
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.fail", params={"word": "ba"}, actor=system_actor())
    assert ran == ["ba"]
    failed = _job(queued.id)
    assert failed.status == JobStatus.FAILED
    assert failed.error == "RuntimeError: hỏng ở ba"
    assert (failed.progress, failed.message) == (0, None)
    assert failed.finished_at is not None


def test_failed_job_shows_a_domain_errors_own_message(engine: Engine) -> None:
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.invalid", params={}, actor=system_actor())
    assert _job(queued.id).error == "Tệp không đúng định dạng CSV."


def test_job_runs_once_even_if_delivered_twice(engine: Engine) -> None:
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.echo", params={"word": "bốn"}, actor=system_actor())
    run_job(str(queued.id))
    assert ran == ["bốn"]
    assert _job(queued.id).status == JobStatus.SUCCEEDED


def test_enqueue_refuses_unknown_kinds_and_params_that_are_not_json(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown job kind"), unit_of_work() as session:
        enqueue(session, kind="tests.nobody", params={}, actor=system_actor())
    with pytest.raises(TypeError, match="JSON"), unit_of_work() as session:
        enqueue(session, kind="tests.echo", params={"word": uuid.uuid4()}, actor=system_actor())
    assert _job_count() == 0


def test_job_that_cannot_reach_the_queue_is_marked_failed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "jobs_immediate", False)
    monkeypatch.setattr(settings, "redis_url", f"redis://127.0.0.1:{_free_port()}/0")  # nobody listens there
    reset_queue()
    try:
        with unit_of_work() as session:
            queued = enqueue(session, kind="tests.echo", params={"word": "năm"}, actor=system_actor())
    finally:
        reset_queue()
    lost = _job(queued.id)
    assert (lost.status, lost.error) == (JobStatus.FAILED, "Không thể đưa công việc vào hàng đợi.")
    assert ran == []


def test_queue_backend_follows_settings(tmp_path: Path) -> None:
    sqlite = make_huey(Settings(var_dir=tmp_path, jobs_immediate=False))
    assert isinstance(sqlite, SqliteHuey) and not sqlite.immediate
    assert Path(sqlite.storage.filename) == tmp_path / "jobs.db"
    redis = make_huey(Settings(var_dir=tmp_path, jobs_immediate=False, redis_url="redis://127.0.0.1:6379/15"))
    assert isinstance(redis, RedisHuey)
    assert make_huey(Settings(var_dir=tmp_path, jobs_immediate=True)).immediate


def test_admin_sees_every_job_and_staff_only_the_jobs_they_started(engine: Engine) -> None:
    with unit_of_work() as session:
        unit = f.unit(session)
        admin, steward = f.actor(session, "admin"), f.actor(session, "steward", unit)
        leader = f.actor(session, "leader")
    with unit_of_work() as session:
        mine = [enqueue(session, kind="tests.echo", params={"word": w}, actor=steward).id for w in ("a", "b")]
        theirs = enqueue(session, kind="tests.echo", params={"word": "c"}, actor=leader).id
        platform = enqueue(session, kind="tests.echo", params={"word": "d"}, actor=system_actor()).id
    with unit_of_work() as session:

        def visible(actor: Actor) -> set[uuid.UUID]:
            return {j.id for j in service.list_jobs(session, actor=actor, cursor=None, limit=50).items}

        assert visible(admin) == {*mine, theirs, platform}
        assert visible(steward) == set(mine)
        assert visible(leader) == {theirs}
        assert service.get_job(session, actor=admin, job_id=theirs).id == theirs
        with pytest.raises(NotFound):
            service.get_job(session, actor=steward, job_id=theirs)
        with pytest.raises(NotFound):
            service.get_job(session, actor=leader, job_id=platform)
        with pytest.raises(Unauthenticated):
            service.list_jobs(session, actor=PUBLIC, cursor=None, limit=50)


def test_job_list_pages_newest_first_without_repeats(engine: Engine) -> None:
    admin = _admin()
    with unit_of_work() as session:
        made = {enqueue(session, kind="tests.echo", params={"word": str(i)}, actor=admin).id for i in range(5)}
    seen: list[Job] = []
    cursor: str | None = None
    with unit_of_work() as session:
        while True:
            page = service.list_jobs(session, actor=admin, cursor=cursor, limit=2)
            seen.extend(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert [j.id for j in seen if j.id in made] == [j.id for j in seen]
    assert {j.id for j in seen} == made and len(seen) == 5
    keys = [(j.created_at, j.id) for j in seen]
    assert keys == sorted(keys, reverse=True)


@pytest.fixture
def worker_queue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The real embedded set-up: no immediate mode, Huey's queue in a SQLite file of its own."""
    settings = get_settings()
    monkeypatch.setattr(settings, "jobs_immediate", False)
    monkeypatch.setattr(settings, "var_dir", tmp_path)
    reset_queue()
    yield tmp_path / "jobs.db"
    reset_queue()


def _wait_until_finished(job_id: uuid.UUID, timeout: float) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        current = _job(job_id)
        if current.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) or time.monotonic() > deadline:
            return current
        time.sleep(0.05)


def test_worker_thread_runs_a_queued_job_end_to_end(engine: Engine, worker_queue: Path) -> None:
    admin = _admin()
    assert not worker_queue.exists()  # the queue is built on first use, not on import
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.echo", params={"word": "sáu"}, actor=admin)
    huey = get_huey()
    assert worker_queue.exists() and huey.pending_count() == 1
    assert _job(queued.id).status == JobStatus.QUEUED and ran == []

    consumer = make_consumer(huey, workers=1, periodic=False)  # a minute's periodic work would be one more task queued
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()  # sets the process's signal handlers; put back below so pytest keeps its own
    try:
        done = _wait_until_finished(queued.id, timeout=15)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert done.status == JobStatus.SUCCEEDED
    assert done.message == "Đã xử lý «sáu»."
    assert ran == ["sáu"] and huey.pending_count() == 0


def test_a_job_left_running_by_a_stopped_worker_is_marked_interrupted_and_one_still_run_is_not(engine: Engine) -> None:
    now = utcnow()
    with unit_of_work() as session:
        rows = {
            name: Job(kind="tests.echo", status=status, params={"word": name}, created_at=now - age, started_at=now - age)
            for name, status, age in (
                ("cut off", JobStatus.RUNNING, timedelta(minutes=1)),  # young: its age says nothing
                ("still running", JobStatus.RUNNING, timedelta(hours=7)),  # old, but its runner holds it
                ("queued", JobStatus.QUEUED, timedelta(hours=7)),
                ("done", JobStatus.SUCCEEDED, timedelta(hours=7)),
            )
        }
        session.add_all(rows.values())
        session.flush()
        ids = {name: row.id for name, row in rows.items()}

    with liveness.running(ids["still running"]):  # as a worker running it holds it (PostgreSQL: another connection)
        assert fail_abandoned() == 1
        assert _job(ids["still running"]).status == JobStatus.RUNNING

    cut = _job(ids["cut off"])
    assert (cut.status, cut.error) == (JobStatus.FAILED, INTERRUPTED)
    assert cut.finished_at is not None
    assert [_job(ids[n]).status for n in ("queued", "done")] == [JobStatus.QUEUED, JobStatus.SUCCEEDED]
    assert fail_abandoned() == 1  # its runner gone, the old one is cut off too
    assert _job(ids["still running"]).error == INTERRUPTED
    assert fail_abandoned() == 0  # nothing left to recover


@job("tests.sweep")
def _sweep(session: Session, job: Job) -> None:
    """Looks for abandoned jobs while it runs itself, as a worker starting beside it would."""
    ran.append(str(fail_abandoned()))


def test_a_job_being_run_is_never_taken_for_an_abandoned_one(engine: Engine) -> None:
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.sweep", params={}, actor=_admin())
    assert ran == ["0"]
    assert _job(queued.id).status == JobStatus.SUCCEEDED


def test_a_running_job_shows_the_progress_it_reports_before_its_transaction_ends(engine: Engine) -> None:
    with unit_of_work() as session:
        queued = enqueue(session, kind="tests.progress", params={"steps": 3}, actor=_admin())
    assert ran == ["1000", "2000", "3000"]  # read from other transactions while the job ran
    done = _job(queued.id)
    assert done.status == JobStatus.SUCCEEDED
    assert done.progress == 0  # the readers did not write their live figure into the row
    assert live_progress(queued.id) is None  # forgotten once the job ended
