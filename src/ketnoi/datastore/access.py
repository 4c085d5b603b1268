"""Which columns of a served table each reader may see: the catalog's data items decide.

A column holds one of its dataset's data items (`Field.item`, linked at load by name or title
and editable in the data dictionary). The item's sharing form and flags are read when the table
is read, so a steward who marks an item personal hides its column at once:

- the dataset's own unit (who may edit it) and administrators see every column;
- other signed-in readers see every column but personal or sensitive ones;
- the public sees only columns whose item is open data, neither personal nor sensitive, and
  only in a public dataset. A column tied to no item is not open: deny by default.

Full-text search (`q=`) reads a folded copy of all the row's text, so it is offered only to
readers who see every text column; otherwise a search could reveal a hidden value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.datasets import get_dataset
from ketnoi.catalog.models import DataItem, Dataset, Resource, SharingForm, Visibility
from ketnoi.datastore.infer import Field, field_of
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.kit.errors import Forbidden, NotFound, Unauthenticated
from ketnoi.kit.vn import fold


@dataclass(frozen=True)
class Served:
    """The active version of a resource's table, as one reader may see it."""

    resource: Resource
    dataset: Dataset
    version: DatastoreVersion
    fields: list[Field]  # every column of the table
    shown: list[Field]  # the columns this reader may see, in order
    editable: bool  # the reader may edit the dataset (the data dictionary, new loads)

    @property
    def hidden(self) -> list[Field]:
        return [f for f in self.fields if f not in self.shown]

    @property
    def searchable(self) -> bool:
        """`q=` may be used: the table has a search column and no text column is hidden."""
        return bool(self.version.table_schema.get("ketnoiSearch")) and all(f.type != "string" for f in self.hidden)


def served(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> Served:
    # One query for the three (every data API request starts here); the errors are told apart after.
    found = session.execute(
        select(DatastoreVersion, Resource, Dataset)
        .join(Resource, Resource.id == DatastoreVersion.resource_id)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(DatastoreVersion.resource_id == resource_id, DatastoreVersion.status == VersionStatus.ACTIVE)
    ).first()
    if found is None:
        resource = session.get(Resource, resource_id)
        if resource is None:
            raise NotFound("Không tìm thấy tài nguyên.")
        get_dataset(session, actor=actor, dataset_id=resource.dataset_id)  # a hidden dataset's resource: not found
        raise NotFound("Tài nguyên này chưa có dữ liệu trong kho (chưa được nạp).")
    version, resource, dataset = found._tuple()
    public = dataset.visibility == Visibility.PUBLIC
    if not authz.allowed(actor, Action.VIEW, Kind.DATASET, owner_unit_id=dataset.owner_unit_id, public=public):
        raise NotFound("Không tìm thấy bộ dữ liệu.")  # as get_dataset says it: visible only with its dataset
    fields = [field_of(d) for d in version.table_schema["fields"]]
    editable = authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=dataset.owner_unit_id)
    if editable:
        shown = fields
    else:
        items = _items(session, dataset.id)
        shown = [f for f in fields if _may_see(actor, f, items)]
    if not shown:
        if not actor.is_authenticated:
            raise Unauthenticated("Bảng dữ liệu này chưa có cột nào là dữ liệu mở: hãy đăng nhập để xem.")
        raise NotFound("Bảng dữ liệu này không có cột nào bạn được xem.")
    return Served(resource, dataset, version, fields, shown, editable)


def require_whole(session: Session, *, actor: Actor, resource: Resource) -> None:
    """The resource's file holds every column: only for a reader who may see them all.

    A file not (yet) loaded into the datastore has no columns we know of: the dataset's
    visibility alone decides, as for any attached file.
    """
    get_dataset(session, actor=actor, dataset_id=resource.dataset_id)
    try:
        reading = served(session, actor=actor, resource_id=resource.id)
    except NotFound:
        return
    except Unauthenticated:
        raise Unauthenticated("Tệp gốc có cột không phải dữ liệu mở: hãy đăng nhập để tải.") from None
    if reading.hidden:
        shown = ", ".join(f.title for f in reading.hidden)
        raise Forbidden(
            "Tệp gốc có cột bạn không được xem ({shown}): hãy tải dữ liệu đã lọc ở dạng CSV, XLSX hoặc JSON.", values={"shown": shown}
        )


def _items(session: Session, dataset_id: uuid.UUID) -> dict[str, DataItem]:
    return {i.name: i for i in dataset_items(session, dataset_id)}


def _may_see(actor: Actor, field: Field, items: dict[str, DataItem]) -> bool:
    item = items.get(field.item) if field.item else None
    if actor.is_authenticated:
        return item is None or not (item.is_personal or item.is_sensitive)
    return item is not None and item.sharing_form == SharingForm.OPEN and not (item.is_personal or item.is_sensitive)


def link_items(fields: Sequence[Field], items: Iterable[DataItem]) -> list[Field]:
    """Tie each column not yet tied to the data item of the same name, or else of the same title
    (diacritics and case aside); a column matching none stays untied (and so not open)."""
    by_name = {i.name: i.name for i in items}
    by_title = {fold(i.title): i.name for i in items if i.title}
    by_title.update({fold(i.name): i.name for i in items})
    return [f if f.item else replace(f, item=by_name.get(f.name) or by_title.get(fold(f.title))) for f in fields]


def dataset_items(session: Session, dataset_id: uuid.UUID) -> list[DataItem]:
    return list(session.scalars(select(DataItem).where(DataItem.dataset_id == dataset_id).order_by(DataItem.position, DataItem.name)))
