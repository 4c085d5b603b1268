"""The yearly quality inspection: campaigns, the units' reports and their review (reminders: governance.reminders).

Who does what: the administrator (the IT Center) opens, edits and closes a year's campaign, reviews
the units' reports and writes the ministry's report; a unit's steward (authz: may change the unit's
datasets) refreshes the figures of its draft, writes its narrative and submits it; leaders and all
the ministry's staff read everything. Every change is audited. Dates are plain calendar dates in
Vietnam's time: a report not submitted after its unit due date is overdue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.auth.models import User
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.governance import deadlines
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.vn import fold
from ketnoi.notify.service import notify
from ketnoi.org.models import Organization
from ketnoi.quality import inspection_figures as figures
from ketnoi.quality.inspection_figures import MinistryFigures, Summary, UnitFigures, UnitLine
from ketnoi.quality.inspection_models import (
    EDITABLE_REPORT,
    CampaignIn,
    CampaignSettingsIn,
    CampaignStatus,
    InspectionCampaign,
    MinistryNarrativeIn,
    NarrativeIn,
    ReportStatus,
    ReviewIn,
    UnitReport,
)
from ketnoi.workcal.service import VN

DEFAULT_LEGAL_BASIS = (
    "Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số của cơ quan nhà nước, "
    "Điều 16 (cơ quan quản lý cơ sở dữ liệu kiểm tra, đánh giá chất lượng dữ liệu hằng năm); Kế hoạch của Bộ Khoa học và Công nghệ "
    "thực hiện Nghị định số 47/2020/NĐ-CP, nhiệm vụ I.6 (kế hoạch kiểm tra, đánh giá dữ liệu hằng năm) và II.4 (kiểm tra, đánh giá, "
    "duy trì dữ liệu; quản lý chất lượng dữ liệu: các đơn vị gửi báo cáo trước ngày 25/12, Trung tâm Công nghệ thông tin tổng hợp "
    "Báo cáo của Bộ trước ngày 31/12 hằng năm)."
)
NARRATIVE = ("assessment", "shortcomings", "causes", "proposals")
REQUIRED = {
    "assessment": "Hãy viết phần đánh giá chung trước khi nộp.",
    "shortcomings": "Hãy nêu tồn tại, hạn chế (hoặc ghi «Không có») trước khi nộp.",
    "proposals": "Hãy nêu kiến nghị, đề xuất trước khi nộp.",
}
REPORT_FIELDS = (*NARRATIVE, "doc_number", "signer_name", "signer_title")
SETTINGS_FIELDS = ("title", "unit_due", "ministry_due", "legal_basis")
MINISTRY_FIELDS = (*REPORT_FIELDS, "doc_symbol")


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(VN).date()


def local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(VN).date() if moment else None


# ---- who may ------------------------------------------------------------------------------------


def require_staff(actor: Actor) -> None:
    """The ministry's accounts (administrator, steward, leader) and the platform itself: not the public."""
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để xem kết quả kiểm tra chất lượng dữ liệu.")


def is_admin(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    require_staff(actor)
    if not is_admin(actor):
        raise Forbidden("Chỉ quản trị hệ thống (Trung tâm Công nghệ thông tin) được thực hiện thao tác này.")


def can_edit_unit(actor: Actor, unit_id: uuid.UUID) -> bool:
    """The unit's own stewards (and the administrator): those who may change the unit's datasets."""
    return authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=unit_id)


def require_unit(actor: Actor, unit_id: uuid.UUID) -> None:
    require_staff(actor)
    if not can_edit_unit(actor, unit_id):
        raise Forbidden("Chỉ cán bộ quản lý dữ liệu của đơn vị được sửa và nộp báo cáo của đơn vị.")


# ---- campaigns -----------------------------------------------------------------------------------


def _campaign(session: Session, year: int) -> InspectionCampaign:
    campaign = session.scalar(select(InspectionCampaign).where(InspectionCampaign.year == year))
    if campaign is None:
        raise NotFound("Chưa có đợt kiểm tra chất lượng dữ liệu của năm này.")
    return campaign


def get_campaign(session: Session, *, actor: Actor, year: int) -> InspectionCampaign:
    require_staff(actor)
    return _campaign(session, year)


def list_campaigns(session: Session, *, actor: Actor) -> list[InspectionCampaign]:
    require_staff(actor)
    return list(session.scalars(select(InspectionCampaign).order_by(InspectionCampaign.year.desc())))


