"""A sync written into the datastore, always as a new version of the resource's table.

A full read is loaded the way a file is (datastore.ingest's start_version / publish_version: a new
table, made active at the commit). An incremental read is merged into the served table by key, in
place: copying a million rows and indexing them again to change ten thousand would take longer
than the sync may (issue 8: < 10 s). The table goes to the new version, and the version it
supersedes gets a table of its own back right after (datastore.history), from the rows the merge
replaced, kept aside: a version never changes once served, so the gateway's `as_of=T` and
`changed_since=T` stay true for synced data.

All of it runs in the caller's transaction: a failure or a killed process leaves the served version
as it was and no table behind (DDL is transactional on PostgreSQL and SQLite), and readers see the
table before the merge or after it, never half of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, Table, and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Resource
from ketnoi.connectors.extract import Extract, SourceColumn, SourceRefused, converter, mark_of
from ketnoi.datastore import access, history, infer, tables
from ketnoi.datastore.ingest import SAMPLE_ROWS, VersionSource, publish_version, start_version, texts
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.jobs.queue import enqueue
from ketnoi.kit.search import search_text

SHOWN_DUPLICATES = 5


@dataclass
class Loaded:
    version: DatastoreVersion | None  # None: every row read was already served as it is (no version made)
    read: int  # rows the source gave
    added: int  # rows new to the table
    updated: int  # rows that replaced their earlier copy (same key)
    high_water: str | None  # the largest cursor value read (None when none was)


@dataclass(frozen=True)
class Plan:
    """What one load needs to know besides the rows."""

    fields: list[infer.Field]
    keys: list[str]  # the fields (SQL names) that identify a row; empty: rows are only appended
    cursor: int | None  # the index of the cursor column among the fields
    source: VersionSource


def fields_for(
    session: Session, resource: Resource, columns: Sequence[SourceColumn], served: Sequence[infer.Field]
) -> tuple[list[infer.Field], list[str]]:
    """The datastore fields of the source's columns, and the schema changes since the served version.

    A column with the same name and type keeps its field as the steward edited it (its description,
    its data item); a new or retyped column gets a new field, tied to the data item it matches."""
    by_title = {f.title.casefold(): f for f in served}
    names = infer.column_names([c.name for c in columns])
    fields: list[infer.Field] = []
    changes: list[str] = []
    for column, name in zip(columns, names, strict=True):
        title = infer.title_of(column.name)
        kept = by_title.get(title.casefold())
        if kept is not None and kept.type == column.type:
            fields.append(kept)
            continue
        if kept is not None:
            changes.append(f"cột «{title}» đổi kiểu: {kept.type} → {column.type}")
        elif served:
            changes.append(f"cột mới «{title}» ({column.type})")
        fields.append(infer.Field(name=kept.name if kept else name, title=title, type=column.type))
    present = {infer.title_of(c.name).casefold() for c in columns}
    changes += [f"cột «{f.title}» không còn ở nguồn" for f in served if f.title.casefold() not in present]
    return access.link_items(fields, access.dataset_items(session, resource.dataset_id)), changes


class _Reading:
    """The source's rows typed for the datastore, counted, with the high-water mark kept as they pass."""

    def __init__(self, extract: Extract, plan: Plan, progress: Callable[[int], None] | None, *, search: bool | None = None) -> None:
        self.extract, self.plan, self.progress = extract, plan, progress
        self.search = tables.searchable(plan.fields) if search is None else search  # a merge follows the served table
        self.read = 0
        self.high: Any = None
        self.sample: list[list[Any]] = []

    def rows(self, *, start: int = 1) -> Iterator[list[Any]]:
        convert = [converter(f.type) for f in self.plan.fields]
        search = self.search
        key_at = [i for i, f in enumerate(self.plan.fields) if f.name in self.plan.keys]
        cursor = self.plan.cursor
        for number, raw in enumerate(self.extract.rows(), start=1):
            try:
                values = [None if v is None else c(v) for c, v in zip(convert, raw, strict=True)]
            except ValueError as exc:
                raise SourceRefused("Dòng thứ {number} của nguồn: {error}.", values={"number": number, "error": str(exc)}) from None
            if any(values[i] is None for i in key_at):
                raise SourceRefused("Dòng thứ {number} của nguồn có khoá rỗng: mỗi dòng cần đủ các cột khoá.", values={"number": number})
            if cursor is not None and values[cursor] is not None and (self.high is None or values[cursor] > self.high):
                self.high = values[cursor]
            if len(self.sample) < SAMPLE_ROWS:
                self.sample.append(values)
            self.read = number
            if self.progress and number % tables.BATCH_ROWS == 0:
                self.progress(number)
            row = [start + number - 1, *values]
            yield [*row, search_text(*texts(values))] if search else row


