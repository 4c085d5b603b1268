"""A data sharing service ("dịch vụ chia sẻ dữ liệu") with the fields Decree 47 art. 25 publishes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin


class ServiceStatus(StrEnum):
    DRAFT = "draft"  # being written by its unit
    READY = "ready"  # the unit says it is ready: to be published within 1 working day
    PUBLISHED = "published"  # in the catalog other agencies read
    CHANGED = "changed"  # published, then changed: the change is to be published at once
    RETIRED = "retired"  # no longer offered


class ServiceMethod(StrEnum):
    LIVE_CALL = "live_call"  # the consumer calls the service for each request
    SYNCHRONISATION = "synchronisation"  # the consumer keeps a copy, brought up to date
    FILE_PACKAGE = "file_package"  # the data delivered as files


class SharingService(IdMixin, TimestampMixin, Base):
    __tablename__ = "sharing_services"

    code: Mapped[str] = mapped_column(String(64), unique=True)  # the published id, e.g. DV.KHCN.NHIEMVU
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    owner_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("datasets.id", ondelete="RESTRICT"), index=True)
    upstream_url: Mapped[str | None] = mapped_column(String(1000))  # a unit's own REST API, proxied
    sharing_form: Mapped[str] = mapped_column(String(32))  # catalog.models.SharingForm (never not_shared)
    method: Mapped[str] = mapped_column(String(32), default=ServiceMethod.LIVE_CALL)
    data_items: Mapped[list[str]] = mapped_column(JSON, default=list)  # names of the dataset's data items
    exchange_schema: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # JSON Schema of one record
    usage_regulation: Mapped[str | None] = mapped_column(Text)  # quy chế khai thác
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    availability: Mapped[str | None] = mapped_column(String(255))  # e.g. "24/7, 99,5 %"
    status: Mapped[str] = mapped_column(String(16), default=ServiceStatus.DRAFT)
    ready_at: Mapped[datetime | None]
    publish_due_at: Mapped[datetime | None]  # when the publication (or the change's) is due
    published_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_sharing_services_status_due", "status", "publish_due_at"),)
