"""The one source of time and ids, so tests can pin them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC now. Stored naive-UTC in SQLite and timestamptz in PostgreSQL."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()
