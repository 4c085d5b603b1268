"""The yearly inspection: figures measured from the quality history, the report's workflow and who
may do what and the overdue flags (on SQLite and PostgreSQL; the reminders: tests/governance)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.web.conftest import client

from ketnoi.audit.models import AuditEvent
from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.authz import PUBLIC, Actor
from ketnoi.catalog.models import Dataset
from ketnoi.demo.loader import load_demo
from ketnoi.identity import actor_for
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, Unauthenticated
from ketnoi.notify.models import Notification
from ketnoi.org.models import Organization
from ketnoi.quality import demo_inspection, inspection, inspection_report, plans
from ketnoi.quality import inspection_figures as figures
from ketnoi.quality.inspection_models import (
    CampaignIn,
    CampaignSettingsIn,
    CampaignStatus,
    InspectionCampaign,
    NarrativeIn,
    ReportStatus,
    ReviewIn,
    UnitReport,
)
from ketnoi.quality.models import Incident, IncidentSource, IncidentStatus, Outcome, QualityResult, QualityRun, RunStatus

__all__ = ["client"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2025
CRITICAL_RULE = "Email không được để trống"
NARRATIVE = NarrativeIn(
    assessment="Dữ liệu nhãn hiệu cơ bản đầy đủ, chính xác; một số bản ghi thiếu thư điện tử.",
    shortcomings="Bộ dữ liệu bằng độc quyền sáng chế thiếu thư điện tử ở 3% bản ghi.",
    causes="Dữ liệu cũ nhập từ hồ sơ giấy.",
    proposals="Bổ sung thư điện tử khi cấp lại văn bằng; chuẩn hóa danh mục tỉnh.",
    signer_name="Nguyễn Văn Bình",
    signer_title="CỤC TRƯỞNG",
)


@dataclass
class World:
    ministry: Organization
    unit_a: Organization  # with a sub-unit: its report covers both
    sub: Organization
    unit_b: Organization
    unit_c: Organization  # owns no data: no report
    d1: Dataset
    d2: Dataset
    d3: Dataset  # the sub-unit's
    d4: Dataset  # unit B's, never measured
    admin: Actor
    steward_a: Actor
    steward_b: Actor
    leader: Actor


def vn(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN)


def add_run(
    db: Session, dataset: Dataset, at: datetime, score: float | None, covered: int = 4, failed_critical: tuple[str, ...] = (),
    status: str = RunStatus.DONE,
) -> QualityRun:  # fmt: skip
    run = QualityRun(
        id=uuid.uuid4(),
        dataset_id=dataset.id,
        trigger="schedule",
        status=status,
        started_at=at,
        finished_at=at,
        score=score,
        capped=bool(failed_critical),
        covered=["completeness", "validity", "uniqueness", "consistency", "timeliness", "accuracy", "metadata"][:covered],
        dimension_scores={},
    )
    db.add(run)
    db.flush()
    for name in failed_critical:
        db.add(
            QualityResult(
                run_id=run.id,
                rule_name=name,
                kind="not_null",
                dimension="completeness",
                severity="critical",
                target=0.99,
                outcome=Outcome.FAILED,
                evaluated=100,
                failed=3,
            )
        )
    db.flush()
    return run


def add_incident(db: Session, dataset: Dataset, created: datetime, status: str, resolved: datetime | None = None) -> None:
    db.add(
        Incident(
            dataset_id=dataset.id, source=IncidentSource.STAFF, status=status, title="Sai mã tỉnh", created_at=created, resolved_at=resolved
        )
    )
    db.flush()


def build_world(db: Session) -> World:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    unit_a = f.unit(db, "Cục Sở hữu trí tuệ", parent=ministry)
    sub = f.unit(db, "Trung tâm Thông tin sở hữu trí tuệ", parent=unit_a)
    unit_b = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia", parent=ministry)
    unit_c = f.unit(db, "Vụ Pháp chế", parent=ministry)
    shared = f.database(db, unit_a, "Cơ sở dữ liệu sở hữu công nghiệp", db_class="ministry_shared")  # weight 2
    national = f.database(db, sub, "Cơ sở dữ liệu quốc gia về sáng chế", db_class="national")  # weight 3
    internal = f.database(db, unit_b, "Cơ sở dữ liệu nhiệm vụ", db_class="internal")  # weight 1
    world = World(
        ministry=ministry,
        unit_a=unit_a,
        sub=sub,
        unit_b=unit_b,
        unit_c=unit_c,
        d1=f.dataset(db, shared, "Đơn đăng ký nhãn hiệu").dataset,
        d2=f.dataset(db, shared, "Bằng độc quyền sáng chế").dataset,
        d3=f.dataset(db, national, "Tra cứu sáng chế").dataset,
        d4=f.dataset(db, internal, "Nhiệm vụ khoa học và công nghệ").dataset,
        admin=actor_for(db, f.user(db, "admin", username="quantri")),
        steward_a=actor_for(db, f.user(db, "steward", unit_a, username="canbo")),
        steward_b=actor_for(db, f.user(db, "steward", unit_b, username="canbokhac")),
        leader=actor_for(db, f.user(db, "leader", ministry, username="lanhdao")),
    )
    return world


def measure_history(db: Session, w: World) -> None:
    """d1: 6 months (January's last run counts, a run on 1 January 03:00 in Vietnam is January's),
    last year's year-end 70; d2: 2 months, a critical rule failed in its last run; d3: one run."""
    add_run(db, w.d1, vn(2024, 12, 20), 70)  # last year's year-end
    add_run(db, w.d1, datetime(2024, 12, 31, 20, tzinfo=UTC), 50)  # 1 January 2025, 03:00 in Vietnam
    add_run(db, w.d1, vn(2025, 1, 20), 90)  # January's last run
    for month in (2, 3, 4, 5, 6):
        add_run(db, w.d1, vn(2025, month, 10), 80)
    add_run(db, w.d1, vn(2025, 7, 1), None)  # nothing measured: not evidence
    add_run(db, w.d1, vn(2025, 8, 1), 10, status=RunStatus.FAILED)  # a stopped run: not evidence
    add_run(db, w.d1, datetime(2025, 12, 31, 18, tzinfo=UTC), 10)  # 1 January 2026 in Vietnam: next year's
    add_run(db, w.d2, vn(2025, 3, 5), 90, covered=3)
    add_run(db, w.d2, vn(2025, 10, 5), 60, covered=3, failed_critical=(CRITICAL_RULE,))
    add_run(db, w.d3, vn(2025, 11, 5), 96, covered=5)
    add_incident(db, w.d2, vn(2025, 3, 1), IncidentStatus.RESOLVED, vn(2025, 4, 1))
    add_incident(db, w.d2, vn(2024, 11, 1), IncidentStatus.RESOLVED, vn(2025, 2, 1))
    add_incident(db, w.d2, vn(2025, 10, 2), IncidentStatus.OPEN)
    add_incident(db, w.d2, vn(2025, 5, 2), IncidentStatus.DISMISSED, vn(2025, 5, 3))


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    measure_history(db, w)
    db.commit()
    return w


