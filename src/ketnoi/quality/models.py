"""Quality rules attached to datasets, the runs that measure them, each rule's result, and incidents.

A result row is shaped as a W3C DQV quality measurement (dataset, metric = rule, dimension, value,
computed_at, run), so the history exports as DQV JSON-LD beside the DCAT catalog (quality.dqv).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.clock import utcnow


class Dimension(StrEnum):
    """ISO/IEC 25012 names (../docs/quality.md)."""

    COMPLETENESS = "completeness"
    VALIDITY = "validity"
    UNIQUENESS = "uniqueness"
    CONSISTENCY = "consistency"
    TIMELINESS = "timeliness"
    ACCURACY = "accuracy"
    METADATA = "metadata"


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"  # every rule measured (some may have failed their target)
    FAILED = "failed"  # the run stopped: the table is gone, the time limit, the database refused


class Outcome(StrEnum):
    PASSED = "passed"  # conformance at or above the target
    FAILED = "failed"
    ERROR = "error"  # could not be measured (time limit, a reference table gone): out of the score
    SKIPPED = "skipped"  # nothing to measure (no rows, or no row the rule applies to)


class QualityRule(IdMixin, TimestampMixin, Base):
    """One check on a dataset: a kind with its parameters (quality.rules), a dimension, a severity
    and a target conformance. Column rules read the table of `resource_id` in the datastore."""

    __tablename__ = "quality_rules"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    dimension: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16), default=Severity.MAJOR)
    target: Mapped[float] = mapped_column(Float, default=0.98)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    origin: Mapped[str] = mapped_column(String(16), default="manual")  # manual | suggested | yaml
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class QualityRun(IdMixin, Base):
    """One measurement of every enabled rule of a dataset, with the scores it gave."""

    __tablename__ = "quality_runs"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16))  # manual | ingest | schedule
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    row_count: Mapped[int | None] = mapped_column(BigInteger)  # rows of the main table measured
    score: Mapped[float | None] = mapped_column(Float)  # 0-100, None when no rule could be measured
    capped: Mapped[bool] = mapped_column(Boolean, default=False)  # a critical rule failed: Q ≤ 69
    dimension_scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    covered: Mapped[list[str]] = mapped_column(JSON, default=list)  # dimensions with a measured rule
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_quality_runs_dataset_started", "dataset_id", "started_at"),)


class QualityResult(Base):
    """What one rule measured in one run: n units evaluated, how many failed, a sample of row ids."""

    __tablename__ = "quality_results"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quality_runs.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quality_rules.id", ondelete="SET NULL"), index=True)
    rule_name: Mapped[str] = mapped_column(String(255))  # as it was when measured
    kind: Mapped[str] = mapped_column(String(32))
    dimension: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    target: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    evaluated: Mapped[int] = mapped_column(BigInteger, default=0)
    failed: Mapped[int] = mapped_column(BigInteger, default=0)
    conformance: Mapped[float | None] = mapped_column(Float)  # passing / evaluated
    score: Mapped[float | None] = mapped_column(Float)  # min(1, conformance / target)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. rows sharing a duplicated key
    sample_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # `_id` of failing rows, capped; never values
    message: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class IncidentStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"  # corrected
    DISMISSED = "dismissed"  # not an error of the data


class IncidentSource(StrEnum):
    PORTAL = "portal"  # an error report from the public portal (feedback)
    CONSUMER = "consumer"  # an agency that consumes the data through the gateway
    STAFF = "staff"  # a civil servant of the ministry
    RULE = "rule"  # a critical rule that failed


class Incident(IdMixin, TimestampMixin, Base):
    """A reported or detected quality problem of a dataset, followed until it is resolved."""

    __tablename__ = "quality_incidents"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.OPEN)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    reporter: Mapped[str | None] = mapped_column(String(255))  # an agency's or a user's name; never a member of the public's
    feedback_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"), unique=True)
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quality_rules.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)  # why it was closed
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Schedule(StrEnum):
    NONE = "none"  # on demand and after each load only
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class DatasetQuality(Base):
    """A dataset's quality at a glance: its schedule and its latest run (what lists and unit scores read)."""

    __tablename__ = "quality_datasets"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    schedule: Mapped[str] = mapped_column(String(16), default=Schedule.WEEKLY)
    last_run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("quality_runs.id", ondelete="SET NULL"))
    last_run_at: Mapped[datetime | None]
    score: Mapped[float | None] = mapped_column(Float)
    covered: Mapped[int] = mapped_column(Integer, default=0)  # dimensions with a measured rule
    metadata_reviewed_at: Mapped[datetime | None]  # the steward confirmed the description is current
    metadata_reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
