"""Web pages of the yearly quality inspection, its unit reports, the ministry's report and the improvement plans.

Each page holds its own forms (for those who may use them); a refused form is shown again on the
same page with the values typed and each field's message, and nothing of it is kept.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.quality import inspection, inspection_report, plans
from ketnoi.quality import inspection_figures as figures
from ketnoi.quality.inspection_models import (
    EDITABLE_REPORT,
    CampaignIn,
    CampaignSettingsIn,
    CampaignStatus,
    MinistryNarrativeIn,
    NarrativeIn,
    NoteIn,
    PlanIn,
    PlanPatch,
    ReportStatus,
    ReviewIn,
    TaskIn,
    TaskStatusIn,
)
from ketnoi.quality.labels_inspection import (
    CAMPAIGN_STATUS_LABELS,
    FIELD_LABELS,
    NARRATIVE_LABELS,
    REPORT_STATUS_LABELS,
    TASK_STATUS_LABELS,
)
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

Year = Annotated[int, Path(ge=2000, le=2100)]  # a campaign's year (an unbounded integer overflowed the database)
router = APIRouter(include_in_schema=False)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_FIELDS = ("assessment", "shortcomings", "causes", "proposals", "doc_number", "signer_name", "signer_title")
LABELS = {
    "fmt": figures.fmt,
    "fmt_share": figures.fmt_share,
    "campaign_statuses": CAMPAIGN_STATUS_LABELS,
    "report_statuses": REPORT_STATUS_LABELS,
    "task_statuses": TASK_STATUS_LABELS,
    "narrative_labels": NARRATIVE_LABELS,
    "field_labels": {**FIELD_LABELS, **NARRATIVE_LABELS},
}


def _page(request: Request, template: str, context: dict[str, Any], form: forms.FormState | None = None) -> HTMLResponse:
    return render(request, template, {**LABELS, **context}, status_code=form.status if form else 200)


# ---- campaigns -------------------------------------------------------------------------------------


def _campaigns_page(request: Request, db: Session, actor: Actor, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    campaigns = inspection.list_campaigns(db, actor=actor)
    context = {
        "campaigns": campaigns,
        "can_manage": inspection.is_admin(actor),
        "form": form or forms.prefill(year=inspection.today().year),
        "today": inspection.today(),
    }
    return _page(request, "quality/inspection_list.html", context, form)


@router.get("/quality/inspections", response_class=HTMLResponse)
def campaign_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _campaigns_page(request, db, actor)


@router.post("/quality/inspections", response_class=HTMLResponse)
def campaign_open(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, CampaignIn, form, lambda data: inspection.open_campaign(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _campaigns_page(request, db, actor, result)
    return pages.redirect(f"/quality/inspections/{result.year}", done="opened")


def _campaign_page(
    request: Request, db: Session, actor: Actor, year: Year, *, settings: forms.FormState | None = None,
    ministry: forms.FormState | None = None, refused: forms.FormState | None = None,
) -> HTMLResponse:  # fmt: skip
    pages.require_login(actor)
    view = inspection.campaign_view(db, actor=actor, year=year)
    campaign = view.campaign
    context = {
        "view": view,
        "campaign": campaign,
        "total": view.ministry.summary,
        "can_manage": inspection.is_admin(actor),
        "is_open": campaign.status == CampaignStatus.OPEN,
        "settings": settings or forms.prefill(campaign, inspection.SETTINGS_FIELDS),
        "ministry": ministry or forms.prefill(campaign, inspection.MINISTRY_FIELDS),
        "refused": refused,
    }
    return _page(request, "quality/inspection_detail.html", context, settings or ministry or refused)


@router.get("/quality/inspections/{year}", response_class=HTMLResponse)
def campaign_detail(request: Request, db: DB, actor: CurrentActor, year: Year) -> HTMLResponse:
    return _campaign_page(request, db, actor, year)


@router.post("/quality/inspections/{year}/settings", response_class=HTMLResponse)
def campaign_settings(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year) -> Response:
    result = forms.submit(db, CampaignSettingsIn, form, lambda data: inspection.update_settings(db, actor=actor, year=year, data=data))
    if isinstance(result, forms.FormState):
        return _campaign_page(request, db, actor, year, settings=result)
    return pages.redirect(f"/quality/inspections/{year}#settings-title", done="saved")


@router.post("/quality/inspections/{year}/ministry", response_class=HTMLResponse)
def campaign_ministry(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year) -> Response:
    result = forms.submit(
        db, MinistryNarrativeIn, form, lambda data: inspection.update_ministry_report(db, actor=actor, year=year, data=data)
    )
    if isinstance(result, forms.FormState):
        return _campaign_page(request, db, actor, year, ministry=result)
    return pages.redirect(f"/quality/inspections/{year}#ministry-title", done="saved")


@router.post("/quality/inspections/{year}/refresh", response_class=HTMLResponse)
def campaign_refresh(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year) -> Response:
    result = forms.attempt(db, form, lambda: inspection.refresh_campaign(db, actor=actor, year=year))
    if isinstance(result, forms.FormState):
        return _campaign_page(request, db, actor, year, refused=result)
    return pages.redirect(f"/quality/inspections/{year}", done="refreshed")


@router.post("/quality/inspections/{year}/status", response_class=HTMLResponse)
def campaign_status(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year) -> Response:
    wanted = CampaignStatus.CLOSED if form.get("status") == CampaignStatus.CLOSED else CampaignStatus.OPEN
    result = forms.attempt(db, form, lambda: inspection.set_status(db, actor=actor, year=year, status=wanted))
    if isinstance(result, forms.FormState):
        return _campaign_page(request, db, actor, year, refused=result)
    return pages.redirect(f"/quality/inspections/{year}", done="closed" if wanted == CampaignStatus.CLOSED else "reopened")


@router.get("/quality/inspections/{year}/report.docx")
def campaign_docx(db: DB, actor: CurrentActor, year: Year) -> Response:
    pages.require_login(actor)
    document = inspection_report.ministry_document(db, actor=actor, year=year)
    return pages.download(inspection_report.ministry_docx(document), DOCX, inspection_report.filename(year, "docx"))


@router.get("/quality/inspections/{year}/report.xlsx")
def campaign_xlsx(db: DB, actor: CurrentActor, year: Year) -> Response:
    pages.require_login(actor)
    document = inspection_report.ministry_document(db, actor=actor, year=year)
    return pages.download(inspection_report.ministry_xlsx(document), XLSX, inspection_report.filename(year, "xlsx"))


# ---- a unit's report -------------------------------------------------------------------------------


def _report_page(
    request: Request, db: Session, actor: Actor, year: Year, unit_id: uuid.UUID, *, form: forms.FormState | None = None,
    review: forms.FormState | None = None,
) -> HTMLResponse:  # fmt: skip
    pages.require_login(actor)
    document = inspection_report.unit_document(db, actor=actor, year=year, unit_id=unit_id)
    report, campaign = document.report, document.campaign
    is_open = campaign.status == CampaignStatus.OPEN
    can_edit = is_open and report.status in EDITABLE_REPORT and inspection.can_edit_unit(actor, unit_id)
    context = {
        "doc": document,
        "campaign": campaign,
        "report": report,
        "row": document.row,
        "summary": document.figures.summary,
        "can_edit": can_edit,
        "can_review": is_open and inspection.is_admin(actor) and report.status == ReportStatus.SUBMITTED,
        "can_plan": inspection.can_edit_unit(actor, unit_id),
        "form": form or forms.prefill(report, REPORT_FIELDS),
        "review": review or forms.FormState(),
    }
    return _page(request, "quality/inspection_unit.html", context, form or review)


def _report_url(year: Year, unit_id: uuid.UUID) -> str:
    return inspection.report_link(year, unit_id)


@router.get("/quality/inspections/{year}/units/{unit_id}", response_class=HTMLResponse)
def report_detail(request: Request, db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> HTMLResponse:
    return _report_page(request, db, actor, year, unit_id)


@router.post("/quality/inspections/{year}/units/{unit_id}/edit", response_class=HTMLResponse)
def report_edit(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> Response:
    """Save the narrative; with the «Nộp báo cáo» button, save it and submit the report in one step."""
    submitting = form.get("action") == "submit"

    def save(data: NarrativeIn) -> object:
        report = inspection.update_narrative(db, actor=actor, year=year, unit_id=unit_id, data=data)
        return inspection.submit_report(db, actor=actor, year=year, unit_id=unit_id) if submitting else report

    result = forms.submit(db, NarrativeIn, form, save)
    if isinstance(result, forms.FormState):
        return _report_page(request, db, actor, year, unit_id, form=result)
    return pages.redirect(_report_url(year, unit_id), done="submitted" if submitting else "saved")


@router.post("/quality/inspections/{year}/units/{unit_id}/refresh", response_class=HTMLResponse)
def report_refresh(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: inspection.refresh_report(db, actor=actor, year=year, unit_id=unit_id))
    if isinstance(result, forms.FormState):
        return _report_page(request, db, actor, year, unit_id, form=result)
    return pages.redirect(_report_url(year, unit_id), done="refreshed")


@router.post("/quality/inspections/{year}/units/{unit_id}/review", response_class=HTMLResponse)
def report_review(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> Response:
    result = forms.submit(db, ReviewIn, form, lambda data: inspection.review_report(db, actor=actor, year=year, unit_id=unit_id, data=data))
    if isinstance(result, forms.FormState):
        return _report_page(request, db, actor, year, unit_id, review=result)
    return pages.redirect(_report_url(year, unit_id), done="accepted" if result.status == ReportStatus.ACCEPTED else "returned")


@router.get("/quality/inspections/{year}/units/{unit_id}/report.docx")
def report_docx(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> Response:
    pages.require_login(actor)
    document = inspection_report.unit_document(db, actor=actor, year=year, unit_id=unit_id)
    return pages.download(inspection_report.unit_docx(document), DOCX, inspection_report.filename(year, "docx", document.unit))


@router.get("/quality/inspections/{year}/units/{unit_id}/report.xlsx")
def report_xlsx(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> Response:
    pages.require_login(actor)
    document = inspection_report.unit_document(db, actor=actor, year=year, unit_id=unit_id)
    return pages.download(inspection_report.unit_xlsx(document), XLSX, inspection_report.filename(year, "xlsx", document.unit))


# ---- improvement plans -------------------------------------------------------------------------------


def _plans_page(request: Request, db: Session, actor: Actor, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    unit_id = pages.opt_uuid(request.query_params.get("unit_id"), "unit_id")
    units = plans.editable_units(db, actor=actor)
    context = {
        "views": plans.list_plans(db, actor=actor, unit_id=unit_id),
        "units": [(str(i), name) for i, name in units],
        "campaigns": [(str(c.year), c.title) for c in inspection.list_campaigns(db, actor=actor)],
        "form": form or forms.prefill(unit_id=unit_id or (units[0][0] if len(units) == 1 else None)),
        "unit_id": unit_id,
    }
    return _page(request, "quality/plan_list.html", context, form)


@router.get("/quality/plans", response_class=HTMLResponse)
def plan_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _plans_page(request, db, actor)


@router.post("/quality/plans", response_class=HTMLResponse)
def plan_create(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, PlanIn, form, lambda data: plans.create_plan(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _plans_page(request, db, actor, result)
    return pages.redirect(f"/quality/plans/{result.id}", done="created")


def _plan_page(
    request: Request, db: Session, actor: Actor, plan_id: uuid.UUID, failed: forms.FormState | None = None, which: str = ""
) -> HTMLResponse:
    pages.require_login(actor)
    view = plans.plan_view(db, actor=actor, plan_id=plan_id)
    blank = forms.FormState()
    context = {
        "view": view,
        "plan": view.plan,
        "datasets": [(str(i), name) for i, name in plans.unit_datasets(db, view.plan.unit_id)] if view.can_edit else [],
        "edit": failed if which == "edit" and failed else forms.prefill(view.plan, ("title", "objective")),
        "task_form": failed if which == "task" and failed else blank,
        "note_form": failed if which == "note" and failed else forms.prefill(noted_on=inspection.today()),
        "status_form": failed if which == "status" and failed else blank,
        "statuses": list(TASK_STATUS_LABELS.items()),
        "task_choices": [(str(row.task.id), row.task.title) for row in view.tasks],
    }
    return _page(request, "quality/plan_detail.html", context, failed)


@router.get("/quality/plans/{plan_id}", response_class=HTMLResponse)
def plan_detail(request: Request, db: DB, actor: CurrentActor, plan_id: uuid.UUID) -> HTMLResponse:
    return _plan_page(request, db, actor, plan_id)


@router.post("/quality/plans/{plan_id}/edit", response_class=HTMLResponse)
def plan_edit(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, plan_id: uuid.UUID) -> Response:
    result = forms.submit(db, PlanPatch, form, lambda data: plans.update_plan(db, actor=actor, plan_id=plan_id, data=data))
    if isinstance(result, forms.FormState):
        return _plan_page(request, db, actor, plan_id, result, "edit")
    return pages.redirect(f"/quality/plans/{plan_id}", done="saved")


@router.post("/quality/plans/{plan_id}/tasks", response_class=HTMLResponse)
def plan_task(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, plan_id: uuid.UUID) -> Response:
    result = forms.submit(db, TaskIn, form, lambda data: plans.add_task(db, actor=actor, plan_id=plan_id, data=data))
    if isinstance(result, forms.FormState):
        return _plan_page(request, db, actor, plan_id, result, "task")
    return pages.redirect(f"/quality/plans/{plan_id}#tasks-title", done="created")


@router.post("/quality/plans/{plan_id}/tasks/{task_id}/status", response_class=HTMLResponse)
def plan_task_status(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, plan_id: uuid.UUID, task_id: uuid.UUID
) -> Response:
    def change(data: TaskStatusIn) -> object:
        return plans.set_task_status(db, actor=actor, plan_id=plan_id, task_id=task_id, status=data.status)

    result = forms.submit(db, TaskStatusIn, form, change)
    if isinstance(result, forms.FormState):
        return _plan_page(request, db, actor, plan_id, result, "status")
    return pages.redirect(f"/quality/plans/{plan_id}#task-{task_id}", done="saved")


@router.post("/quality/plans/{plan_id}/notes", response_class=HTMLResponse)
def plan_note(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, plan_id: uuid.UUID) -> Response:
    result = forms.submit(db, NoteIn, form, lambda data: plans.add_note(db, actor=actor, plan_id=plan_id, data=data))
    if isinstance(result, forms.FormState):
        return _plan_page(request, db, actor, plan_id, result, "note")
    return pages.redirect(f"/quality/plans/{plan_id}#notes-title", done="created")
