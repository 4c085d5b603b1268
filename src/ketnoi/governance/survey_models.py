"""Tables of status surveys (Plan II.1): questionnaires, answers.

The IT Center builds a questionnaire (sections of questions of several kinds) while it is a draft,
opens it to the ministry's units (each gets an assignment), and closes it; a unit's stewards save
their answers and submit them once. An answer's value is JSON shaped by its question's kind:

  short_text, long_text, single_choice, date ("YYYY-MM-DD")  a string
  number                                                       a number
  yes_no                                                       true / false
  multiple_choice                                              a list of strings (among the options)
  table                                                        a list of rows, each a list of cells (text, a number or null)

A question's `options` is JSON too: {"choices": [...]} for the choice kinds; {"rows": [...],
"columns": [...], "cell": "text" | "number"} for a table (no rows: the unit lists as many as it has).
The input schemas (what a form or an API call sends) sit at the end of this module.
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


class SurveyStatus(StrEnum):
    DRAFT = "draft"  # the questionnaire is being built
    OPEN = "open"  # sent to the units: answered, no longer edited
    CLOSED = "closed"


class AssignmentStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"  # a draft saved
    SUBMITTED = "submitted"


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    DATE = "date"
    TABLE = "table"


class CellKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class Survey(IdMixin, TimestampMixin, Base):
    __tablename__ = "surveys"

    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=SurveyStatus.DRAFT)
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class SurveySection(IdMixin, Base):
    __tablename__ = "survey_sections"

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))


class SurveyQuestion(IdMixin, Base):
    __tablename__ = "survey_questions"

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    help: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(24))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyAssignment(IdMixin, TimestampMixin, Base):
    """The survey sent to one unit: its state, who submitted it and when, the last reminder's day."""

    __tablename__ = "survey_assignments"

    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))  # first in the unique key
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.NOT_STARTED)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("survey_id", "unit_id"),)


class SurveyAnswer(IdMixin, TimestampMixin, Base):
    __tablename__ = "survey_answers"

    assignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_assignments.id", ondelete="CASCADE"))  # first in the unique key
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[Any] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("assignment_id", "question_id"),)


# ---- what users send ---------------------------------------------------------------------------------


class SurveyIn(Input):
    title: InText = Field(min_length=1, max_length=255)
    description: OptionalText = Field(default=None, max_length=20_000)
    legal_basis: OptionalText = Field(default=None, max_length=4000)
    due_on: date


class SectionIn(Input):
    title: InText = Field(min_length=1, max_length=255)


class QuestionIn(Input):
    """A question; `choices` for the choice kinds, `rows`/`columns`/`cell` for a table (one line each on the form)."""

    section_id: uuid.UUID
    text: InText = Field(min_length=1, max_length=2000)
    help: OptionalText = Field(default=None, max_length=2000)
    kind: QuestionKind
    required: bool = False
    choices: list[InText] = Field(default_factory=list, max_length=50)
    rows: list[InText] = Field(default_factory=list, max_length=50)
    columns: list[InText] = Field(default_factory=list, max_length=20)
    cell: CellKind = CellKind.TEXT


class MoveIn(Input):
    direction: str = Field(pattern="^(up|down)$")


class OpenIn(Input):
    """To whom: the chosen units, or (none chosen) every unit of the ministry."""

    unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class AnswersIn(Input):
    """{question id: value} (a value shaped by its question's kind; null or "" clears the answer)."""

    answers: dict[str, Any] = Field(default_factory=dict)
