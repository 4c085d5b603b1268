"""Web pages of status surveys (Plan II.1): the list, the questionnaire builder, the results, a unit's form.

Forms without JavaScript: each builder action (add a section or a question, move, delete) is its own
small form; a refused form is shown again with the values typed and each field's message.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from ketnoi.authz import Actor
from ketnoi.feedback.report import issuer
from ketnoi.governance import survey, survey_answers, survey_report, survey_results
from ketnoi.governance.labels_survey import ASSIGNMENT_STATUS_LABELS, CELL_LABELS, FIELD_LABELS, KIND_LABELS, SURVEY_STATUS_LABELS
from ketnoi.governance.survey_models import (
    AssignmentStatus,
    MoveIn,
    OpenIn,
    QuestionIn,
    QuestionKind,
    SectionIn,
    SurveyIn,
    SurveyQuestion,
    SurveyStatus,
)
from ketnoi.governance.survey_values import shown_number
from ketnoi.kit.errors import Forbidden, Invalid
from ketnoi.kit.validation import parse
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FREE_ROWS = 3  # blank rows offered under a free table's answered rows
LABELS = {
    "survey_statuses": SURVEY_STATUS_LABELS,
    "assignment_statuses": ASSIGNMENT_STATUS_LABELS,
    "kinds": KIND_LABELS,
    "cells": CELL_LABELS,
    "field_labels": FIELD_LABELS,
    "number": shown_number,
}
LINES = ("choices", "rows", "columns")


def _page(request: Request, template: str, context: dict[str, Any], form: forms.FormState | None = None) -> HTMLResponse:
    return render(request, template, {**LABELS, **context}, status_code=form.status if form else 200)



# ---- the list -------------------------------------------------------------------------------------


def _list_page(request: Request, db: Session, actor: Actor, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    context = {"surveys": survey.list_surveys(db, actor=actor), "can_manage": survey.is_admin(actor), "form": form or forms.FormState()}
    return _page(request, "governance/survey_list.html", context, form)


@router.get("/surveys", response_class=HTMLResponse)
def survey_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _list_page(request, db, actor)


@router.post("/surveys", response_class=HTMLResponse)
def survey_create(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, SurveyIn, form, lambda data: survey.create_survey(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _list_page(request, db, actor, result)
    return pages.redirect(f"/surveys/{result.id}/edit", done="created")


# ---- the builder ----------------------------------------------------------------------------------


def _builder_page(request: Request, db: Session, actor: Actor, survey_id: uuid.UUID, failed: forms.FormState | None = None,
                  which: str = "") -> HTMLResponse:  # fmt: skip
    pages.require_login(actor)
    survey.require_admin(actor)
    found = survey.get_survey(db, actor=actor, survey_id=survey_id)
    parts = survey.questionnaire(db, found.id)
    blank = forms.FormState()
    last = str(parts[-1].section.id) if parts else ""
    context = {
        "survey": found,
        "parts": parts,
        "numbers": {q.id: n for n, q in survey.numbered(parts)},
        "is_draft": found.status == SurveyStatus.DRAFT,
        "settings": failed if which == "settings" and failed else forms.prefill(found, survey.SETTINGS_FIELDS),
        "section_form": failed if which == "section" and failed else blank,
        "question_form": failed if which == "question" and failed else forms.prefill(kind="short_text", cell="text", section_id=last),
        "open_form": failed if which == "open" and failed else blank,
        "refused": failed if which == "refused" else None,
        "units": [(str(u.id), u.name) for u in survey.ministry_units(db)],
        "kind_options": list(KIND_LABELS.items()),
        "section_options": [(str(p.section.id), p.section.title) for p in parts],
        "cell_options": list(CELL_LABELS.items()),
    }
    return _page(request, "governance/survey_edit.html", context, failed)


def _edit_url(survey_id: uuid.UUID, anchor: str = "") -> str:
    return f"/surveys/{survey_id}/edit" + (f"#{anchor}" if anchor else "")


@router.get("/surveys/{survey_id}/edit", response_class=HTMLResponse)
def survey_edit(request: Request, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> HTMLResponse:
    return _builder_page(request, db, actor, survey_id)


@router.post("/surveys/{survey_id}/edit", response_class=HTMLResponse)
def survey_settings(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    result = forms.submit(db, SurveyIn, form, lambda data: survey.update_survey(db, actor=actor, survey_id=survey_id, data=data))
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "settings")
    return pages.redirect(_edit_url(survey_id), done="saved")


@router.post("/surveys/{survey_id}/sections", response_class=HTMLResponse)
def section_add(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    result = forms.submit(db, SectionIn, form, lambda data: survey.add_section(db, actor=actor, survey_id=survey_id, data=data))
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "section")
    return pages.redirect(_edit_url(survey_id, f"section-{result.id}"), done="created")


@router.post("/surveys/{survey_id}/sections/{section_id}/move", response_class=HTMLResponse)
def section_move(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID, section_id: uuid.UUID
) -> Response:
    def move(data: MoveIn) -> None:
        survey.move_section(db, actor=actor, survey_id=survey_id, section_id=section_id, data=data)

    result = forms.submit(db, MoveIn, form, move)
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "refused")
    return pages.redirect(_edit_url(survey_id, f"section-{section_id}"))


@router.post("/surveys/{survey_id}/sections/{section_id}/delete", response_class=HTMLResponse)
def section_delete(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID, section_id: uuid.UUID
) -> Response:
    result = forms.attempt(db, form, lambda: survey.delete_section(db, actor=actor, survey_id=survey_id, section_id=section_id))
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "refused")
    return pages.redirect(_edit_url(survey_id), done="deleted")


def question_data(form: FormData) -> dict[str, Any]:
    """The question form as QuestionIn's data: the choices, rows and columns one per line."""
    data = forms.form_data(QuestionIn, form)
    for name in LINES:
        raw = form.get(name)
        data[name] = [line.strip() for line in raw.splitlines() if line.strip()] if isinstance(raw, str) else []
    return data


