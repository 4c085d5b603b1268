"""Input and output shapes of organizations and focal points."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ketnoi.kit.validation import Email, Input, OptionalText, Phone, Text
from ketnoi.org.models import OrgKind

# QĐ 20/2020/QĐ-TTg: an agency's electronic identifier is at most 35 characters of 0-9, A-Z and '.'.
_AGENCY_CODE = re.compile(r"^[0-9A-Z.]{1,35}$")


def _agency_code(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip().upper()
    if not _AGENCY_CODE.match(value):
        raise ValueError("Mã định danh điện tử của cơ quan chỉ gồm 0-9, A-Z và dấu chấm, tối đa 35 ký tự.")
    return value


AgencyCode = Annotated[str | None, AfterValidator(_agency_code)]


def _website(value: str | None) -> str | None:
    """An address the portal links to: http(s) only (never javascript: or data:)."""
    if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("Trang thông tin phải là địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://.")
    return value


Website = Annotated[OptionalText, AfterValidator(_website)]


class OrganizationIn(Input):
    name: Text = Field(min_length=1, max_length=255)
    short_name: OptionalText = Field(default=None, max_length=64)
    kind: OrgKind = OrgKind.UNIT
    parent_id: uuid.UUID | None = None
    agency_code: AgencyCode = Field(default=None, max_length=64)
    email: Email = Field(default=None, max_length=255)
    phone: Phone = Field(default=None, max_length=32)
    website: Website = Field(default=None, max_length=255)
    address: OptionalText = Field(default=None, max_length=500)
    description: OptionalText = Field(default=None, max_length=10000)


class OrganizationPatch(Input):
    name: Text | None = Field(default=None, min_length=1, max_length=255)
    short_name: OptionalText = Field(default=None, max_length=64)
    kind: OrgKind | None = None
    parent_id: uuid.UUID | None = None
    agency_code: AgencyCode = Field(default=None, max_length=64)
    email: Email = Field(default=None, max_length=255)
    phone: Phone = Field(default=None, max_length=32)
    website: Website = Field(default=None, max_length=255)
    address: OptionalText = Field(default=None, max_length=500)
    description: OptionalText = Field(default=None, max_length=10000)


class OrganizationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    short_name: str | None
    kind: str
    parent_id: uuid.UUID | None
    agency_code: str | None
    email: str | None
    phone: str | None
    website: str | None
    address: str | None
    description: str | None
    created_at: datetime
    updated_at: datetime


class FocalPointIn(Input):
    full_name: Text = Field(min_length=1, max_length=255)
    position: OptionalText = Field(default=None, max_length=255)
    phone: Phone = Field(default=None, max_length=32)
    email: Email = Field(default=None, max_length=255)
    appointment_document: OptionalText = Field(default=None, max_length=255)
    started_on: date


class FocalPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    full_name: str
    position: str | None
    phone: str | None
    email: str | None
    appointment_document: str | None
    started_on: date
    ended_on: date | None
    created_at: datetime
