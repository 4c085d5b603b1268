"""Web pages of the plan tracker: the seed plan's tasks, their instances per period, progress reports.

/plan lists the appendix's tasks by part with the chosen year's instances (filters: unit, status,
year); /plan/instances/{id} is one instance with its reports and the report form (evidence files);
/plan/dashboard is the leader dashboard with its charts drawn as SVG on the server. Its reports download
as DOCX and XLSX: /plan/report.docx?year=&half= (plan progress, governance.plan_report) and
/plan/connection-report.docx?year= (connection status, governance.connection_report), and .xlsx.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ketnoi import files
from ketnoi.authz import Actor
from ketnoi.feedback.report import issuer
from ketnoi.governance import connection_report, plan, plan_dashboard, plan_report
from ketnoi.governance.labels_plan import DASHBOARD_SECTIONS, EVENT_LABELS, FIELD_LABELS, GROUP_LABELS, STATUS_LABELS, TIMING_LABELS
from ketnoi.governance.plan import InstanceFilter, Upload
from ketnoi.governance.plan_models import InstanceStatus, ProgressIn
from ketnoi.governance.plan_seed import PARTS
from ketnoi.kit.errors import Invalid
from ketnoi.org.service import all_units
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
LABELS = {
    "statuses": STATUS_LABELS,
    "timings": TIMING_LABELS,
    "events": EVENT_LABELS,
    "groups": GROUP_LABELS,
    "field_labels": FIELD_LABELS,
    "parts": PARTS,
    "status_order": [s.value for s in InstanceStatus],
    "colours": plan_dashboard.COLOURS,
    "chart_statuses": plan_dashboard.STATUSES,
}
Year = Annotated[int | None, Query(ge=2000, le=2099)]
Half = Annotated[int | None, Query(ge=1, le=2)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return render(request, template, {**LABELS, **context}, status_code=status_code)


def _plan_page(
    request: Request, db: Session, actor: Actor, filters: InstanceFilter, refused: forms.FormState | None = None
) -> HTMLResponse:
    pages.require_login(actor)
    tasks = plan.list_tasks(db, actor=actor)
    rows = plan.list_instances(db, actor=actor, filters=filters)
    by_task: dict[uuid.UUID, list[plan.InstanceRow]] = {}
    for row in rows:
        by_task.setdefault(row.task.id, []).append(row)
    context = {
        "tasks": tasks,
        "by_task": by_task,
        "rows": rows,
        "filters": filters,
        "units": [(u.id, u.name) for u in all_units(db)],
        "can_manage": plan.is_admin(actor),
        "refused": refused,
        "year_form": forms.prefill(year=filters.year),
    }
    return _page(request, "governance/plan_list.html", context, refused.status if refused else 200)


@router.get("/plan", response_class=HTMLResponse)
def plan_list(
    request: Request, db: DB, actor: CurrentActor, year: Year = None, unit_id: str | None = None, status: str | None = None
) -> HTMLResponse:
    filters = InstanceFilter(year=year or plan.today().year, unit_id=pages.opt_uuid(unit_id, "unit_id"), status=status or None)
    return _plan_page(request, db, actor, filters)


@router.post("/plan/generate", response_class=HTMLResponse)
def plan_generate(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    raw = str(form.get("year") or "")

    def generate() -> int:
        if not raw.isdigit():
            raise Invalid("Năm không hợp lệ.", fields={"year": "Hãy nhập năm, ví dụ 2025."})
        return plan.generate_for_year(db, actor=actor, year=int(raw))

    result = forms.attempt(db, form, generate)
    if isinstance(result, forms.FormState):
        return _plan_page(request, db, actor, InstanceFilter(year=plan.today().year), result)
    return pages.redirect(f"/plan?year={raw}", done="created")


def _instance_page(
    request: Request, db: Session, actor: Actor, instance_id: uuid.UUID, form: forms.FormState | None = None
) -> HTMLResponse:
    pages.require_login(actor)
    detail = plan.get_instance(db, actor=actor, instance_id=instance_id)
    context = {
        "detail": detail,
        "row": detail.row,
        "instance": detail.row.instance,
        "task": detail.row.task,
        "can_report": plan.can_report(actor, detail.row.instance.unit_id),
        "form": form or forms.prefill(percent=detail.row.instance.percent),
        "max_mb": plan.EVIDENCE_MAX_MB,
        "max_files": plan.EVIDENCE_MAX_FILES,
        "formats": ", ".join(sorted(plan.EVIDENCE_FORMATS)),
    }
    return _page(request, "governance/plan_instance.html", context, form.status if form else 200)


@router.get("/plan/instances/{instance_id}", response_class=HTMLResponse)
def instance_detail(request: Request, db: DB, actor: CurrentActor, instance_id: uuid.UUID) -> HTMLResponse:
    return _instance_page(request, db, actor, instance_id)


@router.post("/plan/instances/{instance_id}/reports", response_class=HTMLResponse)
def instance_report(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, instance_id: uuid.UUID) -> Response:
    uploads = [Upload(u.filename, u.file) for u in form.getlist("file") if isinstance(u, UploadFile) and u.filename]
    result = forms.submit(
        db, ProgressIn, form, lambda data: plan.submit_report(db, actor=actor, instance_id=instance_id, data=data, uploads=uploads)
    )
    if isinstance(result, forms.FormState):
        return _instance_page(request, db, actor, instance_id, result)
    return pages.redirect(f"/plan/instances/{instance_id}#history-title", done="saved")


@router.get("/plan/evidence/{evidence_id}")
def evidence_download(db: DB, actor: CurrentActor, evidence_id: uuid.UUID) -> FileResponse:
    pages.require_login(actor)
    item = plan.get_evidence(db, actor=actor, evidence_id=evidence_id)
    return FileResponse(files.path_of(item.storage_key), media_type=item.media_type, filename=item.filename)


@router.get("/plan/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, db: DB, actor: CurrentActor, year: Year = None) -> HTMLResponse:
    pages.require_login(actor)
    board = plan_dashboard.dashboard(db, actor=actor, year=year or plan.today().year)
    sections = {"unit": board.by_unit, "part": board.by_part, "period": board.by_period, "task": board.by_task}
    charts = [(key, DASHBOARD_SECTIONS[key], groups, plan_dashboard.chart(groups)) for key, groups in sections.items()]
    return _page(request, "governance/plan_dashboard.html", {"board": board, "charts": charts})


# ---- reports (DOCX and XLSX, regenerated on each download) --------------------------------------



@router.get("/plan/report.docx")
def plan_report_docx(db: DB, actor: CurrentActor, year: Year = None, half: Half = None) -> Response:
    pages.require_login(actor)
    report = plan_report.build(db, actor=actor, year=year or plan.today().year, half=half)
    return pages.download(plan_report.plan_docx(report, issuer(db)), DOCX, plan_report.filename(report, "docx"))


@router.get("/plan/report.xlsx")
def plan_report_xlsx(db: DB, actor: CurrentActor, year: Year = None, half: Half = None) -> Response:
    pages.require_login(actor)
    report = plan_report.build(db, actor=actor, year=year or plan.today().year, half=half)
    return pages.download(plan_report.plan_xlsx(report), XLSX, plan_report.filename(report, "xlsx"))


@router.get("/plan/connection-report.docx")
def connection_report_docx(db: DB, actor: CurrentActor, year: Year = None) -> Response:
    pages.require_login(actor)
    report = connection_report.build(db, actor=actor, year=year or plan.today().year)
    return pages.download(connection_report.connection_docx(report, issuer(db)), DOCX, connection_report.filename(report, "docx"))


@router.get("/plan/connection-report.xlsx")
def connection_report_xlsx(db: DB, actor: CurrentActor, year: Year = None) -> Response:
    pages.require_login(actor)
    report = connection_report.build(db, actor=actor, year=year or plan.today().year)
    return pages.download(connection_report.connection_xlsx(report), XLSX, connection_report.filename(report, "xlsx"))