def open_year(db: Session, w: World, year: int = YEAR, actor: Actor | None = None, **fields: object) -> None:
    inspection.open_campaign(db, actor=actor or w.admin, data=CampaignIn.model_validate({"year": year, **fields}))


# ---- figures -------------------------------------------------------------------------------------


def test_unit_figures_follow_the_score_rules_over_the_unit_and_its_sub_units(db: Session, world: World) -> None:
    measured = figures.measure_unit(db, world.unit_a.id, YEAR)
    rows = {d.name: d for d in measured.datasets}
    assert set(rows) == {"Đơn đăng ký nhãn hiệu", "Bằng độc quyền sáng chế", "Tra cứu sáng chế"}
    d1, d2, d3 = rows["Đơn đăng ký nhãn hiệu"], rows["Bằng độc quyền sáng chế"], rows["Tra cứu sáng chế"]
    # the last run of each month, averaged: (90 + 5 × 80) / 6
    assert (d1.score, d1.yearly, d1.months, d1.previous, d1.weight) == (80.0, 81.7, 6, 70.0, 2)
    # fewer than 6 months: insufficient evidence
    assert (d2.score, d2.yearly, d2.months, d2.failed_critical, d2.capped) == (60.0, None, 2, [CRITICAL_RULE], True)
    assert figures.fmt_yearly(d2) == "Chưa đủ dữ liệu (2/12 tháng)"
    assert (d2.incidents_opened, d2.incidents_resolved) == (3, 2)  # the dismissed one is no correction
    assert (d3.score, d3.weight, d3.band, d3.owner, d3.coverage) == (96.0, 3, "A", "Trung tâm Thông tin sở hữu trí tuệ", "5/7")
    s = measured.summary
    assert s.score == round((2 * 80 + 2 * 60 + 3 * 96) / 7, 1) == 81.1
    assert (s.median, s.bands, s.measured, s.unmeasured) == (80.0, {"A": 1, "B": 0, "C": 1, "D": 1}, 3, 0)
    assert (s.previous, s.change, s.coverage) == (70.0, 11.1, round(12 / 21, 3))
    assert (s.incidents_opened, s.incidents_resolved, s.failed_critical, s.sufficient) == (3, 2, 1, 1)


