"""The data dictionary of a served table: the steward edits titles, descriptions, types and the
data item each column holds.

Words and data items change the served version's schema in place: no row changes, so nothing is
loaded again. A changed type does change rows: the stored file is loaded again with the edited
schema as a new version (a background job), so a type the data does not fit is refused with the
bad lines while the current version keeps serving.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.authz import Actor
from ketnoi.datastore import access, infer
from ketnoi.datastore.ingest import IngestOptions, queue_ingest
from ketnoi.datastore.models import BadRow, DatastoreVersion
from ketnoi.jobs.models import Job
from ketnoi.kit.errors import Forbidden, Invalid

# The types a steward may choose, each with the written form its values take ("type:format").
TYPES: dict[str, str] = {
    "string:default": "Văn bản",
    "integer:default": "Số nguyên (1234)",
    "integer:vi": "Số nguyên (1.234)",
    "integer:en": "Số nguyên (1,234)",
    "number:default": "Số thập phân (1234.5)",
    "number:vi": "Số thập phân (1.234,5)",
    "number:en": "Số thập phân (1,234.5)",
    "boolean:default": "Đúng/sai (Có/Không)",
    "date:%d/%m/%Y": "Ngày (dd/mm/yyyy)",
    "date:%Y-%m-%d": "Ngày (yyyy-mm-dd)",
    "date:%m/%d/%Y": "Ngày (mm/dd/yyyy)",
    "date:%d-%m-%Y": "Ngày (dd-mm-yyyy)",
    "date:%d.%m.%Y": "Ngày (dd.mm.yyyy)",
    "datetime:%d/%m/%Y %H:%M:%S": "Ngày giờ (dd/mm/yyyy HH:MM:SS)",
    "datetime:%Y-%m-%d %H:%M:%S": "Ngày giờ (yyyy-mm-dd HH:MM:SS)",
    "datetime:%Y-%m-%dT%H:%M:%S": "Ngày giờ ISO (yyyy-mm-ddTHH:MM:SS)",
}
TYPE_CHOICES = tuple(TYPES.items())
MAX_TITLE = 255
MAX_DESCRIPTION = 2000


def type_choice(field: infer.Field) -> str:
    """The field's "type:format", as the form's choices name it."""
    return f"{field.type}:{field.format}"


@dataclass(frozen=True)
class FieldEdit:
    name: str  # which column (its name does not change: the API's users rely on it)
    title: str
    description: str
    type_choice: str
    item: str | None  # a data item's name, or None to tie the column to none


@dataclass(frozen=True)
class Outcome:
    version: DatastoreVersion
    reload: Job | None  # the job loading the file again, when a type changed


def edit(session: Session, *, actor: Actor, resource_id: uuid.UUID, edits: Sequence[FieldEdit]) -> Outcome:
    served = access.served(session, actor=actor, resource_id=resource_id)
    if not served.editable:
        raise Forbidden("Bạn không có quyền sửa từ điển dữ liệu của tài nguyên này.")
    item_names = {i.name for i in access.dataset_items(session, served.dataset.id)}
    by_name = {e.name: e for e in edits}
    if sorted(by_name) != sorted(f.name for f in served.fields):
        raise Invalid("Từ điển dữ liệu gửi lên không khớp các cột của bảng: hãy tải lại trang.", fields={"fields": "Không khớp."})
    edited = [_edited(field, by_name[field.name], item_names) for field in served.fields]
    retyped = [f for f, old in zip(edited, served.fields, strict=True) if type_choice(f) != type_choice(old)]
    if retyped:
        options = IngestOptions(format=served.version.source_format, encoding=served.version.encoding, fields=edited)
        return Outcome(served.version, queue_ingest(session, actor=actor, resource_id=resource_id, upload=None, options=options))
    before = served.version.table_schema
    served.version.table_schema = before | infer.table_schema(edited)  # a new dict: the JSON column sees the change
    audit.record(
        session,
        actor=actor,
        action="update",
        entity_type="resource",
        entity_id=served.resource.id,
        entity_label=served.resource.name,
        changes={"data_dictionary": [_summary(served.fields), _summary(edited)]},
    )
    return Outcome(served.version, None)


def _edited(field: infer.Field, edit: FieldEdit, item_names: set[str]) -> infer.Field:
    title, description = edit.title.strip(), edit.description.strip()
    if not title or len(title) > MAX_TITLE:
        raise Invalid(
            "Cột «{column}»: tiêu đề phải có từ 1 đến {limit} ký tự.",
            fields={f"title_{field.name}": f"Bắt buộc, tối đa {MAX_TITLE} ký tự."},
            values={"column": field.name, "limit": MAX_TITLE},
        )
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(
            "Cột «{column}»: mô tả dài quá {limit} ký tự.",
            fields={f"description_{field.name}": "Quá dài."},
            values={"column": field.name, "limit": MAX_DESCRIPTION},
        )
    if edit.type_choice not in TYPES:
        raise Invalid(
            "Cột «{column}»: kiểu dữ liệu không hợp lệ.",
            fields={f"type_{field.name}": "Hãy chọn một kiểu trong danh sách."},
            values={"column": field.name},
        )
    if edit.item is not None and edit.item not in item_names:
        raise Invalid(
            "Cột «{column}»: bộ dữ liệu không có trường «{item}».",
            fields={f"item_{field.name}": "Hãy chọn một trường trong danh sách."},
            values={"column": field.name, "item": edit.item},
        )
    type_, _, fmt = edit.type_choice.partition(":")
    return replace(field, title=infer.title_of(title), description=description, type=type_, format=fmt, item=edit.item)


def _summary(fields: Sequence[infer.Field]) -> list[str]:
    return [f"{f.name}: {f.title} ({type_choice(f)}){' → ' + f.item if f.item else ''}" for f in fields]


def bad_rows(session: Session, served: access.Served, *, limit: int = 100) -> list[BadRow]:
    """The rows the served version set aside (quarantine policy), for its stewards only: they
    hold cells of every column, hidden ones too."""
    if not served.editable:
        return []
    query = select(BadRow).where(BadRow.version_id == served.version.id).order_by(BadRow.line).limit(limit)
    return list(session.scalars(query))
