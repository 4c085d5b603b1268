"""Data sources: who may set them up, the list and a source's record, a look at the source, a sync now.

Who may do what (deny by default):
- staff (administrator, steward, leader) read the sources and their runs, as they read the audit
  trail: how the datastore was filled. The public never sees a source (its address is the unit's
  internal system); a public dataset's page says only that it is synced, and when;
- an administrator, or a steward of the unit that owns the target dataset, creates, changes,
  deletes, previews and syncs a source: its rows land in that unit's dataset. Scheduled runs then
  load as the platform itself.
A source's password or token is sealed when saved (kit.secretbox) and never shown back: the form
says only that one is kept. Changing where the source reads from forgets its high-water mark, so
the next run reads it in full.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.datasets import get_dataset
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.connectors import database
from ketnoi.connectors.extract import SourceColumn
from ketnoi.connectors.models import DataSource, RunStatus, SourceKind, SyncMode, SyncRun
from ketnoi.connectors.schemas import SourceIn
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.jobs import queue, schedule
from ketnoi.jobs.models import Job
from ketnoi.kit import secretbox
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.pagination import Page, keyset_page

FIELDS = ("name", "kind", "dataset_id", "config", "mode", "cursor_column", "key_columns", "interval_minutes", "enabled", "keep_versions")
WHERE_FIELDS = ("kind", "config", "mode", "cursor_column", "key_columns")  # a change of these forgets the mark
RUNS_SHOWN = 20
PREVIEW_ROWS = 10
RESOURCE_FORMATS = {SourceKind.DATABASE: "SQL", SourceKind.REST: "JSON"}


@dataclass
class SourceRow:
    source: DataSource
    dataset_name: str
    last_run: SyncRun | None


@dataclass
class SourceView:
    source: DataSource
    dataset: Dataset
    resource: Resource
    served: DatastoreVersion | None
    runs: list[SyncRun]
    can_manage: bool

    @property
    def has_secret(self) -> bool:
        return bool(self.source.secret)


@dataclass
class Preview:
    columns: list[SourceColumn]
    rows: list[list[Any]]


@dataclass
class Lineage:
    """A source that fills one of a dataset's resources (shown on the dataset's page)."""

    source_id: uuid.UUID
    name: str | None  # None for the public: the source itself is staff-only
    kind: str
    resource_id: uuid.UUID
    resource_name: str
    mode: str
    last_status: str | None
    last_run_at: Any
    version: int | None
    row_count: int | None


def _require_staff(actor: Actor) -> None:
    authz.require(actor, Action.VIEW, Kind.AUDIT)


def may_manage(actor: Actor, dataset: Dataset) -> bool:
    return authz.allowed(actor, Action.UPDATE, Kind.RESOURCE, owner_unit_id=dataset.owner_unit_id)


def _managed_dataset(session: Session, actor: Actor, dataset_id: uuid.UUID) -> Dataset:
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.UPDATE, Kind.RESOURCE, owner_unit_id=dataset.owner_unit_id)
    return dataset


def editable_datasets(session: Session, *, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The datasets the actor may fill from a source (a form's choices)."""
    units = authz.editable_units(actor)
    query = select(Dataset.id, Dataset.name).order_by(Dataset.name, Dataset.id).limit(2000)
    if units is not None:
        query = query.where(Dataset.owner_unit_id.in_(units))
    return [(row.id, row.name) for row in session.execute(query)]


def list_sources(session: Session, *, actor: Actor, cursor: str | None, limit: int, dataset_id: uuid.UUID | None = None) -> Page[SourceRow]:
    """Sources by name, each with its dataset's name and its last run."""
    _require_staff(actor)
    query = select(DataSource)
    if dataset_id is not None:
        query = query.where(DataSource.dataset_id == dataset_id)
    page = keyset_page(session, query, [DataSource.name, DataSource.id], cursor=cursor, limit=limit)
    sources: list[DataSource] = page.items
    names = dict(session.execute(select(Dataset.id, Dataset.name).where(Dataset.id.in_({s.dataset_id for s in sources}))).tuples().all())
    last = _last_runs(session, [s.id for s in sources])
    return Page(items=[SourceRow(s, names.get(s.dataset_id, ""), last.get(s.id)) for s in sources], next_cursor=page.next_cursor)


