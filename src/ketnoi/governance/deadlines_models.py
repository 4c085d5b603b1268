"""Tables of deadlines and cycles as data, with their legal basis.

A `DeadlineRule` says how a due date is computed (its kind and parameters), when reminders go out
and which text of law or of the ministry's plan sets it; the administrator edits it without code.
A `ReminderDigest` records the one digest a person received on a day, so a second run the same day
sends nothing. The input schema (what the edit form or the API sends) sits at the end.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.validation import Input, OptionalText
from ketnoi.kit.validation import Text as InText


class RuleKind(StrEnum):
    FIXED_DAY = "fixed_day_of_year"  # params {"day": 25, "month": 12}
    EVERY_N_MONTHS = "every_n_months"  # params {"months": 6, "anchor": "2025-12-31"}
    WORKING_DAYS = "working_days_after_event"  # params {"days": 1}
    CALENDAR_DAYS = "calendar_days_after_event"  # params {"days": 15}


# The parameters each kind carries (the edit form shows only these).
KIND_PARAMS: dict[str, tuple[str, ...]] = {
    RuleKind.FIXED_DAY: ("day", "month"),
    RuleKind.EVERY_N_MONTHS: ("months", "anchor"),
    RuleKind.WORKING_DAYS: ("days",),
    RuleKind.CALENDAR_DAYS: ("days",),
}


class DeadlineRule(IdMixin, TimestampMixin, Base):
    """One deadline or cycle: how its due date is computed, its reminders, its legal basis."""

    __tablename__ = "deadline_rules"

    key: Mapped[str] = mapped_column(String(64), unique=True)  # "inspection.unit_report": what modules ask for
    label: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # RuleKind; fixed at seeding: modules rely on its meaning
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remind_before_days: Mapped[int] = mapped_column(Integer, default=5)  # first reminder this many days before
    remind_after: Mapped[bool] = mapped_column(Boolean, default=True)  # every day while overdue
    legal_basis: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)  # False: in no digest (the due date is still computed)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReminderDigest(IdMixin, Base):
    """The digest a person received on a day (Vietnam's date): at most one, by the unique key."""

    __tablename__ = "reminder_digests"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # first in the unique key
    day: Mapped[date] = mapped_column(Date)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"rule", "title", "due", "link"}]
    notification_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("user_id", "day"),)


# ---- what users send ---------------------------------------------------------------------------------


class RuleIn(Input):
    """An edit of a rule: the parameters of its kind (the others are ignored), reminders, legal basis."""

    label: InText = Field(min_length=1, max_length=255)
    day: int | None = Field(default=None, ge=1, le=31)
    month: int | None = Field(default=None, ge=1, le=12)
    months: int | None = Field(default=None, ge=1, le=60)
    anchor: date | None = None
    days: int | None = Field(default=None, ge=1, le=366)
    remind_before_days: int = Field(ge=0, le=90)
    remind_after: bool
    legal_basis: InText = Field(min_length=1, max_length=4000)
    enabled: bool
    note: OptionalText = Field(default=None, max_length=500)  # why it changed: kept in the audit trail
