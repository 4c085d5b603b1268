"""Status surveys (Plan II.1): the questionnaire builder, sending it to units, closing it.

Who does what: the administrator (the IT Center) builds a questionnaire while it is a draft
(sections, questions of every kind, their order and options), opens it to chosen units or to every
unit of the ministry (each gets an assignment), and closes it. A unit's stewards answer for their
unit (governance.survey_answers); leaders and all the ministry's staff read every survey that has
been opened and its compiled results (governance.survey_results). Every change is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, aliased

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.governance import survey_values
from ketnoi.governance.survey_models import (
    AssignmentStatus,
    MoveIn,
    OpenIn,
    QuestionIn,
    SectionIn,
    Survey,
    SurveyAssignment,
    SurveyIn,
    SurveyQuestion,
    SurveySection,
    SurveyStatus,
)
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.org.models import Organization, OrgKind
from ketnoi.workcal.service import VN

DEFAULT_LEGAL_BASIS = (
    "Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số của cơ quan nhà nước; "
    "Kế hoạch của Bộ Khoa học và Công nghệ thực hiện Nghị định số 47/2020/NĐ-CP, nhiệm vụ II.1 (rà soát, tổng hợp và đánh giá "
    "toàn bộ hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, chia sẻ dữ liệu)."
)
SETTINGS_FIELDS = ("title", "description", "legal_basis", "due_on")
QUESTION_FIELDS = ("text", "help", "kind", "options", "required")


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(VN).date()


# ---- who may ------------------------------------------------------------------------------------


def require_staff(actor: Actor) -> None:
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để xem các cuộc khảo sát hiện trạng.")


def is_admin(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    require_staff(actor)
    if not is_admin(actor):
        raise Forbidden("Chỉ quản trị hệ thống (Trung tâm Công nghệ thông tin) được thực hiện thao tác này.")


def can_answer(actor: Actor, unit_id: uuid.UUID) -> bool:
    """The unit's own stewards (and the administrator): those who may change the unit's datasets."""
    return authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=unit_id)


# ---- surveys ------------------------------------------------------------------------------------


def get_survey(session: Session, *, actor: Actor, survey_id: uuid.UUID) -> Survey:
    """A survey; a draft is the administrator's alone (the units see it once it is opened)."""
    require_staff(actor)
    survey = session.get(Survey, survey_id)
    if survey is None or (survey.status == SurveyStatus.DRAFT and not is_admin(actor)):
        raise NotFound("Không tìm thấy cuộc khảo sát.")
    return survey


def list_surveys(session: Session, *, actor: Actor) -> list[Survey]:
    require_staff(actor)
    query = select(Survey).order_by(Survey.created_at.desc(), Survey.id)
    if not is_admin(actor):
        query = query.where(Survey.status != SurveyStatus.DRAFT)
    return list(session.scalars(query))


def _audit(session: Session, actor: Actor, survey: Survey, action: str, changes: dict[str, Any]) -> None:
    audit.record(session, actor=actor, action=action, entity_type="survey", entity_id=survey.id, entity_label=survey.title, changes=changes)


def _draft(session: Session, actor: Actor, survey_id: uuid.UUID) -> Survey:
    require_admin(actor)
    survey = get_survey(session, actor=actor, survey_id=survey_id)
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict("Cuộc khảo sát đã gửi các đơn vị: không sửa được bảng hỏi nữa.")
    return survey


def create_survey(session: Session, *, actor: Actor, data: SurveyIn) -> Survey:
    require_admin(actor)
    survey = Survey(
        id=uuid.uuid4(),
        title=data.title,
        description=data.description or "",
        legal_basis=data.legal_basis or DEFAULT_LEGAL_BASIS,
        status=SurveyStatus.DRAFT,
        due_on=data.due_on,
        created_by_id=actor.user_id,
    )
    session.add(survey)
    session.flush()
    _audit(session, actor, survey, "create", {k: [None, v] for k, v in audit.snapshot(survey, SETTINGS_FIELDS).items()})
    return survey


