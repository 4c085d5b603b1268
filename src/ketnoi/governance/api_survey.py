"""JSON API of status surveys (Plan II.1): questionnaires, answers (the same services as the pages).

The compiled report's files are the page's downloads: `GET /surveys/{survey_id}/report.docx` (and
`.xlsx`) answer a bearer token as well as a browser's session.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from ketnoi.governance import survey, survey_answers, survey_results
from ketnoi.governance.survey_models import AnswersIn, MoveIn, OpenIn, QuestionIn, SectionIn, Survey, SurveyIn
from ketnoi.governance.survey_results import QuestionResult
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["governance"])


class SurveyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    legal_basis: str
    status: str
    due_on: date
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None


class QuestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int = 0
    position: int
    text: str
    help: str
    kind: str
    options: dict[str, Any]
    required: bool


class SectionOut(BaseModel):
    id: uuid.UUID
    title: str
    questions: list[QuestionOut]


class AssignmentOut(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    status: str
    answered: int
    overdue: bool
    submitted_at: datetime | None


class SurveyDetailOut(SurveyOut):
    sections: list[SectionOut]
    assignments: list[AssignmentOut]


class ResultOut(BaseModel):
    question_id: uuid.UUID
    number: int
    text: str
    kind: str
    answered: int
    counts: dict[str, int] | None
    numbers: dict[str, float | int | None] | None
    grid: list[list[float | int | None]]
    column_totals: list[float | int | None]
    by_unit: list[dict[str, Any]]


class ResultsOut(BaseModel):
    survey_id: uuid.UUID
    units: int
    submitted: int
    overdue: int
    questions: list[ResultOut]


class SheetOut(BaseModel):
    survey_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    status: str
    submitted_at: datetime | None
    answers: dict[str, Any]


def _detail(db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> SurveyDetailOut:
    results = survey_results.compile_results(db, actor=actor, survey_id=survey_id)
    numbers = {q.id: n for n, q in survey.numbered(results.parts)}
    sections = [
        SectionOut(
            id=p.section.id,
            title=p.section.title,
            questions=[QuestionOut.model_validate(q).model_copy(update={"number": numbers[q.id]}) for q in p.questions],
        )
        for p in results.parts
    ]
    assignments = [
        AssignmentOut(
            unit_id=row.assignment.unit_id,
            unit_name=row.unit_name,
            status=row.assignment.status,
            answered=row.answered,
            overdue=row.overdue,
            submitted_at=row.assignment.submitted_at,
        )
        for row in results.units
    ]
    base = SurveyOut.model_validate(results.survey).model_dump()
    return SurveyDetailOut.model_validate({**base, "sections": sections, "assignments": assignments})


def _result(r: QuestionResult) -> ResultOut:
    n = r.numbers
    numbers = {"count": n.count, "total": n.total, "mean": n.mean, "min": n.low, "max": n.high} if n else None
    by_unit = [{"unit": u, "answer": a} for u, a in r.by_unit] + [{"unit": u, "rows": rows} for u, rows in r.tables]
    q = r.question
    return ResultOut(
        question_id=q.id,
        number=r.number,
        text=q.text,
        kind=q.kind,
        answered=r.answered,
        counts=dict(r.counts) if r.counts else None,
        numbers=numbers,
        grid=r.grid,
        column_totals=r.column_totals,
        by_unit=by_unit,
    )


def _sheet(db: DB, actor: CurrentActor, survey_id: uuid.UUID, unit_id: uuid.UUID) -> SheetOut:
    sheet = survey_answers.get_sheet(db, actor=actor, survey_id=survey_id, unit_id=unit_id)
    a = sheet.assignment
    answers = {str(k): v for k, v in sheet.values.items()}
    return SheetOut(
        survey_id=survey_id, unit_id=unit_id, unit_name=sheet.unit.name, status=a.status, submitted_at=a.submitted_at, answers=answers
    )


@router.get("/surveys", response_model=list[SurveyOut], summary="Các cuộc khảo sát hiện trạng")
def list_surveys(db: DB, actor: CurrentActor) -> list[Survey]:
    return survey.list_surveys(db, actor=actor)


@router.post("/surveys", response_model=SurveyDetailOut, status_code=201, summary="Tạo cuộc khảo sát (bảng hỏi nháp)")
def create_survey(db: DB, actor: CurrentActor, data: SurveyIn) -> SurveyDetailOut:
    return _detail(db, actor, survey.create_survey(db, actor=actor, data=data).id)


@router.get("/surveys/{survey_id}", response_model=SurveyDetailOut, summary="Cuộc khảo sát: bảng hỏi, tình hình trả lời")
def get_survey(db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> SurveyDetailOut:
    return _detail(db, actor, survey_id)


@router.put("/surveys/{survey_id}", response_model=SurveyDetailOut, summary="Sửa thông tin cuộc khảo sát nháp")
def update_survey(db: DB, actor: CurrentActor, survey_id: uuid.UUID, data: SurveyIn) -> SurveyDetailOut:
    survey.update_survey(db, actor=actor, survey_id=survey_id, data=data)
    return _detail(db, actor, survey_id)


@router.post("/surveys/{survey_id}/sections", response_model=SurveyDetailOut, status_code=201, summary="Thêm phần")
def add_section(db: DB, actor: CurrentActor, survey_id: uuid.UUID, data: SectionIn) -> SurveyDetailOut:
    survey.add_section(db, actor=actor, survey_id=survey_id, data=data)
    return _detail(db, actor, survey_id)


@router.delete("/surveys/{survey_id}/sections/{section_id}", status_code=204, summary="Xoá phần và các câu hỏi của phần")
def delete_section(db: DB, actor: CurrentActor, survey_id: uuid.UUID, section_id: uuid.UUID) -> Response:
    survey.delete_section(db, actor=actor, survey_id=survey_id, section_id=section_id)
    return Response(status_code=204)


@router.post("/surveys/{survey_id}/sections/{section_id}/move", response_model=SurveyDetailOut, summary="Chuyển phần lên, xuống")
def move_section(db: DB, actor: CurrentActor, survey_id: uuid.UUID, section_id: uuid.UUID, data: MoveIn) -> SurveyDetailOut:
    survey.move_section(db, actor=actor, survey_id=survey_id, section_id=section_id, data=data)
    return _detail(db, actor, survey_id)


@router.post("/surveys/{survey_id}/questions", response_model=SurveyDetailOut, status_code=201, summary="Thêm câu hỏi")
def add_question(db: DB, actor: CurrentActor, survey_id: uuid.UUID, data: QuestionIn) -> SurveyDetailOut:
    survey.add_question(db, actor=actor, survey_id=survey_id, data=data)
    return _detail(db, actor, survey_id)


@router.delete("/surveys/{survey_id}/questions/{question_id}", status_code=204, summary="Xoá câu hỏi")
def delete_question(db: DB, actor: CurrentActor, survey_id: uuid.UUID, question_id: uuid.UUID) -> Response:
    survey.delete_question(db, actor=actor, survey_id=survey_id, question_id=question_id)
    return Response(status_code=204)


@router.post("/surveys/{survey_id}/questions/{question_id}/move", response_model=SurveyDetailOut, summary="Chuyển câu hỏi lên, xuống")
def move_question(db: DB, actor: CurrentActor, survey_id: uuid.UUID, question_id: uuid.UUID, data: MoveIn) -> SurveyDetailOut:
    survey.move_question(db, actor=actor, survey_id=survey_id, question_id=question_id, data=data)
    return _detail(db, actor, survey_id)


@router.post("/surveys/{survey_id}/open", response_model=SurveyDetailOut, summary="Gửi các đơn vị (không chọn: mọi đơn vị thuộc Bộ)")
def open_survey(db: DB, actor: CurrentActor, survey_id: uuid.UUID, data: OpenIn) -> SurveyDetailOut:
    survey.open_survey(db, actor=actor, survey_id=survey_id, data=data)
    return _detail(db, actor, survey_id)


@router.post("/surveys/{survey_id}/close", response_model=SurveyDetailOut, summary="Kết thúc khảo sát")
def close_survey(db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> SurveyDetailOut:
    survey.close_survey(db, actor=actor, survey_id=survey_id)
    return _detail(db, actor, survey_id)


@router.get("/surveys/{survey_id}/results", response_model=ResultsOut, summary="Kết quả tổng hợp (các phiếu đã nộp)")
def get_results(db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> ResultsOut:
    results = survey_results.compile_results(db, actor=actor, survey_id=survey_id)
    return ResultsOut(
        survey_id=survey_id,
        units=len(results.units),
        submitted=results.submitted,
        overdue=results.overdue,
        questions=[_result(r) for r in results.questions],
    )


@router.get("/surveys/{survey_id}/units/{unit_id}", response_model=SheetOut, summary="Phiếu trả lời của một đơn vị")
def get_sheet(db: DB, actor: CurrentActor, survey_id: uuid.UUID, unit_id: uuid.UUID) -> SheetOut:
    return _sheet(db, actor, survey_id, unit_id)


@router.put("/surveys/{survey_id}/units/{unit_id}", response_model=SheetOut, summary="Lưu nháp câu trả lời của đơn vị")
def save_answers(db: DB, actor: CurrentActor, survey_id: uuid.UUID, unit_id: uuid.UUID, data: AnswersIn) -> SheetOut:
    survey_answers.save_answers(db, actor=actor, survey_id=survey_id, unit_id=unit_id, answers=data.answers)
    return _sheet(db, actor, survey_id, unit_id)


@router.post("/surveys/{survey_id}/units/{unit_id}/submit", response_model=SheetOut, summary="Nộp phiếu khảo sát của đơn vị")
def submit_answers(db: DB, actor: CurrentActor, survey_id: uuid.UUID, unit_id: uuid.UUID, data: AnswersIn | None = None) -> SheetOut:
    answers = data.answers if data else {}
    survey_answers.save_answers(db, actor=actor, survey_id=survey_id, unit_id=unit_id, answers=answers, submit=True)
    return _sheet(db, actor, survey_id, unit_id)
