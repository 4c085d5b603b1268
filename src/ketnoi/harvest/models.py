"""Harvest sources, what each brought in, and the record of each run."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow


class SourceKind(StrEnum):
    CKAN = "ckan"  # a CKAN Action API (…/api/3/action/)
    DCAT = "dcat"  # a DCAT catalog in Turtle, RDF/XML or JSON-LD, paged with Hydra


class HarvestSource(IdMixin, TimestampMixin, Base):
    __tablename__ = "harvest_sources"

    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(16))
    # Harvested datasets are filed under this database (and so belong to its unit).
    database_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("databases.id", ondelete="RESTRICT"), index=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The newest `metadata_modified` (or dct:modified) seen: the next run asks only for what is newer.
    high_water: Mapped[str | None] = mapped_column(String(64))
    next_run_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HarvestedDataset(IdMixin, Base):
    """A remote dataset and the local dataset that holds its copy."""

    __tablename__ = "harvested_datasets"

    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True)
    remote_id: Mapped[str] = mapped_column(String(255))
    remote_url: Mapped[str | None] = mapped_column(String(1000))
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    remote_modified: Mapped[str | None] = mapped_column(String(64))
    harvested_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)


class HarvestRun(IdMixin, Base):
    __tablename__ = "harvest_runs"

    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # What went wrong, one line per remote dataset refused or per error of the run.
    messages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
