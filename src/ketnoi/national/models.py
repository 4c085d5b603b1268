"""The record of each push of our catalogs to the national data portal (Cổng dữ liệu quốc gia)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin


class PushStatus(StrEnum):
    OK = "ok"  # the portal took it (2xx)
    FAILED = "failed"  # every attempt failed, or the portal refused it (4xx): tried again on a later tick
    UNCHANGED = "unchanged"  # asked for by hand, but the catalogs are what the portal already has: nothing sent


class PushTrigger(StrEnum):
    PERIODIC = "periodic"  # the worker's minute tick
    CHANGE = "change"  # a service published, changed or retired, a dataset changed
    MANUAL = "manual"  # "đẩy ngay" on the page, the API
    CLI = "cli"  # ketnoi national push


class NationalPush(IdMixin, Base):
    __tablename__ = "national_pushes"

    at: Mapped[datetime]  # when the push started
    trigger: Mapped[str] = mapped_column(String(16))
    target_url: Mapped[str] = mapped_column(String(1000))  # where it went (the setting may change later)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the bundle (export.Bundle)
    status: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)  # the last answer's, None when none came
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, for a person (never the token)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # HTTP requests sent (0 when unchanged)
    services: Mapped[int] = mapped_column(Integer, default=0)  # services in the listing pushed
    datasets: Mapped[int] = mapped_column(Integer, default=0)  # datasets in the DCAT catalog pushed

    __table_args__ = (Index("ix_national_pushes_status_at", "status", "at"),)
