"""The yearly quality inspection (Decree 47 art. 16; Plan I.6, II.4) and the improvement plans (Plan II.2).

Every year the IT Center opens a campaign; each unit that owns data gets a report, pre-filled with the
figures measured from its quality history (quality.inspection_figures) and completed with its own
narrative; it submits it by the unit due date (25/12), the IT Center accepts it or returns it with a
note, and consolidates the ministry's report by the ministry due date (31/12). A unit keeps an
improvement plan: tasks with a person responsible and a due date, and dated follow-up notes.

The input schemas (what a form or an API call sends) sit at the end of this module.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow
from ketnoi.kit.validation import Input, OptionalText
from ketnoi.kit.validation import Text as InText


class CampaignStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReportStatus(StrEnum):
    DRAFT = "draft"  # being written by the unit (figures refreshed on demand)
    SUBMITTED = "submitted"  # sent to the IT Center: figures frozen
    ACCEPTED = "accepted"
    RETURNED = "returned"  # sent back with a note: the unit corrects it and submits again


class TaskStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_TASK = (TaskStatus.TODO, TaskStatus.DOING)
EDITABLE_REPORT = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class InspectionCampaign(IdMixin, TimestampMixin, Base):
    """One year's inspection: its due dates and legal basis, and the ministry's consolidated report."""

    __tablename__ = "quality_inspections"

    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    unit_due: Mapped[date] = mapped_column(Date)  # units report by (25/12)
    ministry_due: Mapped[date] = mapped_column(Date)  # the ministry consolidates by (31/12)
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.OPEN)
    # the ministry's report
    assessment: Mapped[str] = mapped_column(Text, default="")  # đánh giá chung
    shortcomings: Mapped[str] = mapped_column(Text, default="")  # tồn tại, hạn chế
    causes: Mapped[str] = mapped_column(Text, default="")  # nguyên nhân
    proposals: Mapped[str] = mapped_column(Text, default="")  # kiến nghị, đề xuất
    doc_number: Mapped[str | None] = mapped_column(String(32))  # "15" of "Số: 15/BC-BKHCN"
    doc_symbol: Mapped[str | None] = mapped_column(String(64))  # "BC-BKHCN"
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))  # lines separated by a new line: "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG"
    opened_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class UnitReport(IdMixin, TimestampMixin, Base):
    """A unit's report in a campaign: the measured figures (a JSON snapshot) and the unit's narrative."""

    __tablename__ = "quality_unit_reports"

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quality_inspections.id", ondelete="CASCADE"))  # first in the unique key
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.DRAFT)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # inspection_figures.UnitFigures.to_json()
    figures_at: Mapped[datetime | None]
    assessment: Mapped[str] = mapped_column(Text, default="")
    shortcomings: Mapped[str] = mapped_column(Text, default="")
    causes: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str | None] = mapped_column(String(32))
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)


class ImprovementPlan(IdMixin, TimestampMixin, Base):
    """A unit's plan to complete, upgrade and standardise its data (Plan II.2)."""

    __tablename__ = "quality_plans"

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quality_inspections.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    objective: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ImprovementTask(IdMixin, TimestampMixin, Base):
    __tablename__ = "quality_plan_tasks"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quality_plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("datasets.id", ondelete="SET NULL"))
    responsible: Mapped[str] = mapped_column(String(255), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.TODO)
    completed_at: Mapped[datetime | None]


class PlanNote(IdMixin, Base):
    """A dated follow-up note on a plan (or one of its tasks), by the user who wrote it."""

    __tablename__ = "quality_plan_notes"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quality_plans.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quality_plan_tasks.id", ondelete="CASCADE"))
    noted_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---- what users send ---------------------------------------------------------------------------------

LONG = 20_000  # characters of a narrative section


class CampaignIn(Input):
    """Opening a year's campaign; the dates and legal basis default to the plan's (25/12, 31/12)."""

    year: int = Field(ge=2020, le=2100)
    title: OptionalText = Field(default=None, max_length=255)
    unit_due: date | None = None
    ministry_due: date | None = None
    legal_basis: OptionalText = Field(default=None, max_length=4000)


class CampaignSettingsIn(Input):
    title: InText = Field(min_length=1, max_length=255)
    unit_due: date
    ministry_due: date
    legal_basis: InText = Field(min_length=1, max_length=4000)


class NarrativeIn(Input):
    """The narrative of a report (a unit's or the ministry's); empty sections are allowed in a draft."""

    assessment: OptionalText = Field(default=None, max_length=LONG)
    shortcomings: OptionalText = Field(default=None, max_length=LONG)
    causes: OptionalText = Field(default=None, max_length=LONG)
    proposals: OptionalText = Field(default=None, max_length=LONG)
    doc_number: OptionalText = Field(default=None, max_length=32)
    signer_name: OptionalText = Field(default=None, max_length=255)
    signer_title: OptionalText = Field(default=None, max_length=255)


class MinistryNarrativeIn(NarrativeIn):
    doc_symbol: OptionalText = Field(default=None, max_length=64)


class ReviewIn(Input):
    decision: str = Field(pattern="^(accept|return)$")
    note: OptionalText = Field(default=None, max_length=4000)


class PlanIn(Input):
    unit_id: uuid.UUID
    title: InText = Field(min_length=1, max_length=255)
    objective: OptionalText = Field(default=None, max_length=LONG)
    campaign_year: int | None = Field(default=None, ge=2020, le=2100)


class PlanPatch(Input):
    title: InText = Field(min_length=1, max_length=255)
    objective: OptionalText = Field(default=None, max_length=LONG)


class TaskIn(Input):
    title: InText = Field(min_length=1, max_length=255)
    dataset_id: uuid.UUID | None = None
    responsible: OptionalText = Field(default=None, max_length=255)
    due_on: date | None = None


class TaskStatusIn(Input):
    status: TaskStatus


class NoteIn(Input):
    body: InText = Field(min_length=1, max_length=4000)
    task_id: uuid.UUID | None = None
    noted_on: date | None = None