@router.post("/surveys/{survey_id}/questions", response_class=HTMLResponse)
def question_add(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    def add() -> SurveyQuestion:
        return survey.add_question(db, actor=actor, survey_id=survey_id, data=parse(QuestionIn, question_data(form)))

    result = forms.attempt(db, form, add)
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "question")
    return pages.redirect(_edit_url(survey_id, f"question-{result.id}"), done="created")


@router.post("/surveys/{survey_id}/questions/{question_id}/move", response_class=HTMLResponse)
def question_move(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID, question_id: uuid.UUID
) -> Response:
    def move(data: MoveIn) -> None:
        survey.move_question(db, actor=actor, survey_id=survey_id, question_id=question_id, data=data)

    result = forms.submit(db, MoveIn, form, move)
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "refused")
    return pages.redirect(_edit_url(survey_id, f"question-{question_id}"))


@router.post("/surveys/{survey_id}/questions/{question_id}/delete", response_class=HTMLResponse)
def question_delete(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID, question_id: uuid.UUID
) -> Response:
    result = forms.attempt(db, form, lambda: survey.delete_question(db, actor=actor, survey_id=survey_id, question_id=question_id))
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "refused")
    return pages.redirect(_edit_url(survey_id), done="deleted")


@router.post("/surveys/{survey_id}/open", response_class=HTMLResponse)
def survey_open(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    def send() -> object:
        chosen = [v for v in form.getlist("unit_ids") if isinstance(v, str) and v]
        return survey.open_survey(db, actor=actor, survey_id=survey_id, data=parse(OpenIn, {"unit_ids": chosen}))

    result = forms.attempt(db, form, send)
    if isinstance(result, forms.FormState):
        return _builder_page(request, db, actor, survey_id, result, "open")
    return pages.redirect(f"/surveys/{survey_id}", done="opened")


@router.post("/surveys/{survey_id}/close", response_class=HTMLResponse)
def survey_close(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: survey.close_survey(db, actor=actor, survey_id=survey_id))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, survey_id, result)
    return pages.redirect(f"/surveys/{survey_id}", done="closed")


# ---- the results ----------------------------------------------------------------------------------