def _audit(session: Session, actor: Actor, campaign: InspectionCampaign, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="quality_inspection",
        entity_id=campaign.id,
        entity_label=campaign.title,
        changes=changes,
    )


def _require_open(campaign: InspectionCampaign) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict("Đợt kiểm tra đã kết thúc: không sửa được nữa.")


def _check_dates(unit_due: date, ministry_due: date) -> None:
    if unit_due > ministry_due:
        msg = "Hạn của đơn vị phải trước hoặc cùng ngày với hạn tổng hợp của Bộ."
        raise Invalid(msg, fields={"unit_due": msg})


def open_campaign(session: Session, *, actor: Actor, data: CampaignIn) -> InspectionCampaign:
    """Open a year: a draft report for every unit that owns data, pre-filled with its measured figures."""
    require_admin(actor)
    if session.scalar(select(InspectionCampaign.id).where(InspectionCampaign.year == data.year)) is not None:
        raise Conflict("Đã có đợt kiểm tra năm {year}.", values={"year": data.year}).on_field("year")
    unit_due = data.unit_due or deadlines.due_date(session, "inspection.unit_report", year=data.year)  # rules as data: 25/12
    ministry_due = data.ministry_due or deadlines.due_date(session, "inspection.ministry_report", year=data.year)  # 31/12
    _check_dates(unit_due, ministry_due)
    campaign = InspectionCampaign(
        id=uuid.uuid4(),
        year=data.year,
        title=data.title or f"Kiểm tra, đánh giá chất lượng dữ liệu năm {data.year}",
        unit_due=unit_due,
        ministry_due=ministry_due,
        legal_basis=data.legal_basis or DEFAULT_LEGAL_BASIS,
        status=CampaignStatus.OPEN,
        opened_by_id=actor.user_id,
    )
    session.add(campaign)
    session.flush()
    created = _add_missing_reports(session, campaign)
    state = audit.snapshot(campaign, ("year", *SETTINGS_FIELDS))
    _audit(session, actor, campaign, "create", {**{k: [None, v] for k, v in state.items()}, "reports": [None, created]})
    return campaign


def _add_missing_reports(session: Session, campaign: InspectionCampaign) -> int:
    have = set(session.scalars(select(UnitReport.unit_id).where(UnitReport.campaign_id == campaign.id)))
    bands = figures.current_bands()
    created = 0
    for unit_id in figures.reporting_units(session):
        if unit_id in have:
            continue
        measured = figures.measure_unit(session, unit_id, campaign.year, bands)
        session.add(UnitReport(campaign_id=campaign.id, unit_id=unit_id, figures=measured.to_json(), figures_at=utcnow()))
        created += 1
    session.flush()
    return created


def update_settings(session: Session, *, actor: Actor, year: int, data: CampaignSettingsIn) -> InspectionCampaign:
    """The title, due dates and legal basis (the administrator may change them: rules as data)."""
    require_admin(actor)
    campaign = _campaign(session, year)
    _require_open(campaign)
    _check_dates(data.unit_due, data.ministry_due)
    before = audit.snapshot(campaign, SETTINGS_FIELDS)
    campaign.title, campaign.unit_due, campaign.ministry_due, campaign.legal_basis = (
        data.title,
        data.unit_due,
        data.ministry_due,
        data.legal_basis,
    )
    _audit_change(session, actor, campaign, before, SETTINGS_FIELDS)
    return campaign


def update_ministry_report(session: Session, *, actor: Actor, year: int, data: MinistryNarrativeIn) -> InspectionCampaign:
    require_admin(actor)
    campaign = _campaign(session, year)
    _require_open(campaign)
    before = audit.snapshot(campaign, MINISTRY_FIELDS)
    for name in MINISTRY_FIELDS:
        value = getattr(data, name)
        setattr(campaign, name, (value or "") if name in NARRATIVE else value)
    _audit_change(session, actor, campaign, before, MINISTRY_FIELDS)
    return campaign


def _audit_change(session: Session, actor: Actor, campaign: InspectionCampaign, before: dict[str, object], names: tuple[str, ...]) -> None:
    changes = audit.diff(before, audit.snapshot(campaign, names))
    if changes:
        _audit(session, actor, campaign, "update", changes)
    session.flush()


