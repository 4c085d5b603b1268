"""A year's days off and make-up working days, as the administrator confirmed or edited them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base
from ketnoi.kit.clock import utcnow


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a day off, weekday or not (a public holiday, its compensation, a Tết bridge)
    WORKDAY = "workday"  # a working day on a weekend (made up for a bridge day off)


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))


class CalendarYear(Base):
    """A year stored in calendar_days (edited by the administrator). Without one, the year's
    days come from the rules of the Labour Code (workcal.rules)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