def update_survey(session: Session, *, actor: Actor, survey_id: uuid.UUID, data: SurveyIn) -> Survey:
    survey = _draft(session, actor, survey_id)
    before = audit.snapshot(survey, SETTINGS_FIELDS)
    survey.title, survey.description, survey.due_on = data.title, data.description or "", data.due_on
    survey.legal_basis = data.legal_basis or DEFAULT_LEGAL_BASIS
    changes = audit.diff(before, audit.snapshot(survey, SETTINGS_FIELDS))
    if changes:
        _audit(session, actor, survey, "update", changes)
    session.flush()
    return survey


# ---- the questionnaire --------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    section: SurveySection
    questions: list[SurveyQuestion]


def questionnaire(session: Session, survey_id: uuid.UUID) -> list[Part]:
    sections = session.scalars(select(SurveySection).where(SurveySection.survey_id == survey_id).order_by(SurveySection.position))
    questions = session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id).order_by(SurveyQuestion.position, SurveyQuestion.id)
    ).all()
    return [Part(s, [q for q in questions if q.section_id == s.id]) for s in sections]


def numbered(parts: list[Part]) -> list[tuple[int, SurveyQuestion]]:
    """Every question with its number in the questionnaire (1, 2, … across the sections)."""
    return list(enumerate((q for part in parts for q in part.questions), 1))


def add_section(session: Session, *, actor: Actor, survey_id: uuid.UUID, data: SectionIn) -> SurveySection:
    survey = _draft(session, actor, survey_id)
    last = session.scalar(select(func.max(SurveySection.position)).where(SurveySection.survey_id == survey.id))
    section = SurveySection(id=uuid.uuid4(), survey_id=survey.id, position=(last or 0) + 1, title=data.title)
    session.add(section)
    _audit(session, actor, survey, "add_section", {"section": [None, data.title]})
    session.flush()
    return section


def _section(session: Session, survey: Survey, section_id: uuid.UUID, field: str = "section_id") -> SurveySection:
    section = session.get(SurveySection, section_id)
    if section is None or section.survey_id != survey.id:
        msg = "Không tìm thấy phần này trong bảng hỏi."
        raise Invalid(msg, fields={field: msg})
    return section


def delete_section(session: Session, *, actor: Actor, survey_id: uuid.UUID, section_id: uuid.UUID) -> None:
    survey = _draft(session, actor, survey_id)
    section = _section(session, survey, section_id)
    count = session.scalar(select(func.count()).select_from(SurveyQuestion).where(SurveyQuestion.section_id == section.id))
    session.execute(delete(SurveyQuestion).where(SurveyQuestion.section_id == section.id))
    session.delete(section)
    _audit(session, actor, survey, "delete_section", {"section": [section.title, None], "questions": [count, 0]})
    session.flush()


def _swap(items: list[Any], index: int, direction: str) -> bool:
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(items):
        return False
    items[index].position, items[other].position = items[other].position, items[index].position
    return True


def move_section(session: Session, *, actor: Actor, survey_id: uuid.UUID, section_id: uuid.UUID, data: MoveIn) -> None:
    survey = _draft(session, actor, survey_id)
    section = _section(session, survey, section_id)
    sections = [part.section for part in questionnaire(session, survey.id)]
    if _swap(sections, sections.index(section), data.direction):
        _audit(session, actor, survey, "move_section", {"section": [None, section.title], "direction": [None, data.direction]})
    session.flush()


def add_question(session: Session, *, actor: Actor, survey_id: uuid.UUID, data: QuestionIn) -> SurveyQuestion:
    survey = _draft(session, actor, survey_id)
    section = _section(session, survey, data.section_id)
    options, problems = survey_values.question_options(data)
    if problems:
        raise Invalid("Câu hỏi chưa đủ thông tin.", fields=problems)
    last = session.scalar(select(func.max(SurveyQuestion.position)).where(SurveyQuestion.section_id == section.id))
    question = SurveyQuestion(
        id=uuid.uuid4(),
        survey_id=survey.id,
        section_id=section.id,
        position=(last or 0) + 1,
        text=data.text,
        help=data.help or "",
        kind=data.kind.value,
        options=options,
        required=data.required,
    )
    session.add(question)
    session.flush()
    _audit(session, actor, survey, "add_question", {k: [None, v] for k, v in audit.snapshot(question, QUESTION_FIELDS).items()})
    return question