def load_full(
    session: Session, *, actor: Actor, resource: Resource, extract: Extract, plan: Plan, progress: Callable[[int], None] | None = None
) -> Loaded:
    """Every row of the source as the next version."""
    version, table = start_version(session, actor=actor, resource=resource, fields=plan.fields, source=plan.source)
    connection = session.connection()
    reading = _Reading(extract, plan, progress)
    version.row_count = tables.insert(connection, table, reading.rows())
    _index(session, table, plan, reading.sample)
    publish_version(session, actor=actor, resource=resource, version=version)
    return Loaded(version, reading.read, version.row_count, 0, mark_of(reading.high))


def load_changes(
    session: Session,
    *,
    actor: Actor,
    resource: Resource,
    extract: Extract,
    plan: Plan,
    served: DatastoreVersion,
    progress: Callable[[int], None] | None = None,
) -> Loaded:
    """The rows read merged into the served table by key (appended when there is no key), as the
    next version (none is made when every row read is already served as it is).

    The table is changed in place and given to the new version; the version it supersedes gets its
    own table back afterwards (datastore.history) from the rows replaced here, kept aside."""
    connection = session.connection()
    history.rebuild_pending(session, served.table_name)  # an earlier version still built from this table: before it changes
    search = bool(served.table_schema.get("ketnoiSearch"))
    table = tables.table_for(connection, served.table_name, plan.fields, search=search)
    touched = tables.table_for(connection, f"{tables.new_table_name()}_in", plan.fields, search=search)
    tables.create(connection, touched)
    reading = _Reading(extract, plan, progress, search=search)
    tables.insert(connection, touched, reading.rows())
    names = [f.name for f in plan.fields]
    if plan.keys:
        changes, added = _keep_latest(session, touched, table, plan.keys, names)
    else:
        changes = added = reading.read
    if changes == 0:
        tables.drop(connection, touched.name)
        return Loaded(None, reading.read, 0, 0, mark_of(reading.high))
    top = session.execute(select(func.coalesce(func.max(table.c._id), 0))).scalar_one()
    was = tables.table_for(connection, f"{tables.new_table_name()}_was", plan.fields, search=search)
    tables.create(connection, was)
    columns = [c.name for c in table.columns]
    if plan.keys:
        same_key = and_(*(table.c[k] == touched.c[k] for k in plan.keys))
        session.execute(insert(was).from_select(columns, select(*table.c).where(exists().where(same_key))))
        session.execute(update(table).where(same_key).values({name: touched.c[name] for name in columns[1:]}))
        new_rows = select(top + func.row_number().over(order_by=touched.c._id), *(touched.c[n] for n in columns[1:]))
        session.execute(insert(table).from_select(columns, new_rows.where(~exists().where(same_key))))
    else:
        session.execute(insert(table).from_select(columns, select(touched.c._id + top, *(touched.c[n] for n in columns[1:]))))
    version = _hand_over(session, actor=actor, resource=resource, served=served, plan=plan, touched=touched.name, was=was.name)
    version.row_count = served.row_count + added
    publish_version(session, actor=actor, resource=resource, version=version)
    from ketnoi.datastore.tasks import REBUILD_HISTORY

    enqueue(session, kind=REBUILD_HISTORY, params={"version_id": str(served.id)}, actor=actor)
    return Loaded(version, reading.read, added, changes - added, mark_of(reading.high))


