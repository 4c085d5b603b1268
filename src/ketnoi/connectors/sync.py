"""One sync of a data source: read it, load the rows as a new version, keep the record of the run.

The run's record is committed first (status running), so the page shows it while the rows come
in. The read and the load then happen in one transaction with the source's new high-water mark:
both are kept, or neither. A source that is down or too slow is tried again, waiting
KETNOI_SYNC_BACKOFF_SECONDS, then twice that, up to KETNOI_SYNC_ATTEMPTS times; a source that
refuses (credentials, a missing table, duplicate keys, a value of the wrong type) fails at once,
with its reason on the run and a notice to the unit's stewards.

A process killed mid-way leaves its run "running" and nothing else: its transaction is rolled back
by the database. The next run of the source (which holds the source's lock on PostgreSQL, or
the database's write lock on SQLite) marks such runs interrupted and starts from the last mark
that was committed, so a sync restarts cleanly rather than resuming from a half.

The schema is compared with the served version's at each run: a column added, removed or retyped
at the source is reported on the run, and an incremental source is then read in full, since its
rows can no longer be merged into the old table.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Resource
from ketnoi.connectors import database
from ketnoi.connectors.extract import Extract, SourceColumn, SourceRefused, SourceUnavailable
from ketnoi.connectors.load import Loaded, Plan, fields_for, load_changes, load_full
from ketnoi.connectors.models import DataSource, RunStatus, SourceKind, SyncMode, SyncRun
from ketnoi.datastore import history
from ketnoi.datastore.infer import field_of
from ketnoi.datastore.ingest import VersionSource
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.kit import secretbox
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, DomainError, NotFound
from ketnoi.settings import get_settings

log = logging.getLogger(__name__)
SYNC_FORMATS = {SourceKind.DATABASE: "database", SourceKind.REST: "rest"}  # a synced version's source_format


def run_source(
    source_id: uuid.UUID, *, full: bool = False, actor: Actor | None = None, progress: Callable[[int], None] | None = None
) -> uuid.UUID:
    """Sync one source now, retrying a source that is down; the run's id (its record says how it went)."""
    settings = get_settings()
    run_id = _start(source_id, full)
    wait, messages = settings.sync_backoff_seconds, list[str]()
    for attempt in range(1, settings.sync_attempts + 1):
        try:
            with unit_of_work() as session:
                _attempt(
                    session,
                    source_id,
                    run_id,
                    full=full,
                    attempt=attempt,
                    messages=messages,
                    actor=actor or system_actor(),
                    progress=progress,
                )
            return run_id
        except SourceUnavailable as exc:
            messages.append(f"Lần {attempt}: {exc.message}")
            if attempt < settings.sync_attempts:
                time.sleep(wait)
                wait *= 2
        except DomainError as exc:
            _failed(source_id, run_id, exc.message, messages, attempt)
            return run_id
        except Exception as exc:
            log.exception("sync of source %s failed", source_id)
            _failed(source_id, run_id, f"Lỗi không mong đợi ({type(exc).__name__}): xem nhật ký máy chủ.", messages, attempt)
            raise
    _failed(source_id, run_id, messages[-1] if messages else "Nguồn không trả lời.", messages, settings.sync_attempts)
    return run_id


def run_within(session: Session, source: DataSource, *, actor: Actor) -> SyncRun:
    """One sync in the caller's transaction, tried once (the demo loader's, which commits everything at its end)."""
    mode = SyncMode.INCREMENTAL if source.mode == SyncMode.INCREMENTAL and source.high_water is not None else SyncMode.FULL
    run = SyncRun(id=uuid.uuid4(), source_id=source.id, mode=mode, high_water_before=source.high_water, changes=[], messages=[])
    session.add(run)
    session.flush()
    _attempt(session, source.id, run.id, full=False, attempt=1, messages=[], actor=actor, progress=None)
    session.flush()
    return run


