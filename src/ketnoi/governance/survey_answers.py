"""A unit's answers to a status survey: saving a draft, submitting, reading; the reminders.

A unit's stewards (authz: may change the unit's datasets) answer while the survey is open and
until they submit; each value is checked against its question's kind (survey_values) and a refused
value names its question, so nothing half-written is kept. Submitting checks the required questions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.authz import Actor
from ketnoi.governance import survey_values
from ketnoi.governance.survey import Part, can_answer, get_survey, numbered, questionnaire, require_staff
from ketnoi.governance.survey_models import (
    AssignmentStatus,
    Survey,
    SurveyAnswer,
    SurveyAssignment,
    SurveyQuestion,
    SurveyStatus,
)
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound
from ketnoi.org.models import Organization


@dataclass(frozen=True)
class Sheet:
    """One unit's questionnaire and answers, as the answer page, the API and the documents read it."""

    survey: Survey
    assignment: SurveyAssignment
    unit: Organization
    parts: list[Part]
    values: dict[uuid.UUID, Any]  # question id → stored value

    @property
    def numbered(self) -> list[tuple[int, SurveyQuestion]]:
        return numbered(self.parts)


def _assignment(session: Session, survey: Survey, unit_id: uuid.UUID) -> SurveyAssignment:
    found = session.scalar(select(SurveyAssignment).where(SurveyAssignment.survey_id == survey.id, SurveyAssignment.unit_id == unit_id))
    if found is None:
        raise NotFound("Cuộc khảo sát không gửi đơn vị này.")
    return found


def stored_values(session: Session, assignment_id: uuid.UUID) -> dict[uuid.UUID, Any]:
    answers = session.scalars(select(SurveyAnswer).where(SurveyAnswer.assignment_id == assignment_id))
    return {a.question_id: a.value for a in answers}


def get_sheet(session: Session, *, actor: Actor, survey_id: uuid.UUID, unit_id: uuid.UUID) -> Sheet:
    require_staff(actor)
    survey = get_survey(session, actor=actor, survey_id=survey_id)
    assignment = _assignment(session, survey, unit_id)
    unit = session.get_one(Organization, unit_id)
    return Sheet(survey, assignment, unit, questionnaire(session, survey.id), stored_values(session, assignment.id))


def units_to_answer(session: Session, *, actor: Actor, survey_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The units of the survey the actor answers for (their own units; every unit for the administrator)."""
    query = select(SurveyAssignment.unit_id, Organization.name).join(Organization, Organization.id == SurveyAssignment.unit_id)
    rows = session.execute(query.where(SurveyAssignment.survey_id == survey_id).order_by(Organization.name)).tuples().all()
    return [(unit_id, name) for unit_id, name in rows if can_answer(actor, unit_id)]


def can_edit(actor: Actor, sheet: Sheet) -> bool:
    return (
        sheet.survey.status == SurveyStatus.OPEN
        and sheet.assignment.status != AssignmentStatus.SUBMITTED
        and can_answer(actor, sheet.assignment.unit_id)
    )


def _label(sheet: Sheet) -> str:
    return f"{sheet.survey.title}: {sheet.unit.name}"


def save_answers(
    session: Session, *, actor: Actor, survey_id: uuid.UUID, unit_id: uuid.UUID, answers: dict[str, Any], submit: bool = False
) -> SurveyAssignment:
    """Keep the unit's answers (those sent; a blank one clears its answer) and, with `submit`, send them.

    Every value is checked first: one refused value (or, at submit, a required question without an
    answer) refuses the whole call, each message at its question's field."""
    sheet = get_sheet(session, actor=actor, survey_id=survey_id, unit_id=unit_id)
    _require_editable(actor, sheet)
    values = _checked(sheet, answers, submit)
    changed = _store(session, sheet, values)
    assignment, before = sheet.assignment, sheet.assignment.status
    assignment.status = AssignmentStatus.SUBMITTED if submit else AssignmentStatus.IN_PROGRESS
    if submit:
        assignment.submitted_at, assignment.submitted_by_id = utcnow(), actor.user_id
    changes: dict[str, Any] = {"answers": [None, changed]}
    if before != assignment.status:
        changes["status"] = [before, assignment.status]
    audit.record(
        session,
        actor=actor,
        action="submit" if submit else "save",
        entity_type="survey_assignment",
        entity_id=assignment.id,
        entity_label=_label(sheet),
        changes=changes,
    )
    session.flush()
    return assignment


def _require_editable(actor: Actor, sheet: Sheet) -> None:
    if not can_answer(actor, sheet.assignment.unit_id):
        raise Forbidden("Chỉ cán bộ quản lý dữ liệu của đơn vị được trả lời khảo sát của đơn vị.")
    if sheet.survey.status != SurveyStatus.OPEN:
        raise Conflict("Cuộc khảo sát không còn mở: không sửa được câu trả lời.")
    if sheet.assignment.status == AssignmentStatus.SUBMITTED:
        raise Conflict("Đơn vị đã nộp phiếu khảo sát: không sửa được nữa.")


def _checked(sheet: Sheet, answers: dict[str, Any], submit: bool) -> dict[uuid.UUID, Any]:
    """The unit's values once `answers` are applied, each checked; Invalid naming each refused question."""
    questions = {str(q.id): (n, q) for n, q in sheet.numbered}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise Invalid("Có câu trả lời cho câu hỏi không có trong bảng hỏi.", fields={key: "Không có câu hỏi này." for key in unknown})
    values, errors = dict(sheet.values), {}
    for key, raw in answers.items():
        number, question = questions[key]
        try:
            values[question.id] = survey_values.clean(question, raw)
        except ValueError as exc:
            errors[key] = f"Câu {number} «{question.text}»: {exc}"
    if submit:
        for key, (number, question) in questions.items():
            if question.required and values.get(question.id) is None and key not in errors:
                errors[key] = f"Câu {number} «{question.text}» là câu hỏi bắt buộc: hãy trả lời trước khi nộp."
    if errors:
        raise Invalid("Phiếu khảo sát chưa đủ để nộp." if submit else "Phiếu khảo sát có câu trả lời chưa hợp lệ.", fields=errors)
    return values


def _store(session: Session, sheet: Sheet, values: dict[uuid.UUID, Any]) -> int:
    """Write the values that changed; how many answers changed."""
    rows = {a.question_id: a for a in session.scalars(select(SurveyAnswer).where(SurveyAnswer.assignment_id == sheet.assignment.id))}
    changed = 0
    for question_id, value in values.items():
        row = rows.get(question_id)
        if value is None:
            if row is not None:
                session.delete(row)
                changed += 1
        elif row is None:
            session.add(SurveyAnswer(assignment_id=sheet.assignment.id, question_id=question_id, value=value))
            changed += 1
        elif row.value != value:
            row.value = value
            changed += 1
    return changed