def _last_runs(session: Session, source_ids: list[uuid.UUID]) -> dict[uuid.UUID, SyncRun]:
    return schedule.latest_runs(session, SyncRun, source_ids)


def get_source(session: Session, *, actor: Actor, source_id: uuid.UUID) -> DataSource:
    _require_staff(actor)
    source = session.get(DataSource, source_id)
    if source is None:
        raise NotFound("Không tìm thấy nguồn dữ liệu.")
    return source


def source_view(session: Session, *, actor: Actor, source_id: uuid.UUID) -> SourceView:
    source = get_source(session, actor=actor, source_id=source_id)
    dataset = session.get_one(Dataset, source.dataset_id)
    resource = session.get_one(Resource, source.resource_id)
    served = session.scalar(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == resource.id, DatastoreVersion.status == VersionStatus.ACTIVE)
    )
    runs = session.scalars(
        select(SyncRun).where(SyncRun.source_id == source.id).order_by(SyncRun.started_at.desc(), SyncRun.id).limit(RUNS_SHOWN)
    )
    return SourceView(source, dataset, resource, served, list(runs), may_manage(actor, dataset))


def _checked(data: SourceIn) -> dict[str, Any]:
    """The source's settings as they will be used (each kind checks its own), or Invalid naming the field."""
    if data.kind == SourceKind.DATABASE:
        config = database.check(database.DatabaseConfig.of(data.config)).as_dict()
    else:
        from ketnoi.connectors import rest

        config = rest.check(rest.RestConfig.of(data.config)).as_dict()
    if data.mode == SyncMode.INCREMENTAL and not (data.cursor_column or "").strip():
        raise Invalid("Đồng bộ gia tăng cần một cột mốc (thời điểm cập nhật hoặc khoá tăng dần).", fields={"cursor_column": "Bắt buộc."})
    keys = [k.strip() for k in data.key_columns if k.strip()]
    if len(set(keys)) != len(keys):
        raise Invalid("Một cột được chọn làm khoá hai lần.", fields={"key_columns": ", ".join(keys)})
    return config


def _record(session: Session, actor: Actor, action: str, source: DataSource, changes: dict[str, list[Any]]) -> None:
    audit.record(
        session, actor=actor, action=action, entity_type="data_source", entity_id=source.id, entity_label=source.name, changes=changes
    )


def _apply(source: DataSource, data: SourceIn, config: dict[str, Any]) -> None:
    source.name, source.kind, source.dataset_id, source.config = data.name, data.kind, data.dataset_id, config
    source.mode, source.interval_minutes, source.enabled, source.keep_versions = (
        data.mode,
        data.interval_minutes,
        data.enabled,
        data.keep_versions,
    )
    source.cursor_column = (data.cursor_column or "").strip() or None if data.mode == SyncMode.INCREMENTAL else None
    source.key_columns = [k.strip() for k in data.key_columns if k.strip()]
    if data.secret is not None:
        source.secret = secretbox.seal(data.secret) if data.secret else None


def create_source(session: Session, *, actor: Actor, data: SourceIn) -> DataSource:
    """A new source, with the resource it fills in the dataset (the lineage source → resource → dataset)."""
    dataset = _managed_dataset(session, actor, data.dataset_id)
    config = _checked(data)
    resource = Resource(
        id=uuid.uuid4(),
        dataset_id=dataset.id,
        name=data.name,
        description="Dữ liệu được đồng bộ tự động từ hệ thống của đơn vị.",
        format=RESOURCE_FORMATS[data.kind],
    )
    session.add(resource)
    source = DataSource(id=uuid.uuid4(), resource_id=resource.id, created_by_id=actor.user_id)
    _apply(source, data, config)
    session.add(source)
    session.flush()
    _record(session, actor, "create", source, audit.diff({}, audit.snapshot(source, FIELDS)) | _secret_change(None, source.secret))
    return source


