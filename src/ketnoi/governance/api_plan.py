"""JSON API of the plan tracker: the seed plan's tasks, their instances per period, progress reports.

The same services as the pages: GET /api/v1/plan/tasks, /plan/instances (filters year, unit_id,
status, task_id), /plan/instances/{id} (with its reports), /plan/dashboard?year=; POST
/plan/instances/{id}/reports (multipart: body, percent, file…), POST /plan/generate?year= (admin).
An evidence file downloads from /plan/evidence/{id} (a bearer token works there too).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel

from ketnoi.governance import plan, plan_dashboard
from ketnoi.governance.plan import InstanceFilter, InstanceRow, Upload
from ketnoi.governance.plan_models import PlanTask, ProgressIn
from ketnoi.kit.validation import parse
from ketnoi.web import pages
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["plan"])
Year = Annotated[int, Query(ge=2000, le=2099)]


class TaskOut(BaseModel):
    id: uuid.UUID
    code: str
    part: str
    number: int
    content: str
    lead: str
    lead_groups: list[str]
    lead_unit_ids: list[str]
    cooperating: str
    cooperating_groups: list[str]
    cooperating_unit_ids: list[str]
    timing: str
    timing_kind: str
    year_from: int | None
    year_to: int | None
    event: str | None
    sla_working_days: int | None
    product: str
    legal_basis: str


def task_out(t: PlanTask) -> TaskOut:
    return TaskOut(
        id=t.id, code=t.code, part=t.part, number=t.number, content=t.content, lead=t.lead_text, lead_groups=t.lead_groups,
        lead_unit_ids=t.lead_unit_ids, cooperating=t.cooperating_text, cooperating_groups=t.cooperating_groups,
        cooperating_unit_ids=t.cooperating_unit_ids, timing=t.timing_text, timing_kind=t.timing_kind, year_from=t.year_from,
        year_to=t.year_to, event=t.event, sla_working_days=t.sla_working_days, product=t.product, legal_basis=t.legal_basis,
    )  # fmt: skip


class InstanceOut(BaseModel):
    id: uuid.UUID
    task_code: str
    unit_id: uuid.UUID
    unit_name: str
    period_key: str
    period_label: str
    period_start: date
    period_end: date
    due_on: date | None
    status: str  # effective: "overdue" when not done after the due date
    overdue: bool
    percent: int
    event: str | None
    event_label: str | None


def instance_out(row: InstanceRow) -> InstanceOut:
    i = row.instance
    return InstanceOut(
        id=i.id, task_code=row.task.code, unit_id=i.unit_id, unit_name=row.unit_name, period_key=i.period_key,
        period_label=i.period_label, period_start=i.period_start, period_end=i.period_end, due_on=i.due_on, status=row.status,
        overdue=row.status == "overdue", percent=i.percent, event=i.event, event_label=i.event_label,
    )  # fmt: skip


class EvidenceOut(BaseModel):
    id: uuid.UUID
    filename: str
    media_type: str
    size: int
    sha256: str
    url: str


class ReportOut(BaseModel):
    id: uuid.UUID
    body: str
    percent: int
    submitted_by: str
    submitted_at: datetime
    evidence: list[EvidenceOut]


class InstanceDetailOut(InstanceOut):
    reports: list[ReportOut]


class GroupOut(BaseModel):
    key: str
    label: str
    counts: dict[str, int]
    total: int


class DashboardOut(BaseModel):
    year: int
    total: GroupOut
    by_unit: list[GroupOut]
    by_part: list[GroupOut]
    by_task: list[GroupOut]
    by_period: list[GroupOut]


class GeneratedOut(BaseModel):
    year: int
    created: int


def group_out(g: plan_dashboard.Group) -> GroupOut:
    return GroupOut(key=g.key, label=g.label, counts=g.counts, total=g.total)


@router.get("/plan/tasks", response_model=list[TaskOut], summary="Nhiệm vụ của Kế hoạch")
def list_tasks(db: DB, actor: CurrentActor) -> list[TaskOut]:
    return [task_out(t) for t in plan.list_tasks(db, actor=actor)]


@router.get("/plan/instances", response_model=list[InstanceOut], summary="Nhiệm vụ theo kỳ và đơn vị")
def list_instances(
    db: DB, actor: CurrentActor, year: Annotated[int | None, Query(ge=2000, le=2099)] = None, unit_id: str | None = None,
    status: str | None = None, task_id: str | None = None,
) -> list[InstanceOut]:  # fmt: skip
    filters = InstanceFilter(
        year=year, unit_id=pages.opt_uuid(unit_id, "unit_id"), status=status or None, task_id=pages.opt_uuid(task_id, "task_id")
    )
    return [instance_out(r) for r in plan.list_instances(db, actor=actor, filters=filters)]


def _report_out(r: plan.ReportView) -> ReportOut:
    evidence = [
        EvidenceOut(id=e.id, filename=e.filename, media_type=e.media_type, size=e.size, sha256=e.sha256, url=f"/plan/evidence/{e.id}")
        for e in r.evidence
    ]
    report = r.report
    return ReportOut(
        id=report.id, body=report.body, percent=report.percent, submitted_by=report.submitted_by_label,
        submitted_at=report.submitted_at, evidence=evidence,
    )  # fmt: skip


def _detail(db: DB, actor: CurrentActor, instance_id: uuid.UUID) -> InstanceDetailOut:
    detail = plan.get_instance(db, actor=actor, instance_id=instance_id)
    reports = [_report_out(r) for r in detail.reports]
    return InstanceDetailOut(**instance_out(detail.row).model_dump(), reports=reports)


@router.get("/plan/instances/{instance_id}", response_model=InstanceDetailOut, summary="Một nhiệm vụ của kỳ và các báo cáo")
def get_instance(db: DB, actor: CurrentActor, instance_id: uuid.UUID) -> InstanceDetailOut:
    return _detail(db, actor, instance_id)


@router.post(
    "/plan/instances/{instance_id}/reports", response_model=InstanceDetailOut, status_code=201, summary="Báo cáo tiến độ kèm minh chứng"
)
def submit_report(
    db: DB, actor: CurrentActor, instance_id: uuid.UUID, body: Annotated[str, Form()], percent: Annotated[str, Form()],
    file: Annotated[list[UploadFile] | None, File()] = None,
) -> InstanceDetailOut:  # fmt: skip
    data = parse(ProgressIn, {"body": body, "percent": percent})
    uploads = [Upload(u.filename, u.file) for u in (file or []) if u.filename]
    plan.submit_report(db, actor=actor, instance_id=instance_id, data=data, uploads=uploads)
    return _detail(db, actor, instance_id)


@router.get("/plan/dashboard", response_model=DashboardOut, summary="Bảng theo dõi thực hiện Kế hoạch")
def dashboard(db: DB, actor: CurrentActor, year: Annotated[int | None, Query(ge=2000, le=2099)] = None) -> DashboardOut:
    board = plan_dashboard.dashboard(db, actor=actor, year=year or plan.today().year)
    return DashboardOut(
        year=board.year, total=group_out(board.total), by_unit=[group_out(g) for g in board.by_unit],
        by_part=[group_out(g) for g in board.by_part], by_task=[group_out(g) for g in board.by_task],
        by_period=[group_out(g) for g in board.by_period],
    )  # fmt: skip


@router.post("/plan/generate", response_model=GeneratedOut, summary="Giao nhiệm vụ của năm")
def generate(db: DB, actor: CurrentActor, year: Year) -> GeneratedOut:
    return GeneratedOut(year=year, created=plan.generate_for_year(db, actor=actor, year=year))
