"""Data sources (a unit's database or REST API that fills one resource's table) and their sync runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow


class SourceKind(StrEnum):
    DATABASE = "database"  # a table, a view or a read-only query, through a SQLAlchemy URL
    REST = "rest"  # a paged JSON API


class SyncMode(StrEnum):
    FULL = "full"  # every row, each time: a new version replaces the table
    INCREMENTAL = "incremental"  # only rows whose cursor passed the high-water mark, merged by key


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the process running it died; nothing of it was kept


class DataSource(IdMixin, TimestampMixin, Base):
    __tablename__ = "data_sources"

    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    # The resource whose datastore table the source fills (lineage: source → resource → dataset).
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the kind's settings, never a secret
    secret: Mapped[str | None] = mapped_column(Text)  # sealed by kit.secretbox: password, token or client secret
    mode: Mapped[str] = mapped_column(String(16), default=SyncMode.FULL)
    cursor_column: Mapped[str | None] = mapped_column(String(255))  # incremental: an updated-at column or a growing key
    key_columns: Mapped[list[str]] = mapped_column(JSON, default=list)  # a row's identity at the source
    interval_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime | None]
    high_water: Mapped[str | None] = mapped_column(String(255))  # the largest cursor value loaded, as text
    keep_versions: Mapped[int] = mapped_column(Integer, default=10)  # superseded versions kept as history
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_run_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SyncRun(IdMixin, Base):
    __tablename__ = "sync_runs"

    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    mode: Mapped[str] = mapped_column(String(16))  # what ran (an incremental source may run in full after a schema change)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_added: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_updated: Mapped[int] = mapped_column(BigInteger, default=0)
    row_count: Mapped[int | None] = mapped_column(BigInteger)  # the table's rows after the run
    version: Mapped[int | None] = mapped_column(Integer)  # the datastore version it made
    high_water_before: Mapped[str | None] = mapped_column(String(255))
    high_water_after: Mapped[str | None] = mapped_column(String(255))
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)  # schema drift found at the source
    messages: Mapped[list[str]] = mapped_column(JSON, default=list)  # one line per failed attempt
    error: Mapped[str | None] = mapped_column(Text)