def _start(source_id: uuid.UUID, full: bool) -> uuid.UUID:
    with unit_of_work() as session:
        source = session.get(DataSource, source_id)
        if source is None:
            raise NotFound("Không tìm thấy nguồn dữ liệu.")
        mode = SyncMode.FULL if full or source.mode == SyncMode.FULL or source.high_water is None else SyncMode.INCREMENTAL
        run = SyncRun(id=uuid.uuid4(), source_id=source_id, mode=mode, high_water_before=source.high_water, changes=[], messages=[])
        session.add(run)
        return run.id


def _attempt(
    session: Session,
    source_id: uuid.UUID,
    run_id: uuid.UUID,
    *,
    full: bool,
    attempt: int,
    messages: list[str],
    actor: Actor,
    progress: Callable[[int], None] | None,
) -> None:
    _lock(session, source_id)
    source = session.get_one(DataSource, source_id)
    resource = session.get_one(Resource, source.resource_id)
    session.execute(
        update(SyncRun)
        .where(SyncRun.source_id == source_id, SyncRun.status == RunStatus.RUNNING, SyncRun.id != run_id)
        .values(
            status=RunStatus.INTERRUPTED,
            finished_at=utcnow(),
            error="Tiến trình đồng bộ bị dừng giữa chừng; không dữ liệu nào của lần này được giữ.",
        )
        .execution_options(synchronize_session=False)
    )
    served = session.scalar(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == resource.id, DatastoreVersion.status == VersionStatus.ACTIVE)
    )
    served_fields = [field_of(d) for d in served.table_schema["fields"]] if served else []
    incremental = not full and source.mode == SyncMode.INCREMENTAL and source.high_water is not None and served is not None
    extract = open_source(source, since=source.high_water if incremental else None)
    try:
        fields, changes = fields_for(session, resource, extract.columns, served_fields)
        if incremental and changes:  # the old table cannot take the new rows: read everything again
            extract.close()
            incremental = False
            extract = open_source(source, since=None)
            fields, changes = fields_for(session, resource, extract.columns, served_fields)
        plan = Plan(
            fields=fields,
            keys=_named(fields, extract.columns, source.key_columns, "key_columns"),
            cursor=_cursor_index(fields, extract.columns, source.cursor_column),
            source=VersionSource(
                format=SYNC_FORMATS[SourceKind(source.kind)],
                key=f"sync/{run_id}",
                sha256=hashlib.sha256(str(run_id).encode()).hexdigest(),
                encoding_reason=f"Đồng bộ từ nguồn «{source.name}»",
                notes=changes,
            ),
        )
        rows = _Peeked(extract)
        if incremental and rows.empty:  # nothing new: no version made
            loaded = None
        elif incremental and served is not None:
            loaded = load_changes(session, actor=actor, resource=resource, extract=rows, plan=plan, served=served, progress=progress)
        else:
            loaded = load_full(session, actor=actor, resource=resource, extract=rows, plan=plan, progress=progress)
    finally:
        extract.close()
    run = session.get_one(SyncRun, run_id)
    run.mode = SyncMode.INCREMENTAL if incremental else SyncMode.FULL
    run.attempts, run.messages, run.changes = attempt, list(messages), changes
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    if loaded is not None:
        run.rows_read, run.rows_added, run.rows_updated = loaded.read, loaded.added, loaded.updated
        if loaded.high_water is not None or not incremental:
            source.high_water = loaded.high_water
    if loaded is not None and loaded.version is not None:
        run.version, run.row_count = loaded.version.version, loaded.version.row_count
        _prune(session, resource.id, source.keep_versions)
    else:
        run.row_count = served.row_count if served else 0
    run.high_water_after = source.high_water
    source.last_status, source.last_run_at = RunStatus.DONE, run.finished_at


