"""JSON API of the yearly quality inspection and the improvement plans (the same services as the pages).

The documents are the pages' downloads: `GET /quality/inspections/{year}/report.docx` (and `.xlsx`,
and `/units/{unit_id}/report.docx`) answer a bearer token as well as a browser's session.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict

from ketnoi.quality import inspection, inspection_report, plans
from ketnoi.quality.inspection import ReportRow
from ketnoi.quality.inspection_figures import Summary
from ketnoi.quality.inspection_models import (
    CampaignIn,
    CampaignSettingsIn,
    CampaignStatus,
    InspectionCampaign,
    MinistryNarrativeIn,
    NarrativeIn,
    NoteIn,
    PlanIn,
    PlanPatch,
    ReviewIn,
    TaskIn,
    TaskStatusIn,
)
from ketnoi.quality.plans import PlanView
from ketnoi.web.deps import DB, CurrentActor

Year = Annotated[int, Path(ge=2000, le=2100)]  # a campaign's year (an unbounded integer overflowed the database)
router = APIRouter(tags=["quality"])


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: Year
    title: str
    unit_due: date
    ministry_due: date
    legal_basis: str
    status: str
    assessment: str
    shortcomings: str
    causes: str
    proposals: str
    doc_number: str | None
    doc_symbol: str | None
    signer_name: str | None
    signer_title: str | None
    created_at: datetime
    closed_at: datetime | None


class SummaryOut(BaseModel):
    datasets: int
    measured: int
    unmeasured: int
    score: float | None
    previous: float | None
    change: float | None
    median: float | None
    coverage: float | None
    bands: dict[str, int]
    failed_critical: int
    sufficient: int
    incidents_opened: int
    incidents_resolved: int


def summary_out(s: Summary) -> SummaryOut:
    return SummaryOut(
        datasets=s.datasets,
        measured=s.measured,
        unmeasured=s.unmeasured,
        score=s.score,
        previous=s.previous,
        change=s.change,
        median=s.median,
        coverage=s.coverage,
        bands=s.bands,
        failed_critical=s.failed_critical,
        sufficient=s.sufficient,
        incidents_opened=s.incidents_opened,
        incidents_resolved=s.incidents_resolved,
    )


class DatasetFiguresOut(BaseModel):
    id: uuid.UUID
    name: str
    database: str
    owner: str
    weight: int
    score: float | None
    measured_at: datetime | None
    covered: int
    capped: bool
    failed_critical: list[str]
    yearly: float | None
    months: int
    incidents_opened: int
    incidents_resolved: int
    previous: float | None
    band: str | None


class ReportRowOut(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    status: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_note: str | None
    overdue: bool
    late: bool
    summary: SummaryOut


class ReportOut(ReportRowOut):
    year: Year
    assessment: str
    shortcomings: str
    causes: str
    proposals: str
    doc_number: str | None
    signer_name: str | None
    signer_title: str | None
    figures_at: datetime | None
    datasets: list[DatasetFiguresOut]


class CampaignDetailOut(CampaignOut):
    overdue: bool
    reports: list[ReportRowOut]
    summary: SummaryOut


def _row(row: ReportRow) -> dict[str, object]:
    r = row.report
    return {
        "unit_id": r.unit_id,
        "unit_name": row.unit_name,
        "status": r.status,
        "submitted_at": r.submitted_at,
        "reviewed_at": r.reviewed_at,
        "review_note": r.review_note,
        "overdue": row.overdue,
        "late": row.late,
        "summary": summary_out(row.summary),
    }


def _report_out(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> ReportOut:
    document = inspection_report.unit_document(db, actor=actor, year=year, unit_id=unit_id)
    r = document.report
    narrative = {name: getattr(r, name) for name in inspection.REPORT_FIELDS}
    datasets = [DatasetFiguresOut.model_validate(d, from_attributes=True) for d in document.figures.datasets]
    return ReportOut.model_validate({**_row(document.row), **narrative, "year": year, "figures_at": r.figures_at, "datasets": datasets})


def _campaign_out(db: DB, actor: CurrentActor, year: Year) -> CampaignDetailOut:
    view = inspection.campaign_view(db, actor=actor, year=year)
    base = CampaignOut.model_validate(view.campaign).model_dump()
    rows = [ReportRowOut.model_validate(_row(row)) for row in view.rows]
    return CampaignDetailOut.model_validate(
        {**base, "overdue": view.overdue, "reports": rows, "summary": summary_out(view.ministry.summary)}
    )


@router.get("/quality/inspections", response_model=list[CampaignOut], summary="Các đợt kiểm tra chất lượng dữ liệu hằng năm")
def list_campaigns(db: DB, actor: CurrentActor) -> list[CampaignOut]:
    return [CampaignOut.model_validate(c) for c in inspection.list_campaigns(db, actor=actor)]


@router.post("/quality/inspections", response_model=CampaignDetailOut, status_code=201, summary="Mở đợt kiểm tra của một năm")
def open_campaign(db: DB, actor: CurrentActor, data: CampaignIn) -> CampaignDetailOut:
    campaign = inspection.open_campaign(db, actor=actor, data=data)
    return _campaign_out(db, actor, campaign.year)


@router.get("/quality/inspections/{year}", response_model=CampaignDetailOut, summary="Đợt kiểm tra: báo cáo các đơn vị, số liệu tổng hợp")
def get_campaign(db: DB, actor: CurrentActor, year: Year) -> CampaignDetailOut:
    return _campaign_out(db, actor, year)


@router.put("/quality/inspections/{year}/settings", response_model=CampaignOut, summary="Sửa thời hạn và căn cứ pháp lý")
def update_settings(db: DB, actor: CurrentActor, year: Year, data: CampaignSettingsIn) -> InspectionCampaign:
    return inspection.update_settings(db, actor=actor, year=year, data=data)


@router.put("/quality/inspections/{year}/report", response_model=CampaignOut, summary="Sửa nội dung báo cáo của Bộ")
def update_ministry_report(db: DB, actor: CurrentActor, year: Year, data: MinistryNarrativeIn) -> InspectionCampaign:
    return inspection.update_ministry_report(db, actor=actor, year=year, data=data)


@router.post("/quality/inspections/{year}/refresh", response_model=CampaignDetailOut, summary="Cập nhật số liệu các báo cáo chưa nộp")
def refresh_campaign(db: DB, actor: CurrentActor, year: Year) -> CampaignDetailOut:
    inspection.refresh_campaign(db, actor=actor, year=year)
    return _campaign_out(db, actor, year)


@router.post("/quality/inspections/{year}/close", response_model=CampaignOut, summary="Kết thúc đợt kiểm tra")
def close_campaign(db: DB, actor: CurrentActor, year: Year) -> InspectionCampaign:
    return inspection.set_status(db, actor=actor, year=year, status=CampaignStatus.CLOSED)


@router.post("/quality/inspections/{year}/reopen", response_model=CampaignOut, summary="Mở lại đợt kiểm tra")
def reopen_campaign(db: DB, actor: CurrentActor, year: Year) -> InspectionCampaign:
    return inspection.set_status(db, actor=actor, year=year, status=CampaignStatus.OPEN)


@router.get("/quality/inspections/{year}/units/{unit_id}", response_model=ReportOut, summary="Báo cáo của một đơn vị")
def get_report(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> ReportOut:
    return _report_out(db, actor, year, unit_id)


@router.put("/quality/inspections/{year}/units/{unit_id}", response_model=ReportOut, summary="Sửa nội dung báo cáo của đơn vị")
def update_report(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID, data: NarrativeIn) -> ReportOut:
    inspection.update_narrative(db, actor=actor, year=year, unit_id=unit_id, data=data)
    return _report_out(db, actor, year, unit_id)


@router.post("/quality/inspections/{year}/units/{unit_id}/refresh", response_model=ReportOut, summary="Đo lại số liệu của báo cáo nháp")
def refresh_report(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> ReportOut:
    inspection.refresh_report(db, actor=actor, year=year, unit_id=unit_id)
    return _report_out(db, actor, year, unit_id)


@router.post("/quality/inspections/{year}/units/{unit_id}/submit", response_model=ReportOut, summary="Nộp báo cáo của đơn vị")
def submit_report(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID) -> ReportOut:
    inspection.submit_report(db, actor=actor, year=year, unit_id=unit_id)
    return _report_out(db, actor, year, unit_id)


@router.post("/quality/inspections/{year}/units/{unit_id}/review", response_model=ReportOut, summary="Tiếp nhận hoặc trả lại báo cáo")
def review_report(db: DB, actor: CurrentActor, year: Year, unit_id: uuid.UUID, data: ReviewIn) -> ReportOut:
    inspection.review_report(db, actor=actor, year=year, unit_id=unit_id, data=data)
    return _report_out(db, actor, year, unit_id)


# ---- improvement plans ---------------------------------------------------------------------------------


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    dataset_id: uuid.UUID | None
    dataset_name: str | None = None
    responsible: str
    due_on: date | None
    status: str
    completed_at: datetime | None
    overdue: bool = False


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task_id: uuid.UUID | None
    noted_on: date
    body: str
    author_label: str
    created_at: datetime


class PlanOut(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    campaign_year: int | None
    title: str
    objective: str
    created_at: datetime
    done: int
    overdue: int
    tasks: list[TaskOut]
    notes: list[NoteOut]


def _plan_out(view: PlanView) -> PlanOut:
    tasks = [
        TaskOut.model_validate(row.task).model_copy(update={"dataset_name": row.dataset_name, "overdue": row.overdue}) for row in view.tasks
    ]
    return PlanOut(
        id=view.plan.id,
        unit_id=view.plan.unit_id,
        unit_name=view.unit_name,
        campaign_year=view.campaign_year,
        title=view.plan.title,
        objective=view.plan.objective,
        created_at=view.plan.created_at,
        done=view.done,
        overdue=view.overdue,
        tasks=tasks,
        notes=[NoteOut.model_validate(n) for n in view.notes],
    )


@router.get("/quality/plans", response_model=list[PlanOut], summary="Kế hoạch hoàn thiện, nâng cấp dữ liệu")
def list_plans(db: DB, actor: CurrentActor, unit_id: uuid.UUID | None = None) -> list[PlanOut]:
    return [_plan_out(v) for v in plans.list_plans(db, actor=actor, unit_id=unit_id)]


@router.post("/quality/plans", response_model=PlanOut, status_code=201, summary="Lập kế hoạch cho một đơn vị")
def create_plan(db: DB, actor: CurrentActor, data: PlanIn) -> PlanOut:
    plan = plans.create_plan(db, actor=actor, data=data)
    return _plan_out(plans.plan_view(db, actor=actor, plan_id=plan.id))


@router.get("/quality/plans/{plan_id}", response_model=PlanOut, summary="Một kế hoạch: nhiệm vụ, theo dõi")
def get_plan(db: DB, actor: CurrentActor, plan_id: uuid.UUID) -> PlanOut:
    return _plan_out(plans.plan_view(db, actor=actor, plan_id=plan_id))


@router.put("/quality/plans/{plan_id}", response_model=PlanOut, summary="Sửa kế hoạch")
def update_plan(db: DB, actor: CurrentActor, plan_id: uuid.UUID, data: PlanPatch) -> PlanOut:
    plans.update_plan(db, actor=actor, plan_id=plan_id, data=data)
    return _plan_out(plans.plan_view(db, actor=actor, plan_id=plan_id))


@router.post("/quality/plans/{plan_id}/tasks", response_model=PlanOut, status_code=201, summary="Thêm nhiệm vụ")
def add_task(db: DB, actor: CurrentActor, plan_id: uuid.UUID, data: TaskIn) -> PlanOut:
    plans.add_task(db, actor=actor, plan_id=plan_id, data=data)
    return _plan_out(plans.plan_view(db, actor=actor, plan_id=plan_id))


@router.put("/quality/plans/{plan_id}/tasks/{task_id}/status", response_model=PlanOut, summary="Đổi trạng thái nhiệm vụ")
def set_task_status(db: DB, actor: CurrentActor, plan_id: uuid.UUID, task_id: uuid.UUID, data: TaskStatusIn) -> PlanOut:
    plans.set_task_status(db, actor=actor, plan_id=plan_id, task_id=task_id, status=data.status)
    return _plan_out(plans.plan_view(db, actor=actor, plan_id=plan_id))


@router.post("/quality/plans/{plan_id}/notes", response_model=PlanOut, status_code=201, summary="Ghi nhận theo dõi thực hiện")
def add_note(db: DB, actor: CurrentActor, plan_id: uuid.UUID, data: NoteIn) -> PlanOut:
    plans.add_note(db, actor=actor, plan_id=plan_id, data=data)
    return _plan_out(plans.plan_view(db, actor=actor, plan_id=plan_id))
