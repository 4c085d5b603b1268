"""Ministry units (a hierarchy), external agencies, and their focal points (đầu mối, art. 7)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin


class OrgKind(StrEnum):
    UNIT = "unit"  # đơn vị trực thuộc Bộ
    AGENCY = "agency"  # cơ quan bên ngoài


class Organization(IdMixin, TimestampMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(100))  # the URL name (kit.slug): CKAN's organization `name`
    kind: Mapped[str] = mapped_column(String(16), default=OrgKind.UNIT)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    agency_code: Mapped[str | None] = mapped_column(String(35), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_organizations_name_id", "name", "id"), Index("uq_organizations_slug", "slug", unique=True))


class FocalPoint(IdMixin, TimestampMixin, Base):
    """One appointment; the current one has no end date, earlier ones are the history."""

    __tablename__ = "focal_points"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    appointment_document: Mapped[str | None] = mapped_column(String(255))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
