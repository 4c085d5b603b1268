"""Input and output shapes of sharing services."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ketnoi.catalog.models import SharingForm
from ketnoi.kit.validation import Input, OptionalText, Text
from ketnoi.sharing.models import ServiceMethod

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,63}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _code(value: str) -> str:
    value = value.upper()
    if not _CODE.match(value):
        raise ValueError("Mã dịch vụ gồm chữ in hoa, số, dấu chấm, gạch ngang, gạch dưới; 2 đến 64 ký tự.")
    return value


def _url(value: str | None) -> str | None:
    if value and not _URL.match(value):
        raise ValueError("Địa chỉ phải bắt đầu bằng http:// hoặc https://.")
    return value or None


def _shared(value: SharingForm) -> SharingForm:
    if value is SharingForm.NOT_SHARED:
        raise ValueError("Dữ liệu «không chia sẻ» không thể có dịch vụ chia sẻ.")
    return value


class ServiceIn(Input):
    code: Annotated[str, AfterValidator(_code)]
    name: Text = Field(min_length=1, max_length=255)
    description: OptionalText = Field(default=None, max_length=10000)
    owner_unit_id: uuid.UUID
    dataset_id: uuid.UUID | None = None
    upstream_url: Annotated[str | None, AfterValidator(_url)] = Field(default=None, max_length=1000)
    sharing_form: Annotated[SharingForm, AfterValidator(_shared)] = SharingForm.DEFAULT_SHARED
    method: ServiceMethod = ServiceMethod.LIVE_CALL
    data_items: list[str] = Field(default_factory=list, max_length=500)
    usage_regulation: OptionalText = Field(default=None, max_length=20000)
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    availability: OptionalText = Field(default=None, max_length=255)


class FocalPointOut(BaseModel):
    full_name: str
    position: str | None
    email: str | None
    phone: str | None


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    description: str | None
    owner_unit_id: uuid.UUID
    owner_name: str
    focal_point: FocalPointOut | None = Field(description="Đầu mối hiện tại của đơn vị chủ quản")
    dataset_id: uuid.UUID | None
    upstream_url: str | None
    sharing_form: str
    method: str
    data_items: list[str]
    exchange_schema: dict[str, Any] = Field(description="JSON Schema của một bản ghi trao đổi")
    usage_regulation: str | None
    rate_limit_per_minute: int | None
    availability: str | None
    status: str
    ready_at: datetime | None
    publish_due_at: datetime | None
    published_at: datetime | None
    sla: str | None = Field(description="late | due_today | on_time khi đang chờ công bố; null khi không chờ")
