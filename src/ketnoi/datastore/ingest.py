"""Ingestion: a resource's file becomes a new version of its typed table, all or nothing.

Read (readers) → take the schema the steward edited, or the served version's when the file has
the same columns, or else infer one from the first rows (infer) → type every row, setting aside
the ones that do not fit → write the table (tables) → make it the active version.

Everything happens in the caller's transaction: a failed or killed load leaves the previous
version serving and no table behind; readers look up the active version, so they see the old
table or the whole new one, never a part.

Bad rows (a value of the wrong type, more cells than the header, an over-long cell) are refused
with their line numbers by default; with `bad_rows="quarantine"` the good rows load and the bad
ones are kept beside the version for the steward to fix.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from ketnoi import authz, files
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.datasets import get_dataset
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.datastore import access, infer, readers, tables
from ketnoi.datastore.models import BadRow, DatastoreVersion, VersionStatus
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import enqueue
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid, NotFound
from ketnoi.kit.search import search_text
from ketnoi.settings import get_settings

SAMPLE_ROWS = 2000  # rows the schema is inferred from
MAX_TEXT = 32_767  # a spreadsheet's own limit for one cell
REPORTED_BAD_ROWS = 20  # listed in the error when the file is refused
POLICIES = ("reject", "quarantine")


@dataclass(frozen=True)
class IngestOptions:
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None  # XLSX: which sheet (the first by default)
    bad_rows: str = "reject"
    fields: Sequence[infer.Field] | None = None  # the schema as the steward edited it; inferred when None


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str
    cells: list[Any]


def ingest(
    session: Session,
    *,
    actor: Actor,
    resource_id: uuid.UUID,
    path: Path,
    options: IngestOptions = IngestOptions(),
    progress: Callable[[int], None] | None = None,
    original: files.StoredFile | None = None,
) -> DatastoreVersion:
    """Load `path` as the next version of the resource's table; the new version, now active.

    The original is kept with each version: pass it when the caller has stored `path` already
    (an upload, a queued job), else it is copied into the store here.
    """
    resource = _editable_resource(session, actor, resource_id)
    _check_policy(options)
    table = readers.open_table(path, format=options.format, encoding=options.encoding, sheet=options.sheet)
    if original is None:
        with path.open("rb") as stream:
            original = files.save(stream, max_bytes=get_settings().max_upload_mb << 20)
    rows = table.rows()
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    fields = list(options.fields or _kept_schema(session, resource.id, table.headers) or ())
    if not fields:  # a new schema: its columns are tied to the data items they match (a steward's own choice is kept)
        inferred = infer.infer_fields(table.headers, [cells for _, cells in sample if not _ragged(cells, len(table.headers))])
        fields = access.link_items(inferred, access.dataset_items(session, resource.dataset_id))
    if len(fields) != len(table.headers):
        raise Invalid(
            "Lược đồ có {fields} cột nhưng tệp có {columns} cột.",
            fields={"fields": str(len(fields))},
            values={"fields": len(fields), "columns": len(table.headers)},
        )

    version, sql_table = start_version(
        session,
        actor=actor,
        resource=resource,
        fields=fields,
        source=VersionSource(
            table.format, original.key, original.sha256, table.encoding.encoding, table.encoding.reason, table.header_line, table.notes
        ),
    )
    search = tables.SEARCH_COLUMN in sql_table.c
    connection = session.connection()
    problems: list[Problem] = []
    typed = _typed_rows(itertools.chain(sample, rows), fields, problems, options.bad_rows, progress, search=search)
    version.row_count = tables.insert(connection, sql_table, typed)
    if problems and options.bad_rows == "reject":
        raise Invalid(_refusal(problems), fields={"file": f"{len(problems)} dòng lỗi"})
    tables.index(connection, sql_table, tables.filter_columns(fields, [cells for _, cells in sample]))
    session.add_all(BadRow(version_id=version.id, line=p.line, reason=p.reason, cells=p.cells) for p in problems)
    version.bad_row_count = len(problems)
    publish_version(session, actor=actor, resource=resource, version=version)
    resource.storage_key, resource.sha256, resource.size = original.key, original.sha256, original.size
    return version


@dataclass(frozen=True)
class VersionSource:
    """Where a version's rows came from: a file (its format, stored original and how it was read), or a data source's sync."""

    format: str
    key: str
    sha256: str
    encoding: str = "utf-8"
    encoding_reason: str = ""
    header_line: int = 0
    notes: Sequence[str] = ()


def start_version(
    session: Session, *, actor: Actor, resource: Resource, fields: Sequence[infer.Field], source: VersionSource
) -> tuple[DatastoreVersion, Table]:
    """The next version of the resource's table, created empty (still loading: no reader sees it)."""
    search = tables.searchable(fields)
    previous = session.scalar(select(func.max(DatastoreVersion.version)).where(DatastoreVersion.resource_id == resource.id)) or 0
    version = DatastoreVersion(
        resource_id=resource.id,
        version=previous + 1,
        table_name=tables.new_table_name(),
        table_schema=infer.table_schema(fields) | {"ketnoiSearch": search},  # has the `q=` column
        source_format=source.format,
        source_key=source.key,
        source_sha256=source.sha256,
        encoding=source.encoding,
        encoding_reason=source.encoding_reason,
        header_line=source.header_line,
        notes=list(source.notes),
        created_by_id=actor.user_id,
    )
    session.add(version)
    session.flush()  # the transaction is open before the DDL (SQLite runs DDL outside one otherwise)
    connection = session.connection()
    sql_table = tables.table_for(connection, version.table_name, fields, search=search)
    tables.create(connection, sql_table)
    return version, sql_table