def update_source(session: Session, *, actor: Actor, source_id: uuid.UUID, data: SourceIn) -> DataSource:
    source = get_source(session, actor=actor, source_id=source_id)
    _managed_dataset(session, actor, source.dataset_id)
    if data.dataset_id != source.dataset_id:
        raise Invalid(
            "Nguồn đã gắn với một bộ dữ liệu; hãy tạo nguồn mới cho bộ dữ liệu khác.", fields={"dataset_id": str(data.dataset_id)}
        )
    config = _checked(data)
    before, sealed = audit.snapshot(source, FIELDS), source.secret
    _apply(source, data, config)
    after = audit.snapshot(source, FIELDS)
    if any(before[name] != after[name] for name in WHERE_FIELDS):
        source.high_water = None  # another place or way of reading: its old mark means nothing; read it whole once
    changes = audit.diff(before, after) | _secret_change(sealed, source.secret)
    if changes:
        _record(session, actor, "update", source, changes)
    return source


def _secret_change(before: str | None, after: str | None) -> dict[str, list[Any]]:
    """The audit trail says a secret changed, never what it was or is."""
    if before == after:
        return {}
    return {"secret": ["đã lưu" if before else None, "đã lưu" if after else None]}


def delete_source(session: Session, *, actor: Actor, source_id: uuid.UUID) -> None:
    """The source and its runs go; the resource and the data already loaded stay in the dataset."""
    source = get_source(session, actor=actor, source_id=source_id)
    _managed_dataset(session, actor, source.dataset_id)
    _record(session, actor, "delete", source, audit.diff(audit.snapshot(source, FIELDS), dict.fromkeys(FIELDS)))
    session.delete(source)


def request_sync(session: Session, *, actor: Actor, source_id: uuid.UUID, full: bool = False) -> Job:
    """Queue a sync now ("Đồng bộ ngay"); it starts once this transaction commits."""
    from ketnoi.connectors.tasks import SYNC_JOB

    source = get_source(session, actor=actor, source_id=source_id)
    _managed_dataset(session, actor, source.dataset_id)
    running = select(SyncRun.id).where(SyncRun.source_id == source.id, SyncRun.status == RunStatus.RUNNING)
    if session.scalar(running.limit(1)) is not None:
        raise Conflict("Nguồn này đang được đồng bộ; hãy chờ lần chạy hiện tại kết thúc.")
    return queue.enqueue(session, kind=SYNC_JOB, params={"source_id": str(source.id), "full": full}, actor=actor)


def preview(session: Session, *, actor: Actor, source_id: uuid.UUID) -> Preview:
    """The source's columns and first rows, read now ("Kiểm tra kết nối"): nothing is loaded."""
    from ketnoi.connectors.sync import open_source

    source = get_source(session, actor=actor, source_id=source_id)
    _managed_dataset(session, actor, source.dataset_id)
    extract = open_source(source, since=None)
    try:
        rows = [list(row) for row in itertools.islice(extract.rows(), PREVIEW_ROWS)]
        return Preview(extract.columns, rows)
    finally:
        extract.close()


def lineage(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> list[Lineage]:
    """The sources that fill the dataset's resources; names and links for staff only."""
    get_dataset(session, actor=actor, dataset_id=dataset_id)
    staff = authz.allowed(actor, Action.VIEW, Kind.AUDIT)
    query = (
        select(DataSource, Resource.name, DatastoreVersion.version, DatastoreVersion.row_count)
        .join(Resource, Resource.id == DataSource.resource_id)
        .outerjoin(DatastoreVersion, and_(DatastoreVersion.resource_id == Resource.id, DatastoreVersion.status == VersionStatus.ACTIVE))
        .where(DataSource.dataset_id == dataset_id)
        .order_by(DataSource.name, DataSource.id)
    )
    return [
        Lineage(s.id, s.name if staff else None, s.kind, s.resource_id, name, s.mode, s.last_status, s.last_run_at, version, rows)
        for s, name, version, rows in session.execute(query).tuples()
    ]
