"""Data items (the fields of a dataset) and resources (the files attached to it)."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz, files
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.datasets import check_publication, get_dataset
from ketnoi.catalog.models import DataItem, Dataset, Resource
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.vn import nfc

ITEM_FIELDS = ("name", "title", "description", "data_type", "sharing_form", "is_personal", "is_sensitive", "position")
RESOURCE_FIELDS = ("name", "description", "format", "media_type", "size", "sha256", "original_filename")
FORMATS = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
    ".ndjson": "application/x-ndjson",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".xml": "application/xml",
    ".parquet": "application/vnd.apache.parquet",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _editable_dataset(session: Session, actor: Actor, dataset_id: uuid.UUID, kind: Kind, action: Action) -> Dataset:
    ds = get_dataset(session, actor=actor, dataset_id=dataset_id)
    authz.require(actor, action, kind, owner_unit_id=ds.owner_unit_id)
    return ds


def _item(session: Session, dataset_id: uuid.UUID, item_id: uuid.UUID) -> DataItem:
    item = session.get(DataItem, item_id)
    if item is None or item.dataset_id != dataset_id:
        raise NotFound("Không tìm thấy trường dữ liệu.")
    return item


def _unique_name(session: Session, item: DataItem) -> None:
    clash = select(DataItem.id).where(DataItem.dataset_id == item.dataset_id, DataItem.name == item.name, DataItem.id != item.id)
    with session.no_autoflush:  # check the pending name before it reaches the unique index
        taken = session.scalar(clash)
    if taken:
        raise Conflict("Tên trường đã có trong bộ dữ liệu.", fields={"name": "Tên trường đã có trong bộ dữ liệu."})


def _record_item(session: Session, actor: Actor, ds: Dataset, action: str, item: DataItem, changes: dict[str, list[object]]) -> None:
    """Item changes are part of their dataset's history, each field prefixed with the item's name."""
    prefixed = {f"items.{item.name}.{field}": values for field, values in changes.items()}
    audit.record(session, actor=actor, action=action, entity_type="dataset", entity_id=ds.id, entity_label=ds.name, changes=prefixed)


def add_item(session: Session, *, actor: Actor, dataset_id: uuid.UUID, data: DataItemIn) -> DataItem:
    ds = _editable_dataset(session, actor, dataset_id, Kind.DATASET, Action.UPDATE)
    item = DataItem(id=uuid.uuid4(), dataset_id=ds.id, **data.model_dump())
    _unique_name(session, item)
    session.add(item)
    session.flush()
    check_publication(session, ds)
    ds.updated_at = utcnow()  # a change of the dataset's description (CKAN's metadata_modified)
    _record_item(session, actor, ds, "add_item", item, audit.diff({}, audit.snapshot(item, ITEM_FIELDS)))
    return item


def update_item(session: Session, *, actor: Actor, dataset_id: uuid.UUID, item_id: uuid.UUID, data: DataItemIn) -> DataItem:
    ds = _editable_dataset(session, actor, dataset_id, Kind.DATASET, Action.UPDATE)
    item = _item(session, ds.id, item_id)
    before = audit.snapshot(item, ITEM_FIELDS)
    for name, value in data.model_dump().items():
        setattr(item, name, value)
    _unique_name(session, item)
    session.flush()
    check_publication(session, ds)
    changes = audit.diff(before, audit.snapshot(item, ITEM_FIELDS))
    if changes:
        ds.updated_at = utcnow()
        _record_item(session, actor, ds, "update_item", item, changes)
    return item


def delete_item(session: Session, *, actor: Actor, dataset_id: uuid.UUID, item_id: uuid.UUID) -> None:
    ds = _editable_dataset(session, actor, dataset_id, Kind.DATASET, Action.UPDATE)
    item = _item(session, ds.id, item_id)
    _record_item(session, actor, ds, "delete_item", item, audit.diff(audit.snapshot(item, ITEM_FIELDS), dict.fromkeys(ITEM_FIELDS)))
    ds.updated_at = utcnow()
    session.delete(item)


def add_resource(
    session: Session,
    *,
    actor: Actor,
    dataset_id: uuid.UUID,
    name: str | None,
    description: str | None,
    filename: str,
    stream: BinaryIO,
    max_bytes: int,
) -> Resource:
    ds = _editable_dataset(session, actor, dataset_id, Kind.RESOURCE, Action.CREATE)
    safe_name = nfc(PurePath(filename.replace("\\", "/")).name)[:255]
    suffix = PurePath(safe_name).suffix.lower()
    if suffix not in FORMATS:
        accepted = ", ".join(sorted(FORMATS))
        raise Invalid("Định dạng tệp không được hỗ trợ; chấp nhận: {choices}.", values={"choices": accepted}).on_field("file")
    title = nfc(name or "") or safe_name
    if len(title) > 255 or len(nfc(description or "")) > 5000:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"name": "Tối đa 255 ký tự."})
    stored = files.save(stream, max_bytes=max_bytes)
    resource = Resource(
        id=uuid.uuid4(),
        dataset_id=ds.id,
        name=title,
        description=nfc(description or "") or None,
        format=suffix.lstrip(".").upper(),
        media_type=FORMATS[suffix],
        size=stored.size,
        sha256=stored.sha256,
        original_filename=safe_name,
        storage_key=stored.key,
    )
    session.add(resource)
    ds.updated_at = utcnow()
    session.flush()
    changes = audit.diff({}, audit.snapshot(resource, RESOURCE_FIELDS))
    audit.record(
        session, actor=actor, action="create", entity_type="resource", entity_id=resource.id, entity_label=resource.name, changes=changes
    )
    return resource


def get_resource(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("Không tìm thấy tài nguyên.")
    get_dataset(session, actor=actor, dataset_id=resource.dataset_id)  # visible only with its dataset
    return resource


def delete_resource(session: Session, *, actor: Actor, resource_id: uuid.UUID) -> None:
    resource = get_resource(session, actor=actor, resource_id=resource_id)
    ds = _editable_dataset(session, actor, resource.dataset_id, Kind.RESOURCE, Action.DELETE)
    changes = audit.diff(audit.snapshot(resource, RESOURCE_FIELDS), dict.fromkeys(RESOURCE_FIELDS))
    audit.record(
        session,
        actor=actor,
        action="delete",
        entity_type="resource",
        entity_id=resource.id,
        entity_label=f"{ds.name}: {resource.name}",
        changes=changes,
    )
    ds.updated_at = utcnow()
    session.delete(resource)
