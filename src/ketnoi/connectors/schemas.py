"""The form of a data source (the page's and the API's)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from ketnoi.connectors.models import SourceKind, SyncMode
from ketnoi.kit.validation import Input, Text

MIN_INTERVAL = 5  # minutes: a unit's own system is polled no harder than that
MAX_INTERVAL = 366 * 24 * 60


class SourceIn(Input):
    name: Text = Field(min_length=1, max_length=255)
    kind: SourceKind
    dataset_id: uuid.UUID
    # database: url (no password), object (table | view | query), table, query;
    # rest: see connectors.rest.RestConfig.
    config: dict[str, Any] = Field(default_factory=dict)
    # The password, token or client secret: None keeps the one stored, "" removes it. Never read back.
    secret: str | None = Field(default=None, max_length=4000)
    mode: SyncMode = SyncMode.FULL
    cursor_column: str | None = Field(default=None, max_length=255)
    key_columns: list[str] = Field(default_factory=list, max_length=8)
    interval_minutes: int = Field(default=1440, ge=MIN_INTERVAL, le=MAX_INTERVAL)
    enabled: bool = True
    keep_versions: int = Field(default=10, ge=1, le=1000)
