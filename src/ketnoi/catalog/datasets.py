"""Datasets: the unit of cataloguing, search and (later) publication and sharing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, delete, false, func, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind, Visibility
from ketnoi.catalog.databases import get_database
from ketnoi.catalog.models import Database, DataItem, Dataset, DatasetTag, Resource, SharingForm
from ketnoi.catalog.models import Visibility as DatasetVisibility
from ketnoi.catalog.schemas import DatasetIn, DatasetPatch
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.pagination import Page, keyset_page
from ketnoi.kit.search import fts_filter, fts_join, fts_sparse, matches, search_text
from ketnoi.kit.slug import unique_slug
from ketnoi.org.service import unit_subtree

FIELDS = (
    "database_id",
    "owner_unit_id",
    "name",
    "slug",
    "description",
    "license_id",
    "topic",
    "update_frequency",
    "data_class",
    "visibility",
)


@dataclass
class DatasetFilters:
    q: str | None = None
    organization_id: uuid.UUID | None = None
    database_id: uuid.UUID | None = None
    topic: str | None = None
    tag: str | None = None
    license_id: str | None = None
    data_class: str | None = None
    update_frequency: str | None = None
    visibility: str | None = None


@dataclass
class DatasetView:
    """A dataset with what its pages and API show beside it."""

    dataset: Dataset
    tags: list[str] = field(default_factory=list)
    items: list[DataItem] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)


def visible(actor: Actor) -> ColumnElement[bool]:
    match authz.visibility(actor, Kind.DATASET):
        case Visibility.ALL:
            return Dataset.id.is_not(None)
        case Visibility.PUBLIC:
            return Dataset.visibility == DatasetVisibility.PUBLIC
    return false()


SPARSE_MATCHES = 3000  # below this many FTS matches, SQLite reads them by rowid (kit.search.fts_sparse)
# A list shows these; the rows are plain (no ORM identity map), which halves a page's cost.
LIST_COLUMNS = tuple(column for column in Dataset.__table__.columns if column.key != "search_text")


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _filtered(session: Session, actor: Actor, filters: DatasetFilters, *, fts_probe: bool = True) -> Select[Any]:
    query = select(*LIST_COLUMNS).where(visible(actor), matches(Dataset.search_text, filters.q))
    if filters.q and fts_probe and _sqlite(session) and fts_sparse(session, "datasets_fts", filters.q, below=SPARSE_MATCHES):
        query = query.where(fts_filter("datasets", "datasets_fts", filters.q))
    if filters.organization_id:
        query = query.where(Dataset.owner_unit_id.in_(unit_subtree(session, filters.organization_id)))
    for column, value in (
        (Dataset.database_id, filters.database_id),
        (Dataset.topic, filters.topic),
        (Dataset.license_id, filters.license_id),
        (Dataset.data_class, filters.data_class),
        (Dataset.update_frequency, filters.update_frequency),
        (Dataset.visibility, filters.visibility),
    ):
        if value:
            query = query.where(column == value)
    if filters.tag:
        tagged = select(DatasetTag.dataset_id).where(DatasetTag.tag == filters.tag.strip().lower())
        query = query.where(Dataset.id.in_(tagged))
    return query


def list_datasets(
    session: Session,
    *,
    actor: Actor,
    filters: DatasetFilters,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Row[Any]]:
    """A page of matching datasets: plain rows with the list columns, tags included."""
    query = _filtered(session, actor, filters)
    return keyset_page(session, query, [Dataset.name, Dataset.id], cursor=cursor, limit=limit, rows=True)


def count_datasets(session: Session, *, actor: Actor, filters: DatasetFilters, cap: int | None = None) -> int:
    """How many datasets match; with `cap`, counting stops at cap + 1 (a page says "more than cap")."""
    if filters.q and _sqlite(session):
        # A count needs no order: walking the FTS index reads only the matches (and stops at the
        # cap), where testing LIKE reads every row. Measured on 50,000 datasets: half the time.
        query = fts_join(_filtered(session, actor, filters, fts_probe=False), "datasets", "datasets_fts", filters.q)
    else:
        query = _filtered(session, actor, filters)
    query = query.with_only_columns(Dataset.id)
    if cap is not None:
        query = query.limit(cap + 1)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def get_dataset(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> Dataset:
    ds = session.get(Dataset, dataset_id)
    public = ds is not None and ds.visibility == DatasetVisibility.PUBLIC
    if ds is None or not authz.allowed(actor, Action.VIEW, Kind.DATASET, owner_unit_id=ds.owner_unit_id, public=public):
        raise NotFound("Không tìm thấy bộ dữ liệu.")
    return ds


def dataset_view(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> DatasetView:
    ds = get_dataset(session, actor=actor, dataset_id=dataset_id)
    items = session.scalars(select(DataItem).where(DataItem.dataset_id == ds.id).order_by(DataItem.position, DataItem.name))
    resources = session.scalars(select(Resource).where(Resource.dataset_id == ds.id).order_by(Resource.created_at))
    return DatasetView(ds, list(ds.tags), list(items), list(resources))


def _set_tags(session: Session, ds: Dataset, tags: list[str]) -> None:
    ds.tags = list(tags)
    session.execute(delete(DatasetTag).where(DatasetTag.dataset_id == ds.id))
    session.add_all(DatasetTag(dataset_id=ds.id, tag=tag) for tag in tags)


def _refresh(session: Session, ds: Dataset, db: Database, tags: list[str]) -> None:
    ds.owner_unit_id = db.owner_unit_id
    ds.search_text = search_text(ds.name, ds.description, " ".join(tags))


def check_publication(session: Session, ds: Dataset) -> None:
    """A public dataset must not carry personal data in items shared openly (Law 91/2025)."""
    if ds.visibility != DatasetVisibility.PUBLIC:
        return
    personal = session.scalars(
        select(DataItem.name).where(DataItem.dataset_id == ds.id, DataItem.is_personal.is_(True), DataItem.sharing_form == SharingForm.OPEN)
    ).all()
    if personal:
        shown = ", ".join(personal)
        raise Invalid("Không thể công khai: các trường chứa dữ liệu cá nhân được đánh dấu mở: {items}.", values={"items": shown}).on_field(
            "visibility"
        )


def _slug_taken(session: Session, slug: str, ds_id: uuid.UUID | None = None) -> bool:
    return session.scalar(select(Dataset.id).where(Dataset.slug == slug, Dataset.id != ds_id)) is not None


def _check_slug(session: Session, ds: Dataset) -> None:
    if _slug_taken(session, ds.slug, ds.id):
        raise Conflict("Tên «{slug}» đã được bộ dữ liệu khác dùng trong đường dẫn.", values={"slug": ds.slug}).on_field("slug")


def create_dataset(session: Session, *, actor: Actor, data: DatasetIn) -> DatasetView:
    db = get_database(session, actor=actor, database_id=data.database_id)
    authz.require(actor, Action.CREATE, Kind.DATASET, owner_unit_id=db.owner_unit_id)
    ds = Dataset(id=uuid.uuid4(), **data.model_dump(exclude={"tags"}))
    if ds.slug:
        _check_slug(session, ds)
    else:
        ds.slug = unique_slug(ds.name, lambda slug: _slug_taken(session, slug))
    _refresh(session, ds, db, data.tags)
    session.add(ds)
    session.flush()
    _set_tags(session, ds, data.tags)
    after = audit.snapshot(ds, FIELDS) | {"tags": data.tags}
    audit.record(
        session, actor=actor, action="create", entity_type="dataset", entity_id=ds.id, entity_label=ds.name, changes=audit.diff({}, after)
    )
    return DatasetView(ds, data.tags)


def update_dataset(session: Session, *, actor: Actor, dataset_id: uuid.UUID, patch: DatasetPatch) -> DatasetView:
    view = dataset_view(session, actor=actor, dataset_id=dataset_id)
    ds = view.dataset
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=ds.owner_unit_id)
    values = patch.model_dump(include=patch.model_fields_set)
    for required in ("database_id", "name", "slug", "data_class", "visibility", "tags"):
        if required in values and values[required] is None:
            raise Invalid("Dữ liệu không hợp lệ.", fields={required: "Trường này là bắt buộc."})
    tags = values.pop("tags", view.tags)
    db = get_database(session, actor=actor, database_id=values.get("database_id", ds.database_id))
    if db.id != ds.database_id:
        authz.require(actor, Action.CREATE, Kind.DATASET, owner_unit_id=db.owner_unit_id)
    before = audit.snapshot(ds, FIELDS) | {"tags": view.tags}
    if values.get("slug", ds.slug) != ds.slug and _slug_taken(session, values["slug"], ds.id):
        raise Conflict("Tên «{slug}» đã được bộ dữ liệu khác dùng trong đường dẫn.", values={"slug": values["slug"]}).on_field("slug")
    for name, value in values.items():
        setattr(ds, name, value)
    _refresh(session, ds, db, tags)
    check_publication(session, ds)
    if tags != view.tags:
        _set_tags(session, ds, tags)
    changes = audit.diff(before, audit.snapshot(ds, FIELDS) | {"tags": tags})
    if changes:
        audit.record(session, actor=actor, action="update", entity_type="dataset", entity_id=ds.id, entity_label=ds.name, changes=changes)
        from ketnoi.national.tasks import on_change  # the national portal lists the open datasets: push after the commit

        on_change(session)
    view.tags = tags
    return view


def delete_dataset(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> None:
    ds = get_dataset(session, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.DELETE, Kind.DATASET, owner_unit_id=ds.owner_unit_id)
    changes = audit.diff(audit.snapshot(ds, FIELDS), dict.fromkeys(FIELDS))
    audit.record(session, actor=actor, action="delete", entity_type="dataset", entity_id=ds.id, entity_label=ds.name, changes=changes)
    session.delete(ds)
