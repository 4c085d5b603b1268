"""The compiled results of a status survey: the state of each unit and, per question, what the units answered.

Only submitted answers are compiled (a draft can still change). Per question: counts per option
(single and multiple choice, yes/no), count, sum, mean, minimum and maximum of the numbers, the
sum of every number cell of a table, and the list of the other answers by unit. The page, the API,
the DOCX and the XLSX read the same `SurveyResults`, written with the same `shown`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.governance.survey import Part, get_survey, numbered, questionnaire, today
from ketnoi.governance.survey_models import AssignmentStatus, CellKind, QuestionKind, Survey, SurveyAnswer, SurveyAssignment, SurveyQuestion
from ketnoi.governance.survey_values import shown_number
from ketnoi.kit.vn import fold
from ketnoi.org.models import Organization

YES, NO = "Có", "Không"


def shown(question: SurveyQuestion, value: Any) -> str:
    """An answer written for a reader (the pages, the documents)."""
    if value is None:
        return ""
    kind = question.kind
    if kind == QuestionKind.NUMBER:
        return shown_number(value)
    if kind == QuestionKind.YES_NO:
        return YES if value else NO
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return "; ".join(value)
    if kind == QuestionKind.DATE:
        return f"{date.fromisoformat(value):%d/%m/%Y}"
    if kind == QuestionKind.TABLE:
        return "\n".join("; ".join(cells) for cells in table_rows(question, value))
    return str(value)


def _cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    return shown_number(value) if kind == CellKind.NUMBER else str(value)


def table_rows(question: SurveyQuestion, value: list[list[Any]]) -> list[list[str]]:
    """A table answer's rows written out, the row's label first when the table has fixed rows."""
    rows, kind = question.options.get("rows") or [], question.options.get("cell", CellKind.TEXT)
    out = []
    for index, cells in enumerate(value):
        written = [_cell(kind, c) for c in cells]
        out.append([rows[index], *written] if rows else written)
    return out


@dataclass(frozen=True)
class UnitRow:
    assignment: SurveyAssignment
    unit_name: str
    answered: int
    overdue: bool


@dataclass(frozen=True)
class Numbers:
    count: int
    total: float | int
    mean: float | None
    low: float | int | None
    high: float | int | None


@dataclass
class QuestionResult:
    number: int
    question: SurveyQuestion
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # choice, yes/no
    numbers: Numbers | None = None  # number
    grid: list[list[float | int | None]] = field(default_factory=list)  # a number table with fixed rows: the sum of each cell
    column_totals: list[float | int | None] = field(default_factory=list)  # a number table: the sum of each column
    by_unit: list[tuple[str, str]] = field(default_factory=list)  # text, date: (unit, answer)
    tables: list[tuple[str, list[list[str]]]] = field(default_factory=list)  # tables: (unit, rows)


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    parts: list[Part]
    units: list[UnitRow]
    questions: list[QuestionResult]
    day: date
    values: dict[uuid.UUID, dict[uuid.UUID, Any]]  # assignment id → question id → stored value (every saved answer)

    def count(self, status: str) -> int:
        return sum(1 for row in self.units if row.assignment.status == status)

    @property
    def submitted(self) -> int:
        return self.count(AssignmentStatus.SUBMITTED)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.units if row.overdue)


def _numbers(values: list[float | int]) -> Numbers:
    total = sum(values)
    total = round(total, 4) if isinstance(total, float) else total
    mean = round(total / len(values), 2) if values else None
    return Numbers(len(values), total, mean, min(values) if values else None, max(values) if values else None)


def _add(a: float | int | None, b: float | int | None) -> float | int | None:
    if b is None:
        return a
    return b if a is None else round(a + b, 4)


def _compile_table(result: QuestionResult, answers: list[tuple[str, Any]]) -> None:
    q = result.question
    columns, rows = q.options["columns"], q.options.get("rows") or []
    numeric = q.options.get("cell") == CellKind.NUMBER
    if numeric:
        result.column_totals = [None] * len(columns)
        result.grid = [[None] * len(columns) for _ in rows]
    for unit_name, value in answers:
        result.tables.append((unit_name, table_rows(q, value)))
        if not numeric:
            continue
        for r, cells in enumerate(value):
            for c, cell in enumerate(cells):
                result.column_totals[c] = _add(result.column_totals[c], cell)
                if rows:
                    result.grid[r][c] = _add(result.grid[r][c], cell)


def compile_question(number: int, question: SurveyQuestion, answers: list[tuple[str, Any]]) -> QuestionResult:
    """`answers`: (unit name, stored value) of the units that submitted an answer to the question."""
    result = QuestionResult(number, question, answered=len(answers))
    kind = question.kind
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        picked = [v for _, value in answers for v in (value if isinstance(value, list) else [value])]
        result.counts = [(choice, picked.count(choice)) for choice in question.options.get("choices", [])]
    elif kind == QuestionKind.YES_NO:
        result.counts = [(YES, sum(1 for _, v in answers if v is True)), (NO, sum(1 for _, v in answers if v is False))]
    elif kind == QuestionKind.NUMBER:
        result.numbers = _numbers([v for _, v in answers])
    elif kind == QuestionKind.TABLE:
        _compile_table(result, answers)
    else:
        result.by_unit = [(unit_name, shown(question, value)) for unit_name, value in answers]
    return result


def compile_results(session: Session, *, actor: Actor, survey_id: uuid.UUID, now: datetime | None = None) -> SurveyResults:
    survey = get_survey(session, actor=actor, survey_id=survey_id)
    parts = questionnaire(session, survey.id)
    query = select(SurveyAssignment, Organization.name).join(Organization, Organization.id == SurveyAssignment.unit_id)
    found = session.execute(query.where(SurveyAssignment.survey_id == survey.id)).tuples().all()
    found = sorted(found, key=lambda r: (fold(r[1]), str(r[0].unit_id)))
    answers = session.execute(
        select(SurveyAnswer.assignment_id, SurveyAnswer.question_id, SurveyAnswer.value)
        .join(SurveyAssignment, SurveyAssignment.id == SurveyAnswer.assignment_id)
        .where(SurveyAssignment.survey_id == survey.id)
    ).all()
    values: dict[uuid.UUID, dict[uuid.UUID, Any]] = {}
    for assignment_id, question_id, value in answers:
        values.setdefault(assignment_id, {})[question_id] = value
    day = today(now)
    units = [
        UnitRow(a, name, len(values.get(a.id, {})), a.status != AssignmentStatus.SUBMITTED and day > survey.due_on) for a, name in found
    ]
    submitted = [(row.unit_name, values.get(row.assignment.id, {})) for row in units if row.assignment.status == AssignmentStatus.SUBMITTED]
    questions = [compile_question(n, q, [(name, given[q.id]) for name, given in submitted if q.id in given]) for n, q in numbered(parts)]
    return SurveyResults(survey, parts, units, questions, day, values)
