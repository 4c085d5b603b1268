"""The versions of a resource's table in the datastore, and the rows a load set aside."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin
from ketnoi.kit.clock import utcnow


class VersionStatus(StrEnum):
    LOADING = "loading"  # being written; no reader looks at it
    ACTIVE = "active"  # what the data API serves (one per resource)
    SUPERSEDED = "superseded"  # an earlier version, kept for history


class DatastoreVersion(IdMixin, Base):
    """One load of a resource's file into its own typed table (`table_name`)."""

    __tablename__ = "datastore_versions"

    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.LOADING)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bad_row_count: Mapped[int] = mapped_column(Integer, default=0)
    table_schema: Mapped[dict[str, Any]] = mapped_column(JSON)  # Frictionless Table Schema of the table
    source_format: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(255))  # the original file in the file store (ketnoi.files)
    source_sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(32))
    encoding_reason: Mapped[str] = mapped_column(Text)
    header_line: Mapped[int] = mapped_column(Integer)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # A version an incremental sync changed in place gives its table to the next version; its own is
    # rebuilt afterwards (datastore.history) from that table and the rows the sync replaced:
    # {"base": table, "touched": table of the keys the sync wrote, "was": their rows before, "keys": [...]}.
    # None once the table exists (always, for a version loaded from a file or in full).
    rebuild: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("resource_id", "version"),)


class BadRow(Base):
    """A row a load could not type, with its line in the file and the reason (quarantine policy)."""

    __tablename__ = "datastore_bad_rows"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datastore_versions.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    cells: Mapped[list[Any]] = mapped_column(JSON)