def set_status(session: Session, *, actor: Actor, year: int, status: CampaignStatus) -> InspectionCampaign:
    """Close the campaign (nothing can change any more) or open it again."""
    require_admin(actor)
    campaign = _campaign(session, year)
    if campaign.status == status:
        raise Conflict("Đợt kiểm tra đã kết thúc." if status == CampaignStatus.CLOSED else "Đợt kiểm tra đang mở.")
    before = campaign.status
    campaign.status = status
    campaign.closed_at, campaign.closed_by_id = (utcnow(), actor.user_id) if status == CampaignStatus.CLOSED else (None, None)
    action = "close" if status == CampaignStatus.CLOSED else "reopen"
    _audit(session, actor, campaign, action, {"status": [before, status.value]})
    session.flush()
    return campaign


def refresh_campaign(session: Session, *, actor: Actor, year: int) -> int:
    """Add the reports of units that own data since the campaign opened and measure again every
    report not yet submitted; how many reports were added or refreshed."""
    require_admin(actor)
    campaign = _campaign(session, year)
    _require_open(campaign)
    drafts = list(session.scalars(select(UnitReport).where(UnitReport.campaign_id == campaign.id, UnitReport.status.in_(EDITABLE_REPORT))))
    added = _add_missing_reports(session, campaign)  # measured as they are made
    refreshed = 0
    bands = figures.current_bands()
    for report in drafts:
        report.figures, report.figures_at = figures.measure_unit(session, report.unit_id, year, bands).to_json(), utcnow()
        refreshed += 1
    _audit(session, actor, campaign, "refresh", {"added": [None, added], "refreshed": [None, refreshed]})
    session.flush()
    return added + refreshed


# ---- a unit's report -----------------------------------------------------------------------------


def _report(session: Session, campaign: InspectionCampaign, unit_id: uuid.UUID) -> UnitReport:
    report = session.scalar(select(UnitReport).where(UnitReport.campaign_id == campaign.id, UnitReport.unit_id == unit_id))
    if report is None:
        raise NotFound("Đơn vị này không có báo cáo trong đợt kiểm tra.")
    return report


def get_report(session: Session, *, actor: Actor, year: int, unit_id: uuid.UUID) -> tuple[InspectionCampaign, UnitReport]:
    require_staff(actor)
    campaign = _campaign(session, year)
    return campaign, _report(session, campaign, unit_id)


def _editable(session: Session, actor: Actor, year: int, unit_id: uuid.UUID) -> tuple[InspectionCampaign, UnitReport]:
    campaign, report = get_report(session, actor=actor, year=year, unit_id=unit_id)
    require_unit(actor, unit_id)
    _require_open(campaign)
    if report.status not in EDITABLE_REPORT:
        raise Conflict("Báo cáo đã nộp: chỉ sửa được khi Trung tâm Công nghệ thông tin trả lại.")
    return campaign, report


def _label(session: Session, report: UnitReport, year: int) -> str:
    unit = session.get(Organization, report.unit_id)
    return f"Báo cáo năm {year}: {unit.name if unit else report.unit_id}"


def _record(session: Session, actor: Actor, report: UnitReport, year: int, action: str, changes: dict[str, Any]) -> None:
    label = _label(session, report, year)
    audit.record(
        session, actor=actor, action=action, entity_type="quality_unit_report", entity_id=report.id, entity_label=label, changes=changes
    )


def refresh_report(session: Session, *, actor: Actor, year: int, unit_id: uuid.UUID) -> UnitReport:
    """Measure the draft's figures again from the quality history as it is now."""
    _, report = _editable(session, actor, year, unit_id)
    before = UnitFigures.from_json(report.figures, year).summary.score
    report.figures, report.figures_at = figures.measure_unit(session, unit_id, year).to_json(), utcnow()
    after = UnitFigures.from_json(report.figures, year).summary.score
    _record(session, actor, report, year, "refresh", {"score": [before, after]})
    session.flush()
    return report


def update_narrative(session: Session, *, actor: Actor, year: int, unit_id: uuid.UUID, data: NarrativeIn) -> UnitReport:
    _, report = _editable(session, actor, year, unit_id)
    before = audit.snapshot(report, REPORT_FIELDS)
    for name in REPORT_FIELDS:
        value = getattr(data, name)
        setattr(report, name, (value or "") if name in NARRATIVE else value)
    changes = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
    if changes:
        _record(session, actor, report, year, "update", changes)
    session.flush()
    return report