def test_a_year_without_evidence_has_no_score_and_no_change(db: Session, world: World) -> None:
    b = figures.measure_unit(db, world.unit_b.id, YEAR).summary
    assert (b.score, b.datasets, b.unmeasured, b.change, b.median) == (None, 1, 1, None, None)
    before = figures.measure_unit(db, world.unit_a.id, 2024).summary
    assert (before.score, before.previous, before.change) == (70.0, None, None)  # 2023 has no evidence


def test_the_reporting_units_are_those_under_the_ministry_that_own_data(db: Session, world: World) -> None:
    assert set(figures.reporting_units(db)) == {world.unit_a.id, world.unit_b.id}
    assert set(figures.covered_units(db, world.unit_a.id)) == {world.unit_a.id, world.sub.id}


# ---- the workflow ----------------------------------------------------------------------------------


def test_opening_a_year_makes_a_prefilled_draft_for_each_unit_with_data(db: Session, world: World) -> None:
    open_year(db, world)
    campaign = inspection.get_campaign(db, actor=world.leader, year=YEAR)
    assert (campaign.unit_due, campaign.ministry_due, campaign.status) == (date(2025, 12, 25), date(2025, 12, 31), CampaignStatus.OPEN)
    assert "Điều 16" in campaign.legal_basis and "I.6" in campaign.legal_basis and "II.4" in campaign.legal_basis
    reports = {r.unit_id: r for r in db.scalars(select(UnitReport))}
    assert set(reports) == {world.unit_a.id, world.unit_b.id}
    assert all(r.status == ReportStatus.DRAFT for r in reports.values())
    snapshot = figures.UnitFigures.from_json(reports[world.unit_a.id].figures, YEAR)
    assert snapshot.summary.score == 81.1 and len(snapshot.datasets) == 3
    with pytest.raises(Conflict) as again:
        open_year(db, world)
    assert "year" in again.value.fields
    audit = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "quality_inspection")).all()
    assert [(e.action, e.changes["reports"]) for e in audit] == [("create", [None, 2])]


def test_only_the_administrator_opens_and_edits_a_campaign(db: Session, world: World) -> None:
    for who in (world.steward_a, world.leader):
        with pytest.raises(Forbidden):
            open_year(db, world, actor=who)
    with pytest.raises(Unauthenticated):
        inspection.list_campaigns(db, actor=PUBLIC)
    open_year(db, world)
    settings = CampaignSettingsIn(
        title="Kiểm tra năm 2025", unit_due=date(2025, 12, 20), ministry_due=date(2025, 12, 30), legal_basis="QĐ 1"
    )
    with pytest.raises(Forbidden):
        inspection.update_settings(db, actor=world.steward_a, year=YEAR, data=settings)
    late = settings.model_copy(update={"unit_due": date(2026, 1, 5)})
    with pytest.raises(Invalid) as refused:
        inspection.update_settings(db, actor=world.admin, year=YEAR, data=late)
    assert "unit_due" in refused.value.fields
    campaign = inspection.update_settings(db, actor=world.admin, year=YEAR, data=settings)
    assert (campaign.unit_due, campaign.legal_basis) == (date(2025, 12, 20), "QĐ 1")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.entity_type == "quality_inspection")).one()
    assert event.changes["unit_due"] == ["2025-12-25", "2025-12-20"]


