"""Web pages of training (Plan IV.1): /training lists the year's sessions with the summary (participants
per unit, units never trained) and the administrator's form to add one; /training/{id} is one session
(edit, delete, history); /training/report.docx?year= and /training/report.xlsx?year= are the year's report.

The participants are sent as repeated pairs `unit_id` / `count` (one row per unit; empty rows ignored).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from ketnoi.authz import Actor
from ketnoi.feedback.report import issuer
from ketnoi.governance import training, training_report
from ketnoi.governance.deadlines import today
from ketnoi.governance.labels_training import FIELD_LABELS
from ketnoi.governance.training_models import TrainingIn, TrainingSession
from ketnoi.kit.validation import parse
from ketnoi.org.service import all_units
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
Year = Annotated[int | None, Query(ge=2000, le=2099)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ("title", "held_on", "place", "organizer_id", "topics", "notes")
BLANK_ROWS = 3


def _data(form: FormData) -> dict[str, Any]:
    """The form as the input schema reads it: text fields, then the (unit, count) rows that are filled."""
    data: dict[str, Any] = {name: value for name in FIELDS if isinstance(value := form.get(name), str) and value.strip()}
    units, counts = form.getlist("unit_id"), form.getlist("count")
    rows = []
    for unit_id, count in zip(units, counts, strict=False):
        if isinstance(unit_id, str) and unit_id.strip():
            rows.append({"unit_id": unit_id, "count": count if isinstance(count, str) and count.strip() else None})
    data["participants"] = rows
    return data


def _rows(form: forms.FormState) -> list[tuple[str, str]]:
    """The (unit, count) rows the form shows, then a few empty ones."""
    units, counts = form.values.get("unit_id", []), form.values.get("count", [])
    units, counts = (units if isinstance(units, list) else [units]), (counts if isinstance(counts, list) else [counts])
    rows = [(str(u), str(c)) for u, c in zip(units, counts, strict=False) if u]
    return rows + [("", "")] * BLANK_ROWS


def _prefill(item: TrainingSession) -> forms.FormState:
    state = forms.prefill(item, FIELDS)
    state.values["unit_id"] = [p["unit_id"] for p in item.participants]
    state.values["count"] = [p["count"] for p in item.participants]
    return state


def _context(db: Session, actor: Actor, form: forms.FormState) -> dict[str, Any]:
    return {
        "form": form,
        "rows": _rows(form),
        "units": [(u.id, u.name) for u in all_units(db)],
        "can_manage": training.is_admin(actor),
        "field_labels": FIELD_LABELS,
    }


def _list_page(request: Request, db: Session, actor: Actor, year: int, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    summary = training.year_summary(db, actor=actor, year=year)
    context = {"summary": summary, "year": year, **_context(db, actor, form or forms.FormState())}
    return render(request, "governance/training_list.html", context, status_code=form.status if form else 200)


@router.get("/training", response_class=HTMLResponse)
def training_list(request: Request, db: DB, actor: CurrentActor, year: Year = None) -> HTMLResponse:
    return _list_page(request, db, actor, year or today().year)


@router.post("/training", response_class=HTMLResponse)
def training_create(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    training.require_admin(actor)
    result = forms.attempt(db, form, lambda: training.create_session(db, actor=actor, data=parse(TrainingIn, _data(form))))
    if isinstance(result, forms.FormState):
        held = form.get("held_on")
        year = int(held[:4]) if isinstance(held, str) and held[:4].isdigit() and 2000 <= int(held[:4]) <= 2099 else today().year
        return _list_page(request, db, actor, year, result)
    return pages.redirect(f"/training/{result.id}", done="saved")


# ---- reports (before /training/{session_id}, which would take "report.docx" for an id) -------------



@router.get("/training/report.docx")
def training_report_docx(db: DB, actor: CurrentActor, year: Year = None) -> Response:
    pages.require_login(actor)
    summary = training.year_summary(db, actor=actor, year=year or today().year)
    content = training_report.training_docx(summary, issuer(db), today())
    return pages.download(content, DOCX, training_report.filename(summary, "docx"))


@router.get("/training/report.xlsx")
def training_report_xlsx(db: DB, actor: CurrentActor, year: Year = None) -> Response:
    pages.require_login(actor)
    summary = training.year_summary(db, actor=actor, year=year or today().year)
    return pages.download(training_report.training_xlsx(summary), XLSX, training_report.filename(summary, "xlsx"))


# ---- one session --------------------------------------------------------------------------------


def _detail_page(request: Request, db: Session, actor: Actor, session_id: uuid.UUID, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    item = training.get_session(db, actor=actor, session_id=session_id)
    context = {
        "item": item,
        "names": {str(k): v for k, v in training.unit_names(db).items()},
        "total": training.YearSummary.count(item),
        "events": training.history(db, actor=actor, session_id=session_id),
        **_context(db, actor, form or _prefill(item)),
    }
    return render(request, "governance/training_detail.html", context, status_code=form.status if form else 200)


@router.get("/training/{session_id}", response_class=HTMLResponse)
def training_detail(request: Request, db: DB, actor: CurrentActor, session_id: uuid.UUID) -> HTMLResponse:
    return _detail_page(request, db, actor, session_id)


@router.post("/training/{session_id}", response_class=HTMLResponse)
def training_edit(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, session_id: uuid.UUID) -> Response:
    training.require_admin(actor)
    data = _data(form)
    result = forms.attempt(db, form, lambda: training.update_session(db, actor=actor, session_id=session_id, data=parse(TrainingIn, data)))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, session_id, result)
    return pages.redirect(f"/training/{result.id}", done="saved")


@router.post("/training/{session_id}/delete")
def training_delete(form: forms.UserForm, db: DB, actor: CurrentActor, session_id: uuid.UUID) -> Response:
    item = training.get_session(db, actor=actor, session_id=session_id)
    year = item.held_on.year
    training.delete_session(db, actor=actor, session_id=session_id)
    return pages.redirect(f"/training?year={year}", done="deleted")
