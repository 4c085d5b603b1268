"""Tables of the plan tracker: the seed plan's tasks, their instances per period, progress reports.

A task (PlanTask) is one line of the plan's appendix, its units kept as written and resolved to the
ministry's organizations where they exist. An instance (TaskInstance) is the task for one period and
one assigned unit (a year, a half-year, or the event that triggered it); the unit reports progress on
it (ProgressReport) with evidence files kept in the file store (ketnoi.files).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow
from ketnoi.kit.validation import Input
from ketnoi.kit.validation import Text as InText


class TimingKind(StrEnum):
    FIXED = "fixed"  # a year or a range of years: "2020", "2021-2025"
    YEARLY = "yearly"  # "Hằng năm", "Hàng năm"
    SEMIANNUAL = "semiannual"  # "Định kỳ 6 tháng một lần"
    ON_EVENT = "on_event"  # "Khi CSDL đưa vào khai thác", "Khi có yêu cầu"
    SLA = "sla"  # "1 ngày làm việc kể từ khi dịch vụ chia sẻ dữ liệu sẵn sàng …"


class PlanEvent(StrEnum):
    DATABASE_OPERATING = "database_operating"  # a database goes into operation (catalog Database.status)
    REQUESTED = "requested"  # the ministry asks for it
    SERVICE_READY = "service_ready"  # a sharing service is ready to accept connections (sharing.registry.mark_ready)


class UnitGroup(StrEnum):
    DB_OWNERS = "db_owners"  # "Các đơn vị chủ quản CSDL của Bộ": every unit that owns a database
    ALL_UNITS = "all_units"  # "Các đơn vị trực thuộc Bộ"


class InstanceStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    OVERDUE = "overdue"  # never stored: not done after the due date


STORED_STATUSES = (InstanceStatus.NOT_STARTED, InstanceStatus.IN_PROGRESS, InstanceStatus.DONE)


class PlanTask(IdMixin, TimestampMixin, Base):
    """One task of the plan's appendix (part I–IV, its number in the part), as written and as parsed."""

    __tablename__ = "plan_tasks"

    code: Mapped[str] = mapped_column(String(16), unique=True)  # "II.6"
    part: Mapped[str] = mapped_column(String(4))  # "I" … "IV"
    number: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # the order of the appendix
    content: Mapped[str] = mapped_column(Text)
    lead_text: Mapped[str] = mapped_column(Text)
    lead_groups: Mapped[list[str]] = mapped_column(JSON, default=list)  # UnitGroup values
    lead_unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # organizations named and found
    cooperating_text: Mapped[str] = mapped_column(Text, default="")
    cooperating_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    cooperating_unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    timing_text: Mapped[str] = mapped_column(Text)
    timing_kind: Mapped[str] = mapped_column(String(16))
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str | None] = mapped_column(String(32))  # PlanEvent of on_event and sla tasks
    sla_working_days: Mapped[int | None] = mapped_column(Integer)
    due_month_day: Mapped[str | None] = mapped_column(String(5))  # "12-25": a yearly report due before the year's end
    product: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")


class TaskInstance(IdMixin, TimestampMixin, Base):
    """A task for one period and one assigned unit; `status` is what the reports said (overdue is computed)."""

    __tablename__ = "plan_task_instances"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_tasks.id", ondelete="CASCADE"))  # first in the unique key
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    period_key: Mapped[str] = mapped_column(String(64))  # "2025", "2025-H1", "database:<id>", "service:<id>"
    period_label: Mapped[str] = mapped_column(String(255))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)  # None: the plan sets no time limit
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.NOT_STARTED)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None]
    event: Mapped[str | None] = mapped_column(String(32))  # PlanEvent it came from
    event_ref: Mapped[uuid.UUID | None]  # the database or service
    event_label: Mapped[str | None] = mapped_column(String(255))
    event_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("task_id", "period_key", "unit_id"),)


class ProgressReport(IdMixin, Base):
    """What the assigned unit reported on an instance: a text, a percentage, evidence files."""

    __tablename__ = "plan_progress_reports"

    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_task_instances.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by_label: Mapped[str] = mapped_column(String(255), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgressEvidence(IdMixin, Base):
    """An evidence file of a report, its bytes in the file store under `storage_key`."""

    __tablename__ = "plan_progress_evidence"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_progress_reports.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80))


# ---- what users send ---------------------------------------------------------------------------------


class ProgressIn(Input):
    body: InText = Field(min_length=1, max_length=20_000)
    percent: int = Field(ge=0, le=100)