def test_a_steward_edits_and_submits_only_their_units_report_and_a_leader_reads(db: Session, world: World) -> None:
    open_year(db, world)
    with pytest.raises(Forbidden):
        inspection.update_narrative(db, actor=world.steward_b, year=YEAR, unit_id=world.unit_a.id, data=NARRATIVE)
    with pytest.raises(Forbidden):
        inspection.update_narrative(db, actor=world.leader, year=YEAR, unit_id=world.unit_a.id, data=NARRATIVE)
    inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id, data=NARRATIVE)
    with pytest.raises(Forbidden):
        inspection.submit_report(db, actor=world.leader, year=YEAR, unit_id=world.unit_a.id)
    with pytest.raises(Forbidden):
        inspection.submit_report(db, actor=world.steward_b, year=YEAR, unit_id=world.unit_a.id)
    report = inspection.submit_report(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by_id == world.steward_a.user_id
    _, read = inspection.get_report(db, actor=world.leader, year=YEAR, unit_id=world.unit_a.id)
    assert read.assessment == NARRATIVE.assessment
    told = db.scalars(select(Notification).where(Notification.user_id == world.admin.user_id)).all()
    assert [n.link for n in told] == [f"/quality/inspections/{YEAR}/units/{world.unit_a.id}"]


def test_submitting_an_empty_narrative_is_refused_field_by_field(db: Session, world: World) -> None:
    open_year(db, world)
    inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id, data=NarrativeIn(causes="Chưa rõ."))
    with pytest.raises(Invalid) as refused:
        inspection.submit_report(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id)
    assert set(refused.value.fields) == {"assessment", "shortcomings", "proposals"}
    _, report = inspection.get_report(db, actor=world.admin, year=YEAR, unit_id=world.unit_a.id)
    assert report.status == ReportStatus.DRAFT


def test_submitted_figures_are_frozen_returned_reports_are_corrected_and_accepted(db: Session, world: World) -> None:
    open_year(db, world)
    unit = world.unit_a.id
    inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=unit, data=NARRATIVE)
    inspection.submit_report(db, actor=world.steward_a, year=YEAR, unit_id=unit)
    add_run(db, world.d2, vn(2025, 11, 20), 100)  # measured again after the submission
    with pytest.raises(Conflict):
        inspection.refresh_report(db, actor=world.steward_a, year=YEAR, unit_id=unit)
    with pytest.raises(Conflict):
        inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=unit, data=NARRATIVE)
    view = inspection.campaign_view(db, actor=world.leader, year=YEAR)
    assert {r.unit_name: r.summary.score for r in view.rows}["Cục Sở hữu trí tuệ"] == 81.1  # the snapshot, not today's figures
    with pytest.raises(Forbidden):
        inspection.review_report(db, actor=world.steward_a, year=YEAR, unit_id=unit, data=ReviewIn(decision="accept"))
    with pytest.raises(Invalid) as refused:
        inspection.review_report(db, actor=world.admin, year=YEAR, unit_id=unit, data=ReviewIn(decision="return"))
    assert "note" in refused.value.fields
    note = "Bổ sung đánh giá bộ dữ liệu sáng chế."
    returned = inspection.review_report(db, actor=world.admin, year=YEAR, unit_id=unit, data=ReviewIn(decision="return", note=note))
    assert (returned.status, returned.review_note) == (ReportStatus.RETURNED, note)
    told = db.scalars(select(Notification).where(Notification.user_id == world.steward_a.user_id)).all()
    assert len(told) == 1 and note in told[0].body
    refreshed = inspection.refresh_report(db, actor=world.steward_a, year=YEAR, unit_id=unit)
    assert figures.UnitFigures.from_json(refreshed.figures, YEAR).summary.score == round((2 * 80 + 2 * 100 + 3 * 96) / 7, 1)
    inspection.submit_report(db, actor=world.steward_a, year=YEAR, unit_id=unit)
    accepted = inspection.review_report(db, actor=world.admin, year=YEAR, unit_id=unit, data=ReviewIn(decision="accept"))
    assert accepted.status == ReportStatus.ACCEPTED
    with pytest.raises(Conflict):
        inspection.review_report(db, actor=world.admin, year=YEAR, unit_id=unit, data=ReviewIn(decision="accept"))
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "quality_unit_report").order_by(AuditEvent.at)).all()
    assert list(actions) == ["update", "submit", "return", "refresh", "submit", "accept"]