def submit_report(session: Session, *, actor: Actor, year: int, unit_id: uuid.UUID) -> UnitReport:
    """Send the report to the IT Center: its figures are frozen from now on."""
    _, report = _editable(session, actor, year, unit_id)
    missing = {name: msg for name, msg in REQUIRED.items() if not (getattr(report, name) or "").strip()}
    if missing:
        raise Invalid("Báo cáo chưa đủ nội dung để nộp.", fields=missing)
    before = report.status
    report.status, report.submitted_at, report.submitted_by_id = ReportStatus.SUBMITTED, utcnow(), actor.user_id
    _record(session, actor, report, year, "submit", {"status": [before, report.status]})
    admins = list(session.scalars(select(User.id).where(User.is_active.is_(True), User.role == Role.ADMIN)))
    if admins:
        notify(
            session,
            actor=actor,
            user_ids=admins,
            subject=f"{_label(session, report, year)} đã được nộp",
            body="Đơn vị đã nộp báo cáo kiểm tra, đánh giá chất lượng dữ liệu; hãy xem xét, tiếp nhận hoặc trả lại kèm ý kiến.",
            link=report_link(year, unit_id),
        )
    session.flush()
    return report


def review_report(session: Session, *, actor: Actor, year: int, unit_id: uuid.UUID, data: ReviewIn) -> UnitReport:
    """Accept a submitted report, or return it to the unit with a note saying what to correct."""
    require_admin(actor)
    campaign, report = get_report(session, actor=actor, year=year, unit_id=unit_id)
    _require_open(campaign)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict("Chỉ xem xét được báo cáo đã nộp.")
    if data.decision == "return" and not data.note:
        msg = "Hãy ghi rõ nội dung đơn vị cần bổ sung, sửa đổi."
        raise Invalid(msg, fields={"note": msg})
    before = report.status
    report.status = ReportStatus.ACCEPTED if data.decision == "accept" else ReportStatus.RETURNED
    report.reviewed_at, report.reviewed_by_id, report.review_note = utcnow(), actor.user_id, data.note
    _record(session, actor, report, year, "accept" if data.decision == "accept" else "return", {"status": [before, report.status]})
    stewards = _stewards(session, unit_id)
    if stewards:
        accepted = report.status == ReportStatus.ACCEPTED
        notify(
            session,
            actor=actor,
            user_ids=stewards,
            subject=f"{_label(session, report, year)} " + ("đã được tiếp nhận" if accepted else "được trả lại để bổ sung"),
            body=("Trung tâm Công nghệ thông tin đã tiếp nhận báo cáo." if accepted else f"Ý kiến: {data.note}"),
            link=report_link(year, unit_id),
        )
    session.flush()
    return report


def _stewards(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(User.id).where(User.is_active.is_(True), User.role == Role.STEWARD, User.unit_id == unit_id)
    return list(session.scalars(query))


def report_link(year: int, unit_id: uuid.UUID) -> str:
    return f"/quality/inspections/{year}/units/{unit_id}"


# ---- what the pages, the API and the documents read ----------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    report: UnitReport
    unit_name: str
    figures: UnitFigures
    overdue: bool  # not submitted after the unit due date
    late: bool  # submitted after the unit due date

    @property
    def summary(self) -> Summary:
        return self.figures.summary


@dataclass(frozen=True)
class CampaignView:
    campaign: InspectionCampaign
    rows: list[ReportRow]
    ministry: MinistryFigures
    today: date

    @property
    def overdue(self) -> bool:
        return self.campaign.status == CampaignStatus.OPEN and self.today > self.campaign.ministry_due

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.report.status == status)

    @property
    def overdue_reports(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


def report_row(campaign: InspectionCampaign, report: UnitReport, unit_name: str, day: date) -> ReportRow:
    submitted = local_date(report.submitted_at)
    return ReportRow(
        report=report,
        unit_name=unit_name,
        figures=UnitFigures.from_json(report.figures, campaign.year),
        overdue=report.status in EDITABLE_REPORT and day > campaign.unit_due,
        late=submitted is not None and submitted > campaign.unit_due,
    )


def campaign_view(session: Session, *, actor: Actor, year: int, now: datetime | None = None) -> CampaignView:
    campaign = get_campaign(session, actor=actor, year=year)
    query = select(UnitReport, Organization.name).join(Organization, Organization.id == UnitReport.unit_id)
    found = session.execute(query.where(UnitReport.campaign_id == campaign.id)).tuples().all()
    day = today(now)
    rows = [report_row(campaign, report, name, day) for report, name in sorted(found, key=lambda r: (fold(r[1]), str(r[0].unit_id)))]
    lines = [UnitLine(row.report.unit_id, row.unit_name, row.report.status, row.figures) for row in rows]
    return CampaignView(campaign, rows, figures.ministry(year, lines), day)