def _keep_latest(session: Session, touched: Table, table: Table, keys: list[str], names: list[str]) -> tuple[int, int]:
    """Keep one row per key among those read (the last one), and count how many differ from the
    served table (rows read again at the mark come back as they were) and how many are new."""
    connection = session.connection()
    Index(f"{touched.name}_key", *(touched.c[k] for k in keys)).create(connection)
    later = touched.alias("later")
    superseded = exists().where(and_(*(later.c[k] == touched.c[k] for k in keys)), later.c._id > touched.c._id)
    session.execute(delete(touched).where(superseded))
    same_key = and_(*(table.c[k] == touched.c[k] for k in keys))
    served_copies = select(*(table.c[n] for n in names)).select_from(table.join(touched, same_key))
    differing = select(*(touched.c[n] for n in names)).except_(served_copies).subquery()
    changes = session.execute(select(func.count()).select_from(differing)).scalar_one()
    added = session.execute(select(func.count()).select_from(touched).where(~exists().where(same_key))).scalar_one()
    return changes, added


def _hand_over(
    session: Session, *, actor: Actor, resource: Resource, served: DatastoreVersion, plan: Plan, touched: str, was: str
) -> DatastoreVersion:
    """The next version takes the served table; the served one gets a new name, to be rebuilt under it."""
    table_name = served.table_name
    served.table_name = tables.new_table_name()
    served.rebuild = {"base": table_name, "touched": touched, "was": was, "keys": list(plan.keys)}
    session.flush()  # the old row lets go of the name before the new one takes it (it is unique)
    version = DatastoreVersion(
        resource_id=resource.id,
        version=served.version + 1,
        table_name=table_name,
        table_schema=served.table_schema,
        source_format=plan.source.format,
        source_key=plan.source.key,
        source_sha256=plan.source.sha256,
        encoding=plan.source.encoding,
        encoding_reason=plan.source.encoding_reason,
        header_line=plan.source.header_line,
        notes=list(plan.source.notes),
        created_by_id=actor.user_id,
    )
    session.add(version)
    session.flush()
    return version


def _index(session: Session, table: Table, plan: Plan, sample: Sequence[Sequence[Any]]) -> None:
    """The filter indexes a file's table gets, and a unique index on the key: the source's key is
    checked here (a duplicate refuses the whole load), and the next incremental merge finds rows by it."""
    connection = session.connection()
    if plan.keys:
        try:
            with session.begin_nested():  # the SAVEPOINT is emitted when the session hands out its connection
                Index(f"{table.name}_key"[:63], *(table.c[k] for k in plan.keys), unique=True).create(session.connection())
        except IntegrityError:
            raise SourceRefused(_duplicates(session, table, plan)) from None
    filters = [name for name in tables.filter_columns(plan.fields, sample) if name not in plan.keys[:1]]
    tables.index(connection, table, filters)


def _duplicates(session: Session, table: Table, plan: Plan) -> str:
    keys = [table.c[k] for k in plan.keys]
    found = session.execute(select(*keys, func.count()).group_by(*keys).having(func.count() > 1).limit(SHOWN_DUPLICATES)).all()
    titles = {f.name: f.title for f in plan.fields}
    shown = "; ".join(
        ", ".join(f"{titles[k]} = {value}" for k, value in zip(plan.keys, row[:-1], strict=True)) + f" ({row[-1]} dòng)" for row in found
    )
    more = " …" if len(found) == SHOWN_DUPLICATES else ""
    return f"Nguồn có khoá trùng nên chưa được nạp: {shown}{more}. Hãy sửa dữ liệu nguồn hoặc chọn lại cột khoá."


__all__ = ["Loaded", "Plan", "fields_for", "load_changes", "load_full"]