def publish_version(session: Session, *, actor: Actor, resource: Resource, version: DatastoreVersion) -> None:
    """The loaded version becomes the one served (at the caller's commit), with its follow-up work queued and audited."""
    _activate(session, version)
    from ketnoi.datastore.tasks import ANALYZE, SEARCH_INDEX  # (they import this module)
    from ketnoi.quality.tasks import after_load  # quality reads the datastore: imported here, not at the top

    enqueue(session, kind=ANALYZE, params={"table_name": version.table_name}, actor=actor)  # before the quality run it may queue
    after_load(session, dataset_id=resource.dataset_id, actor=actor)
    if version.table_schema.get("ketnoiSearch") and session.connection().dialect.name == "postgresql":
        enqueue(session, kind=SEARCH_INDEX, params={"table_name": version.table_name}, actor=actor)
    audit.record(
        session,
        actor=actor,
        action="ingest",
        entity_type="resource",
        entity_id=resource.id,
        entity_label=resource.name,
        changes={"version": [version.version - 1 or None, version.version], "row_count": [None, version.row_count]},
    )


def _check_policy(options: IngestOptions) -> None:
    if options.bad_rows not in POLICIES:
        raise Invalid("Cách xử lý dòng lỗi phải là «reject» hoặc «quarantine».", fields={"bad_rows": options.bad_rows})


def _kept_schema(session: Session, resource_id: uuid.UUID, headers: Sequence[str]) -> list[infer.Field] | None:
    """The served version's schema (with the steward's edits), when the new file has the same columns."""
    served = session.scalar(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == resource_id, DatastoreVersion.status == VersionStatus.ACTIVE)
    )
    if served is None:
        return None
    kept = [infer.field_of(d) for d in served.table_schema["fields"]]
    same = [f.title.casefold() for f in kept] == [infer.title_of(h).casefold() for h in headers]
    return kept if same else None


def _editable_resource(session: Session, actor: Actor, resource_id: uuid.UUID) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("Không tìm thấy tài nguyên.")
    dataset = get_dataset(session, actor=actor, dataset_id=resource.dataset_id)
    authz.require(actor, Action.UPDATE, Kind.RESOURCE, owner_unit_id=dataset.owner_unit_id)
    return resource


def _typed_rows(
    rows: Iterator[tuple[int, list[Any]]],
    fields: Sequence[infer.Field],
    problems: list[Problem],
    policy: str,
    progress: Callable[[int], None] | None,
    *,
    search: bool = False,
) -> Iterator[list[Any]]:
    """Each good row as [_id, values…]; bad rows go to `problems` (when refusing, the rest are
    still checked, so the person sees every bad line at once, up to a bound)."""
    parsers = [infer.parser(f) for f in fields]
    width = len(fields)
    next_id = 1
    for count, (line, cells) in enumerate(rows, start=1):
        if progress and count % tables.BATCH_ROWS == 0:
            progress(count)
        try:
            values = _typed(cells, parsers, fields, width)
        except ValueError as exc:
            problems.append(Problem(line, str(exc), [c if c is None or isinstance(c, int | float | bool) else str(c) for c in cells]))
            if policy == "reject" and len(problems) >= REPORTED_BAD_ROWS:
                return
            continue
        yield [next_id, *values, search_text(*texts(values))] if search else [next_id, *values]
        next_id += 1


def texts(values: list[object]) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def _typed(cells: list[Any], parsers: list[Callable[[object], object]], fields: Sequence[infer.Field], width: int) -> list[object]:
    if len(cells) == width:  # the common row, in one pass; any doubt goes the careful way below
        try:
            fits = max(map(len, cells), default=0) <= MAX_TEXT
        except TypeError:  # numbers or dates from a spreadsheet
            fits = False
        if fits:
            try:
                return [parse(cell) for parse, cell in zip(parsers, cells, strict=True)]
            except ValueError:
                pass  # worded with its column below
    if _ragged(cells, width):
        raise ValueError(f"dòng có {len(cells)} ô nhưng tiêu đề chỉ có {width} cột")
    cells = cells[:width] + [None] * (width - len(cells))  # a short row: the missing cells are empty
    values = []
    for cell, parse, field in zip(cells, parsers, fields, strict=True):
        if isinstance(cell, str) and len(cell) > MAX_TEXT:
            raise ValueError(f"cột «{field.title}»: ô dài {len(cell):,} ký tự, quá {MAX_TEXT:,}".replace(",", "."))
        try:
            values.append(parse(cell))
        except ValueError as exc:
            raise ValueError(f"cột «{field.title}»: {exc}") from None
    return values


