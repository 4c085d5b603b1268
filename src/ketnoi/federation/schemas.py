"""The forms of federation: a peer node, a request for access to one of its services, a grant to one of our apps."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ketnoi.federation.models import PeerKind
from ketnoi.harvest.schemas import SourceUrl
from ketnoi.kit.validation import Input, OptionalText, Text

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


def _code(value: str) -> str:
    value = value.upper()
    if not _CODE.match(value):
        raise ValueError("Mã nút gồm chữ in hoa không dấu, số, gạch ngang, gạch dưới; 2 đến 32 ký tự.")
    return value


class PeerIn(Input):
    code: Annotated[str, AfterValidator(_code)]
    name: Text = Field(min_length=1, max_length=255)
    kind: PeerKind = PeerKind.KETNOI
    base_url: SourceUrl
    client_id: OptionalText = Field(default=None, max_length=64)
    client_secret: OptionalText = Field(default=None, max_length=500)
    database_id: uuid.UUID | None = None  # CKAN or DCAT: the database its datasets are filed under
    enabled: bool = True


class PeerEdit(Input):
    name: Text = Field(min_length=1, max_length=255)
    base_url: SourceUrl
    client_id: OptionalText = Field(default=None, max_length=64)
    client_secret: OptionalText = Field(default=None, max_length=500)  # empty: keep the one kept
    enabled: bool = True


class AccessIn(Input):
    purpose: Text = Field(min_length=10, max_length=5000)
    data_items: list[str] = Field(default_factory=list, max_length=500)
    frequency: Literal["realtime", "daily", "weekly", "monthly", "on_demand"] = "daily"
    expected_records: int | None = Field(default=None, ge=0)


class GrantIn(Input):
    app_id: uuid.UUID