def _detail_page(request: Request, db: Session, actor: Actor, survey_id: uuid.UUID, refused: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    results = survey_results.compile_results(db, actor=actor, survey_id=survey_id)
    context = {
        "results": results,
        "survey": results.survey,
        "can_manage": survey.is_admin(actor),
        "mine": survey_answers.units_to_answer(db, actor=actor, survey_id=survey_id),
        "refused": refused,
        "by_section": {p.section.id: [r for r in results.questions if r.question.section_id == p.section.id] for p in results.parts},
    }
    return _page(request, "governance/survey_detail.html", context, refused)


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def survey_detail(request: Request, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> HTMLResponse:
    return _detail_page(request, db, actor, survey_id)


@router.get("/surveys/{survey_id}/report.docx")
def survey_docx(db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    pages.require_login(actor)
    results = survey_results.compile_results(db, actor=actor, survey_id=survey_id)
    return pages.download(survey_report.survey_docx(results, issuer(db)), DOCX, survey_report.filename(results, "docx"))


@router.get("/surveys/{survey_id}/report.xlsx")
def survey_xlsx(db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    pages.require_login(actor)
    results = survey_results.compile_results(db, actor=actor, survey_id=survey_id)
    return pages.download(survey_report.survey_xlsx(results), XLSX, survey_report.filename(results, "xlsx"))


# ---- a unit's form --------------------------------------------------------------------------------


def form_value(question: SurveyQuestion, value: Any) -> Any:
    """A stored answer as the form shows it (what a user would type)."""
    if value is None:
        return [] if question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TABLE) else ""
    if question.kind == QuestionKind.NUMBER:
        return shown_number(value)
    if question.kind == QuestionKind.YES_NO:
        return "yes" if value else "no"
    if question.kind == QuestionKind.TABLE:
        return [["" if c is None else shown_number(c) if isinstance(c, int | float) else str(c) for c in row] for row in value]
    return value


def answers_from_form(questions: list[SurveyQuestion], form: FormData) -> dict[str, Any]:
    """What the unit's form sent, question by question (a table's cells are named "<id>.<row>.<column>")."""
    sent: dict[str, Any] = {}
    for q in questions:
        key = str(q.id)
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            if key in form:
                sent[key] = [v for v in form.getlist(key) if isinstance(v, str) and v]
        elif q.kind == QuestionKind.TABLE:
            cells = {name: v for name, v in form.multi_items() if name.startswith(key + ".") and isinstance(v, str)}
            if cells:
                rows = max(int(name.split(".")[1]) for name in cells) + 1
                columns = len(q.options["columns"])
                sent[key] = [[cells.get(f"{key}.{r}.{c}", "") for c in range(columns)] for r in range(rows)]
        elif isinstance(raw := form.get(key), str):
            sent[key] = raw
    return sent


def _answer_page(request: Request, db: Session, actor: Actor, survey_id: uuid.UUID, unit_id: uuid.UUID | None,
                 failed: forms.FormState | None = None, sent: dict[str, Any] | None = None) -> HTMLResponse:  # fmt: skip
    pages.require_login(actor)
    if unit_id is None:
        mine = survey_answers.units_to_answer(db, actor=actor, survey_id=survey_id)
        if not mine:
            survey.get_survey(db, actor=actor, survey_id=survey_id)
            raise Forbidden("Đơn vị của bạn không được gửi cuộc khảo sát này.")
        unit_id = mine[0][0]
    sheet = survey_answers.get_sheet(db, actor=actor, survey_id=survey_id, unit_id=unit_id)
    values = {str(q.id): form_value(q, sheet.values.get(q.id)) for _, q in sheet.numbered}
    values.update(sent or {})
    rows = {}
    for _, q in sheet.numbered:
        if q.kind == QuestionKind.TABLE:
            fixed = q.options.get("rows") or []
            rows[str(q.id)] = len(fixed) if fixed else len(values[str(q.id)]) + FREE_ROWS
    context = {
        "sheet": sheet,
        "survey": sheet.survey,
        "values": values,
        "table_rows": rows,
        "errors": failed.errors if failed else {},
        "form": failed or forms.FormState(),
        "can_edit": survey_answers.can_edit(actor, sheet),
        "submitted": sheet.assignment.status == AssignmentStatus.SUBMITTED,
        "numbers": {q.id: n for n, q in sheet.numbered},
        "shown": survey_results.shown,
    }
    return _page(request, "governance/survey_answer.html", context, failed)


@router.get("/surveys/{survey_id}/answer", response_class=HTMLResponse)
def answer_form(request: Request, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> HTMLResponse:
    unit_id = pages.opt_uuid(request.query_params.get("unit_id"), "unit_id")
    return _answer_page(request, db, actor, survey_id, unit_id)


@router.post("/surveys/{survey_id}/answer", response_class=HTMLResponse)
def answer_save(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, survey_id: uuid.UUID) -> Response:
    raw_unit = form.get("unit_id")
    unit_id = pages.opt_uuid(raw_unit if isinstance(raw_unit, str) else None, "unit_id")
    if unit_id is None:
        raise Invalid("Thiếu đơn vị trả lời.", fields={"unit_id": "Trường này là bắt buộc."})
    submitting = form.get("action") == "submit"
    questions = [q for part in survey.questionnaire(db, survey_id) for q in part.questions]
    sent = answers_from_form(questions, form)

    def save() -> object:
        return survey_answers.save_answers(db, actor=actor, survey_id=survey_id, unit_id=unit_id, answers=sent, submit=submitting)

    result = forms.attempt(db, form, save)
    if isinstance(result, forms.FormState):
        return _answer_page(request, db, actor, survey_id, unit_id, result, sent)
    return pages.redirect(f"/surveys/{survey_id}/answer?unit_id={unit_id}", done="submitted" if submitting else "saved")