def _question(session: Session, survey: Survey, question_id: uuid.UUID) -> SurveyQuestion:
    question = session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        raise NotFound("Không tìm thấy câu hỏi trong bảng hỏi.")
    return question


def delete_question(session: Session, *, actor: Actor, survey_id: uuid.UUID, question_id: uuid.UUID) -> None:
    survey = _draft(session, actor, survey_id)
    question = _question(session, survey, question_id)
    session.delete(question)
    _audit(session, actor, survey, "delete_question", {"question": [question.text, None]})
    session.flush()


def move_question(session: Session, *, actor: Actor, survey_id: uuid.UUID, question_id: uuid.UUID, data: MoveIn) -> None:
    """Up or down within its section; past the section's end it goes to the neighbouring section."""
    survey = _draft(session, actor, survey_id)
    question = _question(session, survey, question_id)
    parts = questionnaire(session, survey.id)
    at = next(i for i, part in enumerate(parts) if part.section.id == question.section_id)
    siblings = parts[at].questions
    moved = _swap(siblings, siblings.index(question), data.direction)
    if not moved:
        target = at - 1 if data.direction == "up" else at + 1
        if 0 <= target < len(parts):
            others = parts[target].questions
            question.section_id = parts[target].section.id
            question.position = (
                (others[-1].position + 1) if data.direction == "up" and others else (others[0].position - 1 if others else 1)
            )
            moved = True
    if moved:
        _audit(session, actor, survey, "move_question", {"question": [None, question.text], "direction": [None, data.direction]})
    session.flush()


# ---- sending and closing ------------------------------------------------------------------------


def ministry_units(session: Session) -> list[Organization]:
    """Every unit of the ministry: the units directly under a top unit (the ministry), by name."""
    parent = aliased(Organization)
    query = (
        select(Organization)
        .join(parent, parent.id == Organization.parent_id)
        .where(Organization.kind == OrgKind.UNIT, parent.parent_id.is_(None), parent.kind == OrgKind.UNIT)
        .order_by(Organization.name, Organization.id)
    )
    return list(session.scalars(query))


def open_survey(session: Session, *, actor: Actor, survey_id: uuid.UUID, data: OpenIn, now: datetime | None = None) -> Survey:
    survey = _draft(session, actor, survey_id)
    if not numbered(questionnaire(session, survey.id)):
        raise Invalid("Bảng hỏi chưa có câu hỏi nào.", fields={"unit_ids": "Hãy thêm câu hỏi trước khi gửi các đơn vị."})
    if survey.due_on < today(now):
        msg = "Hạn trả lời đã qua: hãy sửa hạn trước khi gửi."
        raise Invalid(msg, fields={"due_on": msg})
    if data.unit_ids:
        units = list(session.scalars(select(Organization).where(Organization.id.in_(data.unit_ids), Organization.kind == OrgKind.UNIT)))
        if len(units) != len(set(data.unit_ids)):
            msg = "Có đơn vị không tồn tại hoặc không phải đơn vị thuộc Bộ."
            raise Invalid(msg, fields={"unit_ids": msg})
    else:
        units = ministry_units(session)
    if not units:
        raise Invalid("Chưa có đơn vị nào để gửi.", fields={"unit_ids": "Hãy chọn ít nhất một đơn vị."})
    for unit in units:
        session.add(SurveyAssignment(survey_id=survey.id, unit_id=unit.id, status=AssignmentStatus.NOT_STARTED))
    survey.status, survey.opened_at = SurveyStatus.OPEN, utcnow()
    _audit(session, actor, survey, "open", {"status": [SurveyStatus.DRAFT.value, survey.status], "units": [None, len(units)]})
    session.flush()
    return survey


def close_survey(session: Session, *, actor: Actor, survey_id: uuid.UUID) -> Survey:
    require_admin(actor)
    survey = get_survey(session, actor=actor, survey_id=survey_id)
    if survey.status != SurveyStatus.OPEN:
        raise Conflict("Chỉ kết thúc được cuộc khảo sát đang mở.")
    survey.status, survey.closed_at = SurveyStatus.CLOSED, utcnow()
    _audit(session, actor, survey, "close", {"status": [SurveyStatus.OPEN.value, survey.status]})
    session.flush()
    return survey


def survey_link(survey_id: uuid.UUID) -> str:
    return f"/surveys/{survey_id}"