def test_a_closed_campaign_cannot_change_and_can_be_reopened(db: Session, world: World) -> None:
    open_year(db, world)
    with pytest.raises(Forbidden):
        inspection.set_status(db, actor=world.steward_a, year=YEAR, status=CampaignStatus.CLOSED)
    closed = inspection.set_status(db, actor=world.admin, year=YEAR, status=CampaignStatus.CLOSED)
    assert closed.closed_at is not None and closed.closed_by_id == world.admin.user_id
    with pytest.raises(Conflict):
        inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id, data=NARRATIVE)
    with pytest.raises(Conflict):
        inspection.refresh_campaign(db, actor=world.admin, year=YEAR)
    inspection.set_status(db, actor=world.admin, year=YEAR, status=CampaignStatus.OPEN)
    inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id, data=NARRATIVE)


def test_refreshing_the_campaign_adds_new_units_and_measures_drafts_again(db: Session, world: World) -> None:
    open_year(db, world)
    database = f.database(db, world.unit_c, "Cơ sở dữ liệu văn bản", db_class="internal")
    f.dataset(db, database, "Văn bản quy phạm pháp luật")
    add_run(db, world.d4, vn(2025, 6, 1), 75)
    assert inspection.refresh_campaign(db, actor=world.admin, year=YEAR) == 3  # one added, two refreshed
    view = inspection.campaign_view(db, actor=world.admin, year=YEAR)
    assert {r.unit_name: r.summary.score for r in view.rows} == {
        "Cục Sở hữu trí tuệ": 81.1,
        "Cục Thông tin khoa học và công nghệ quốc gia": 75.0,
        "Vụ Pháp chế": None,
    }


def test_overdue_and_late_flags_follow_the_due_dates(db: Session, world: World) -> None:
    open_year(db, world)
    inspection.update_narrative(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id, data=NARRATIVE)
    inspection.submit_report(db, actor=world.steward_a, year=YEAR, unit_id=world.unit_a.id)  # today: after 25/12/2025
    before = inspection.campaign_view(db, actor=world.admin, year=YEAR, now=vn(2025, 12, 25, 23))
    after = inspection.campaign_view(db, actor=world.admin, year=YEAR, now=vn(2025, 12, 26, 0))
    flags = {r.unit_name: (r.overdue, r.late) for r in after.rows}
    assert flags == {"Cục Sở hữu trí tuệ": (False, True), "Cục Thông tin khoa học và công nghệ quốc gia": (True, False)}
    assert [r.overdue for r in before.rows] == [False, False] and before.overdue_reports == 0
    assert not after.overdue and inspection.campaign_view(db, actor=world.admin, year=YEAR, now=vn(2026, 1, 1)).overdue


def test_the_ministry_totals_add_up_the_units_snapshots(db: Session, world: World) -> None:
    open_year(db, world)
    total = inspection.campaign_view(db, actor=world.leader, year=YEAR).ministry.summary
    assert (total.datasets, total.measured, total.unmeasured) == (4, 3, 1)
    assert (total.score, total.median, total.previous, total.change) == (81.1, 80.0, 70.0, 11.1)
    assert total.bands == {"A": 1, "B": 0, "C": 1, "D": 1}


# ---- the JSON API ----------------------------------------------------------------------------------


