"""Is a "running" job still being run? Its runner holds a lock on it for as long as it runs.

A worker killed mid-job (kill -9, a crash, the machine rebooted) leaves its job "running", and the
database rolls the job's transaction back: nothing of it is kept. Such a job must be marked
interrupted, and only such a job: another worker may be running a job for hours. The lock tells
them apart whatever their age: the runner takes it before it claims the job (queued → running)
and keeps it until the outcome is written, and the system drops a dead process's lock.

- PostgreSQL: a session advisory lock on the job's id, on a connection of its own in autocommit
  (no transaction left open beside the job's). PostgreSQL drops it with the connection, and
  every worker on every machine sees it.
- SQLite: an exclusive `flock` on a file per job under var_dir/jobs-running. A SQLite node's
  processes share one machine, whose kernel drops the lock with the process.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketnoi import db
from ketnoi.settings import get_settings

log = logging.getLogger("ketnoi.jobs")


def _key(job_id: uuid.UUID) -> int:
    return int.from_bytes(job_id.bytes[:8], "big", signed=True)


@contextmanager
def running(job_id: uuid.UUID) -> Iterator[None]:
    """Hold the job's lock while the block runs (waiting while a sweeper holds it for a moment)."""
    engine = db.get_engine()
    if engine.dialect.name != "postgresql":
        path = _lock_file(job_id)
        fd = _locked(path, wait=True)
        assert fd is not None
        try:
            yield
        finally:
            _release(path, fd)
        return
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _key(job_id)})
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _key(job_id)})
            except Exception:  # the connection is lost (the database restarted): the lock went with it
                log.warning("could not release the lock of job %s; dropping its connection", job_id, exc_info=True)
                connection.invalidate()


@contextmanager
def abandoned(session: Session, job_id: uuid.UUID) -> Iterator[bool]:
    """Whether nobody runs this job (its lock was free); if so the lock is held while the block
    marks it, so that no runner can start on it meanwhile (PostgreSQL: until `session` commits)."""
    if session.connection().dialect.name == "postgresql":
        yield bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _key(job_id)}).scalar_one())
        return
    path = _lock_file(job_id)
    fd = _locked(path, wait=False)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        _release(path, fd)


def _lock_file(job_id: uuid.UUID) -> Path:
    folder = get_settings().ensure_var_dir() / "jobs-running"
    folder.mkdir(exist_ok=True)
    return folder / str(job_id)


def _locked(path: Path, *, wait: bool) -> int | None:
    """A descriptor of `path` holding its exclusive lock; None when another holds it and `wait` is off."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            return fd
        os.close(fd)  # its holder removed the file while this one waited: lock the file there now


def _release(path: Path, fd: int) -> None:
    path.unlink(missing_ok=True)  # while still locked: whoever waits on it sees it gone and starts on a new file
    os.close(fd)
