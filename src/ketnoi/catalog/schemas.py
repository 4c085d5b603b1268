"""Input and output shapes of databases, datasets, data items and resources."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ketnoi.catalog import codelists as cl
from ketnoi.catalog.models import DatabaseClass, DatabaseStatus, DataClass, SharingForm, Visibility
from ketnoi.kit.slug import is_slug
from ketnoi.kit.validation import Input, OptionalText, Text
from ketnoi.kit.vn import nfc

License = Annotated[str | None, AfterValidator(lambda v: cl.one_of(v, cl.LICENSES))]
Topic = Annotated[str | None, AfterValidator(lambda v: cl.one_of(v, cl.TOPICS))]
Frequency = Annotated[str | None, AfterValidator(lambda v: cl.one_of(v, cl.FREQUENCIES))]
DataType = Annotated[str, AfterValidator(lambda v: cl.one_of(v, cl.DATA_TYPES, optional=False))]
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _tags(values: list[str]) -> list[str]:
    tags: list[str] = []
    for value in values:
        tag = nfc(value).lower()
        if not tag:
            continue
        if len(tag) > 64:
            raise ValueError("Mỗi từ khoá tối đa 64 ký tự.")
        if tag not in tags:
            tags.append(tag)
    return tags


def _slug(value: str | None) -> str | None:
    if value is not None and not is_slug(value):
        raise ValueError("Tên trong đường dẫn chỉ gồm chữ thường không dấu a-z, số, «-» và «_», từ 2 đến 100 ký tự.")
    return value


def _field_name(value: str) -> str:
    if not _FIELD_NAME.match(value):
        raise ValueError("Tên trường chỉ gồm a-z, 0-9, dấu gạch dưới, bắt đầu bằng chữ, tối đa 63 ký tự.")
    return value


Tags = Annotated[list[str], Field(max_length=30), AfterValidator(_tags)]
FieldName = Annotated[str, AfterValidator(_field_name)]
Slug = Annotated[OptionalText, AfterValidator(_slug)]


class DatabaseIn(Input):
    name: Text = Field(min_length=1, max_length=255)
    code: OptionalText = Field(default=None, max_length=64)
    owner_unit_id: uuid.UUID
    db_class: DatabaseClass
    purpose: OptionalText = Field(default=None, max_length=10000)
    scope: OptionalText = Field(default=None, max_length=10000)
    content: OptionalText = Field(default=None, max_length=10000)
    legal_basis: OptionalText = Field(default=None, max_length=10000)
    source: OptionalText = Field(default=None, max_length=10000)
    update_mechanism: OptionalText = Field(default=None, max_length=10000)
    information_system: OptionalText = Field(default=None, max_length=255)
    security_level: int | None = Field(default=None, ge=1, le=5)
    holds_personal_data: bool = False
    status: DatabaseStatus = DatabaseStatus.OPERATING


class DatabasePatch(Input):
    name: Text | None = Field(default=None, min_length=1, max_length=255)
    code: OptionalText = Field(default=None, max_length=64)
    owner_unit_id: uuid.UUID | None = None
    db_class: DatabaseClass | None = None
    purpose: OptionalText = Field(default=None, max_length=10000)
    scope: OptionalText = Field(default=None, max_length=10000)
    content: OptionalText = Field(default=None, max_length=10000)
    legal_basis: OptionalText = Field(default=None, max_length=10000)
    source: OptionalText = Field(default=None, max_length=10000)
    update_mechanism: OptionalText = Field(default=None, max_length=10000)
    information_system: OptionalText = Field(default=None, max_length=255)
    security_level: int | None = Field(default=None, ge=1, le=5)
    holds_personal_data: bool | None = None
    status: DatabaseStatus | None = None


class DatabaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    code: str | None
    owner_unit_id: uuid.UUID
    db_class: str
    purpose: str | None
    scope: str | None
    content: str | None
    legal_basis: str | None
    source: str | None
    update_mechanism: str | None
    information_system: str | None
    security_level: int | None
    holds_personal_data: bool
    status: str
    created_at: datetime
    updated_at: datetime


class DatasetIn(Input):
    database_id: uuid.UUID
    name: Text = Field(min_length=1, max_length=255)
    slug: Slug = None  # made from the name when not given
    description: OptionalText = Field(default=None, max_length=20000)
    license_id: License = None
    topic: Topic = None
    tags: Tags = Field(default_factory=list)
    update_frequency: Frequency = None
    data_class: DataClass = DataClass.OTHER
    visibility: Visibility = Visibility.INTERNAL


class DatasetPatch(Input):
    database_id: uuid.UUID | None = None
    name: Text | None = Field(default=None, min_length=1, max_length=255)
    slug: Slug = None
    description: OptionalText = Field(default=None, max_length=20000)
    license_id: License = None
    topic: Topic = None
    tags: Tags | None = None
    update_frequency: Frequency = None
    data_class: DataClass | None = None
    visibility: Visibility | None = None


class DataItemIn(Input):
    name: FieldName
    title: Text = Field(min_length=1, max_length=255)
    description: OptionalText = Field(default=None, max_length=5000)
    data_type: DataType = "string"
    sharing_form: SharingForm = SharingForm.SPECIFIC_REQUEST
    is_personal: bool = False
    is_sensitive: bool = False
    position: int = Field(default=0, ge=0, le=10000)


class DataItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    title: str
    description: str | None
    data_type: str
    sharing_form: str
    is_personal: bool
    is_sensitive: bool
    position: int


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dataset_id: uuid.UUID
    name: str
    description: str | None
    format: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    original_filename: str | None
    created_at: datetime
    updated_at: datetime


class DatasetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    database_id: uuid.UUID
    owner_unit_id: uuid.UUID
    name: str
    slug: str
    description: str | None
    license_id: str | None
    topic: str | None
    tags: list[str] = []
    update_frequency: str | None
    data_class: str
    visibility: str
    created_at: datetime
    updated_at: datetime


class DatasetDetailOut(DatasetOut):
    items: list[DataItemOut] = []
    resources: list[ResourceOut] = []