def open_source(source: DataSource, *, since: str | None) -> Extract:
    """Open the source for one read (only the rows from the `since` mark on, when given)."""
    secret = secretbox.unseal(source.secret) if source.secret else None
    inclusive = bool(source.key_columns)  # rows at the mark are read again and merged by key; without a key, only later ones
    cursor = source.cursor_column if source.mode == SyncMode.INCREMENTAL else None
    if source.kind == SourceKind.DATABASE:
        return database.open_extract(database.DatabaseConfig.of(source.config), secret, cursor=cursor, since=since, inclusive=inclusive)
    if source.kind == SourceKind.REST:
        from ketnoi.connectors import rest  # the REST reader (httpx) is loaded only by who reads one

        return rest.open_extract(rest.RestConfig.of(source.config), secret, cursor=cursor, since=since)
    raise SourceRefused("Loại nguồn «{kind}» không được hỗ trợ.", values={"kind": source.kind})


def _lock(session: Session, source_id: uuid.UUID) -> None:
    """One sync of a source at a time (PostgreSQL: a lock held to the commit; SQLite has one writer anyway)."""
    if session.connection().dialect.name != "postgresql":
        return
    key = int.from_bytes(source_id.bytes[:8], "big", signed=True)
    if not session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar_one():
        raise Conflict("Nguồn đang được đồng bộ bởi một tiến trình khác: lần này bỏ qua.")


def _named(fields: Sequence[Any], columns: Sequence[SourceColumn], wanted: Sequence[str], field: str) -> list[str]:
    """The fields' SQL names of the source columns named in `wanted`."""
    by_source = {c.name: f.name for c, f in zip(columns, fields, strict=True)}
    missing = [name for name in wanted if name not in by_source]
    if missing:
        raise SourceRefused("Nguồn không có cột «{column}» đã chọn làm khoá.", fields={field: missing[0]}, values={"column": missing[0]})
    return [by_source[name] for name in wanted]


def _cursor_index(fields: Sequence[Any], columns: Sequence[SourceColumn], cursor: str | None) -> int | None:
    if cursor is None:
        return None
    for i, c in enumerate(columns):
        if c.name == cursor:
            return i
    raise SourceRefused("Nguồn không có cột mốc «{cursor}».", fields={"cursor_column": cursor}, values={"cursor": cursor})


class _Peeked:
    """An extract whose first row was already read, to know whether there is anything new."""

    def __init__(self, extract: Extract) -> None:
        self.columns, self._extract = extract.columns, extract
        self._rest = iter(extract.rows())
        self._first = next(self._rest, None)

    @property
    def empty(self) -> bool:
        return self._first is None

    def rows(self) -> Iterator[Sequence[Any]]:
        return iter(()) if self._first is None else itertools.chain([self._first], self._rest)

    def close(self) -> None:
        self._extract.close()


def _prune(session: Session, resource_id: uuid.UUID, keep: int) -> None:
    """Drop the superseded versions beyond the `keep` newest: a source synced every hour would otherwise
    keep a copy of its table per hour. (The gateway's `as_of` reaches back as far as the versions kept.)"""
    old = session.scalars(
        select(DatastoreVersion)
        .where(DatastoreVersion.resource_id == resource_id, DatastoreVersion.status == VersionStatus.SUPERSEDED)
        .order_by(DatastoreVersion.version.desc())
        .offset(keep)
    ).all()
    for version in old:
        history.discard(session, version)
        session.delete(version)


def _failed(source_id: uuid.UUID, run_id: uuid.UUID, error: str, messages: list[str], attempts: int) -> None:
    from ketnoi.connectors.notices import sync_failed

    with unit_of_work() as session:
        run = session.get(SyncRun, run_id)
        source = session.get(DataSource, source_id)
        if run is None or source is None:
            return
        run.status, run.error, run.finished_at = RunStatus.FAILED, error, utcnow()
        run.messages, run.attempts = list(messages), attempts
        source.last_status, source.last_run_at = RunStatus.FAILED, run.finished_at
        sync_failed(session, source, run)


__all__ = ["Loaded", "run_source"]
