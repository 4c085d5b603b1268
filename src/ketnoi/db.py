"""Engine, declarative base with a constraint naming convention, and the unit of work.

One transaction per request or job: `unit_of_work()` commits at the end, rolls back on error,
and only after a successful commit runs the callbacks registered with `after_commit()`
(jobs, e-mails), so nothing leaves the building for a change that was rolled back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from ketnoi.kit.clock import new_id, utcnow
from ketnoi.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are always aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


SQLITE_BUSY_TIMEOUT_MS = 10_000  # how long a SQLite write waits for the lock another one holds


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: object) -> bool | None:
    """SQLite's REGEXP (quality rules on text): each pattern compiled once, not looked up per row."""
    if value is None:
        return None
    return _compiled(pattern).search(value if isinstance(value, str) else str(value)) is not None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("regexp", 2, _regexp, deterministic=True)  # in place of SQLAlchemy's uncached one
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA mmap_size=268435456")  # readers share the OS page cache instead of copying pages
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A pool as large as the server's thread pool: a SQLite connection that is closed takes
        # its page cache with it, and a fresh one reads every page again from the file.
        engine = create_engine(url, connect_args={"check_same_thread": False}, pool_size=20, max_overflow=40)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # prepare_threshold=None: psycopg would otherwise prepare a statement after five runs, and
    # PostgreSQL's generic plan for `search_text LIKE %s` cannot see the words, estimates one row
    # and sorts every match (measured: 0.3 ms → 270 ms for a common word).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, connect_args={"prepare_threshold": None})


# SQLSTATEs of a server going away: class 08 (connection exception), and 57P01-57P03 (shut down by
# an administrator, after a crash, or starting up / shutting down and refusing connections).
_SERVER_GOING = ("57P01", "57P02", "57P03")
_INVALIDATED = "8s2b"  # SQLAlchemy's code for "Can't reconnect until invalid transaction is rolled back"


def unreachable(exc: BaseException) -> bool:
    """Is this the database out of reach (down, restarting, the connection lost) rather than a
    fault of the statement? The same work succeeds once the database is back."""
    if isinstance(exc, PendingRollbackError):
        return exc.code == _INVALIDATED  # a lost connection's transaction, used again (its first error was caught)
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True  # lost while in use: SQLAlchemy has dropped it, and the pool's older connections with it
    state = getattr(exc.orig, "sqlstate", None)  # psycopg's; sqlite3 has none
    if state:
        return state.startswith("08") or state in _SERVER_GOING
    return isinstance(exc, OperationalError | InterfaceError) and exc.statement is None  # no connection could be made


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def _sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Every model is mapped before the first session: a foreign key names its table by string, and a
    # command importing only some domains (the CLI, a worker) would otherwise miss the table it names.
    import ketnoi.models  # noqa: F401

    return sessionmaker(bind=engine, expire_on_commit=False)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction has committed (never on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    session = _sessionmaker(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop("after_commit", None)
        raise
    finally:
        callbacks = session.info.pop("after_commit", [])
        session.close()
    for callback in callbacks:
        callback()