def _ragged(cells: list[Any], width: int) -> bool:
    """More filled cells than the header has columns: its cells are shifted, no column can trust them."""
    return len(cells) > width and any(c not in (None, "") for c in cells[width:])


def _refusal(problems: list[Problem]) -> str:
    shown = "; ".join(f"dòng {p.line}: {p.reason}" for p in problems[:REPORTED_BAD_ROWS])
    more = " (và có thể còn nữa)" if len(problems) >= REPORTED_BAD_ROWS else ""
    return f"Tệp có dòng không đúng kiểu nên chưa được nạp{more}: {shown}. Hãy sửa tệp, hoặc chọn nạp và tách riêng các dòng lỗi."


def _activate(session: Session, version: DatastoreVersion) -> None:
    """The new version becomes the one served; the one it replaces stays, as history."""
    # Through the ORM, not a bulk UPDATE: the session's copies of the old versions change too.
    current = select(DatastoreVersion).where(
        DatastoreVersion.resource_id == version.resource_id, DatastoreVersion.status == VersionStatus.ACTIVE
    )
    for old in session.scalars(current):
        old.status = VersionStatus.SUPERSEDED
    version.status = VersionStatus.ACTIVE
    version.finished_at = utcnow()
    touch_dataset(session, version.resource_id)


def touch_dataset(session: Session, resource_id: uuid.UUID) -> None:
    """New data is a change of its dataset: harvesters and the portal read `updated_at` (CKAN's metadata_modified)."""
    dataset_id = select(Resource.dataset_id).where(Resource.id == resource_id).scalar_subquery()
    session.execute(update(Dataset).where(Dataset.id == dataset_id).values(updated_at=utcnow()))


def loadable(resource: Resource) -> bool:
    """Is the resource's file of a kind the datastore reads (by its name)?"""
    return PurePath(resource.original_filename or "").suffix.lower().lstrip(".") in readers.FORMATS


def can_load(*, actor: Actor, dataset: Dataset) -> bool:
    """May this actor load files into the resource's table (the load form is shown)?"""
    return authz.allowed(actor, Action.UPDATE, Kind.RESOURCE, owner_unit_id=dataset.owner_unit_id)


def version_of(session: Session, *, actor: Actor, resource_id: uuid.UUID, number: int) -> DatastoreVersion:
    """One version of the history, for someone who may read its original file in full."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("Không tìm thấy tài nguyên.")
    access.require_whole(session, actor=actor, resource=resource)
    numbered = select(DatastoreVersion).where(DatastoreVersion.resource_id == resource_id, DatastoreVersion.version == number)
    version = session.scalar(numbered)
    if version is None:
        raise NotFound("Không có phiên bản này.")
    return version


def versions(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> list[DatastoreVersion]:
    """A resource's versions, newest first (its history)."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("Không tìm thấy tài nguyên.")
    get_dataset(session, actor=actor, dataset_id=resource.dataset_id)
    query = select(DatastoreVersion).where(DatastoreVersion.resource_id == resource_id).order_by(DatastoreVersion.version.desc())
    return list(session.scalars(query))


def queue_ingest(
    session: Session,
    *,
    actor: Actor,
    resource_id: uuid.UUID,
    upload: tuple[str, BinaryIO] | None,
    options: IngestOptions,
) -> Job:
    """Check the rights now, keep the file, and let the worker load it (ketnoi.datastore.tasks)."""
    from ketnoi.datastore.tasks import INGEST

    resource = _editable_resource(session, actor, resource_id)
    _check_policy(options)
    if upload is None:
        if not resource.storage_key:
            raise Invalid("Tài nguyên chưa có tệp: hãy gửi kèm tệp.", fields={"file": "Bắt buộc."})
        key, filename = resource.storage_key, resource.original_filename or ""
    else:
        filename, stream = upload
        key = files.save(stream, max_bytes=get_settings().max_upload_mb << 20).key
    guessed = PurePath(filename).suffix.lower().lstrip(".")
    params = {
        "resource_id": str(resource.id),
        "key": key,
        "format": options.format or (guessed if guessed in readers.FORMATS else None),
        "encoding": options.encoding,
        "sheet": options.sheet,
        "bad_rows": options.bad_rows,
        "fields": [f.descriptor() for f in options.fields] if options.fields else None,
    }
    return enqueue(session, kind=INGEST, params=params, actor=actor)