def _bearer(db: Session, actor: Actor) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor, name="kiểm tra")
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_runs_the_whole_workflow_with_the_same_rules(db: Session, world: World, client: TestClient) -> None:
    admin, steward, other, leader = (_bearer(db, a) for a in (world.admin, world.steward_a, world.steward_b, world.leader))
    db.commit()
    assert client.post("/api/v1/quality/inspections", json={"year": YEAR}, headers=steward).status_code == 403
    opened = client.post("/api/v1/quality/inspections", json={"year": YEAR}, headers=admin)
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["unit_due"], body["ministry_due"], body["summary"]["score"]) == ("2025-12-25", "2025-12-31", 81.1)
    assert {r["unit_name"]: r["status"] for r in body["reports"]} == {
        "Cục Sở hữu trí tuệ": "draft",
        "Cục Thông tin khoa học và công nghệ quốc gia": "draft",
    }
    url = f"/api/v1/quality/inspections/{YEAR}/units/{world.unit_a.id}"
    assert client.put(url, json=NARRATIVE.model_dump(exclude_none=True), headers=other).status_code == 403
    empty = client.post(f"{url}/submit", headers=steward)
    assert empty.status_code == 422 and set(empty.json()["error"]["fields"]) == {"assessment", "shortcomings", "proposals"}
    assert client.put(url, json=NARRATIVE.model_dump(exclude_none=True), headers=steward).status_code == 200
    assert client.post(f"{url}/submit", headers=leader).status_code == 403
    submitted = client.post(f"{url}/submit", headers=steward).json()
    assert (submitted["status"], submitted["summary"]["change"], len(submitted["datasets"])) == ("submitted", 11.1, 3)
    assert client.post(f"{url}/review", json={"decision": "return"}, headers=admin).status_code == 422
    accepted = client.post(f"{url}/review", json={"decision": "accept"}, headers=admin).json()
    assert accepted["status"] == "accepted" and accepted["reviewed_at"]
    plan = client.post("/api/v1/quality/plans", json={"unit_id": str(world.unit_a.id), "title": "Kế hoạch 2026"}, headers=steward)
    assert plan.status_code == 201
    plan_url = f"/api/v1/quality/plans/{plan.json()['id']}"
    task = client.post(f"{plan_url}/tasks", json={"title": "Bổ sung thư điện tử", "due_on": "2026-01-31"}, headers=steward).json()
    done = client.put(f"{plan_url}/tasks/{task['tasks'][0]['id']}/status", json={"status": "done"}, headers=steward).json()
    assert done["done"] == 1 and done["tasks"][0]["completed_at"]
    assert client.post(f"{plan_url}/notes", json={"body": "Xong."}, headers=leader).status_code == 403
    docx = client.get(f"/quality/inspections/{YEAR}/report.docx", headers=leader)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


# ---- the demo ------------------------------------------------------------------------------------------


def test_the_demo_campaign_shows_every_state_of_a_report_and_loads_once(db: Session) -> None:
    first = load_demo(db, password="mat-khau-demo-dai")  # the demo loader loads the campaign
    year = inspection.today().year
    assert db.scalar(select(InspectionCampaign.id).where(InspectionCampaign.year == year)) is not None
    created, present = demo_inspection.load_examples(db)
    assert created == 0 and present > 10 and present <= first.quality.created  # counted as when it was created
    admin = actor_for(db, db.scalars(select(User).where(User.username == "admin")).one())
    view = inspection.campaign_view(db, actor=admin, year=year)
    states = {row.unit_name: row.report.status for row in view.rows}
    assert states["Cục Thông tin khoa học và công nghệ quốc gia"] == ReportStatus.ACCEPTED
    assert states["Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia"] == ReportStatus.RETURNED
    assert states["Trung tâm Công nghệ thông tin"] == ReportStatus.SUBMITTED
    assert states["Vụ Kế hoạch - Tài chính"] == ReportStatus.DRAFT
    cuc = next(row for row in view.rows if row.unit_name == "Cục Thông tin khoa học và công nghệ quốc gia")
    assert cuc.summary.measured == 3 and cuc.summary.score is not None  # the three tables the quality demo measured
    listed = plans.for_report(db, actor=admin, unit_id=cuc.report.unit_id, campaign=view.campaign)
    assert [len(p.tasks) for p in listed] == [4] and listed[0].overdue == 1 and listed[0].done == 1
    document = inspection_report.ministry_document(db, actor=admin, year=year)
    assert inspection_report.ministry_docx(document)[:2] == b"PK" and inspection_report.ministry_xlsx(document)[:2] == b"PK"
