"""Training sessions of Plan IV.1 ("Tập huấn, hướng dẫn quản lý, kết nối, chia sẻ, khai thác và an toàn dữ
liệu trong phạm vi quản lý của Bộ"; lead: Trung tâm Công nghệ thông tin, yearly).

A `TrainingSession` is one conference or course: when and where it was held, the unit that organized
it, its topics and how many people each unit sent (`participants`: a list of {"unit_id", "count"}).
The input schema (what the form sends) sits at the end.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import Field
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.validation import Input, OptionalText
from ketnoi.kit.validation import Text as InText


class TrainingSession(IdMixin, TimestampMixin, Base):
    """One training conference or course and the participants each unit sent."""

    __tablename__ = "training_sessions"

    title: Mapped[str] = mapped_column(String(500))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(255))
    organizer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    topics: Mapped[str] = mapped_column(Text)
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"unit_id": str, "count": int}]
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_training_sessions_held_on", "held_on"),)


# ---- what users send ---------------------------------------------------------------------------------


class AttendanceIn(Input):
    unit_id: uuid.UUID
    count: int = Field(ge=0, le=100000)


class TrainingIn(Input):
    title: InText = Field(min_length=1, max_length=500)
    held_on: date
    place: InText = Field(min_length=1, max_length=255)
    organizer_id: uuid.UUID
    topics: InText = Field(min_length=1, max_length=4000)
    participants: list[AttendanceIn] = Field(default_factory=list, max_length=500)
    notes: OptionalText = Field(default=None, max_length=4000)
