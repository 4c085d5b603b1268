"""The plan tracker's service: the appendix as data, instances per kind of timing, events, progress
reports and who may send them, evidence files, overdue flags (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi import files
from ketnoi.audit.models import AuditEvent
from ketnoi.authz import PUBLIC, Actor
from ketnoi.catalog import databases
from ketnoi.catalog.models import Database
from ketnoi.catalog.schemas import DatabasePatch
from ketnoi.governance import plan, plan_dashboard, plan_seed
from ketnoi.governance.plan import InstanceFilter, Upload
from ketnoi.governance.plan_models import PlanTask, ProgressEvidence, ProgressIn, ProgressReport, TaskInstance
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Forbidden, Invalid, Unauthenticated
from ketnoi.kit.vn import fold
from ketnoi.org.models import Organization
from ketnoi.sharing.models import SharingService
from tests import factories as f

VN = ZoneInfo("Asia/Ho_Chi_Minh")
APPENDIX = Path(__file__).resolve().parents[3] / "shared" / "docs" / "seed-plan-most-decree47.vi.md"
KINDS = {
    "I.1": "fixed", "I.2": "fixed", "I.3": "fixed", "I.4": "fixed", "I.5": "fixed", "I.6": "yearly", "I.7": "fixed",
    "I.8": "on_event", "I.9": "on_event", "II.1": "fixed", "II.2": "on_event", "II.3": "yearly", "II.4": "yearly", "II.5": "fixed",
    "II.6": "sla", "II.7": "fixed", "II.8": "semiannual", "III.1": "yearly", "III.2": "yearly", "IV.1": "yearly",
}  # fmt: skip


@dataclass
class World:
    ministry: Organization
    ttcntt: Organization
    cuc: Organization
    vpb: Organization
    unit_a: Organization  # owns a database
    unit_b: Organization  # owns a database
    unit_c: Organization  # owns only a retired database
    db_a: Database
    admin: Actor
    steward_a: Actor
    steward_b: Actor
    leader: Actor


@pytest.fixture
def world(db: Session) -> World:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    ttcntt = f.unit(db, "Trung tâm Công nghệ thông tin", ministry, short_name="TTCNTT")
    cuc = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia", ministry)
    vpb = f.unit(db, "Văn phòng Bộ", ministry)
    unit_a, unit_b, unit_c = (f.unit(db, name, ministry) for name in ("Cục Sở hữu trí tuệ", "Ủy ban Tiêu chuẩn", "Vụ Tổ chức cán bộ"))
    db_a = f.database(db, unit_a)
    f.database(db, unit_b)
    f.database(db, unit_c, status="retired")
    plan_seed.load_plan(db)
    return World(
        ministry, ttcntt, cuc, vpb, unit_a, unit_b, unit_c, db_a, f.actor(db, "admin"), f.actor(db, "steward", unit_a),
        f.actor(db, "steward", unit_b), f.actor(db, "leader"),
    )  # fmt: skip


def _task(db: Session, code: str) -> PlanTask:
    task = db.scalar(select(PlanTask).where(PlanTask.code == code))
    assert task is not None
    return task


def _instance(db: Session, code: str, unit: Organization, period_key: str) -> TaskInstance:
    query = select(TaskInstance).join(PlanTask, PlanTask.id == TaskInstance.task_id)
    found = db.scalar(query.where(PlanTask.code == code, TaskInstance.unit_id == unit.id, TaskInstance.period_key == period_key))
    assert found is not None, (code, period_key)
    return found


# ---- the appendix ------------------------------------------------------------------------------------


def test_every_appendix_task_is_loaded_with_its_timing_kind(db: Session, world: World) -> None:
    tasks = {t.code: t for t in db.scalars(select(PlanTask))}
    assert len(tasks) == 20
    assert Counter(t.part for t in tasks.values()) == {"I": 9, "II": 8, "III": 2, "IV": 1}
    assert {code: t.timing_kind for code, t in tasks.items()} == KINDS
    assert Counter(KINDS.values()) == {"fixed": 9, "yearly": 6, "on_event": 3, "sla": 1, "semiannual": 1}
    assert (tasks["I.3"].year_from, tasks["I.3"].year_to) == (2021, 2025)
    assert (tasks["I.1"].year_from, tasks["I.1"].year_to) == (2020, 2020)
    assert tasks["I.8"].event == tasks["I.9"].event == "database_operating"
    assert tasks["II.2"].event == "requested"
    assert (tasks["II.6"].event, tasks["II.6"].sla_working_days) == ("service_ready", 1)
    assert tasks["II.4"].due_month_day == "12-25"
    assert "Điều 25" in tasks["II.6"].legal_basis and "nhiệm vụ II.6" in tasks["II.6"].legal_basis


def test_units_are_resolved_by_name_and_groups_kept(db: Session, world: World) -> None:
    i1, i9, ii5, ii1 = (_task(db, code) for code in ("I.1", "I.9", "II.5", "II.1"))
    assert i1.lead_unit_ids == [str(world.cuc.id)]  # "Cục Thông tin KH&CN quốc gia"
    assert i1.cooperating_groups == ["all_units"]
    assert i9.lead_groups == ["db_owners"] and i9.lead_unit_ids == []
    assert i9.cooperating_unit_ids == [str(world.ttcntt.id), str(world.vpb.id)]  # "Trung tâm CNTT, Văn phòng Bộ"
    assert ii5.cooperating_groups == ["db_owners"]
    assert ii5.cooperating_unit_ids == [str(world.vpb.id)]  # "Vụ Pháp chế" is not a unit of this ministry: kept as text
    assert "Vụ Pháp chế" in ii5.cooperating_text
    assert ii1.cooperating_text == "" and ii1.cooperating_unit_ids == []


def test_loading_the_plan_twice_changes_nothing(db: Session, world: World) -> None:
    assert plan_seed.load_plan(db) == (0, 0)
    assert db.scalar(select(func.count()).select_from(PlanTask)) == 20


@pytest.mark.skipif(not APPENDIX.exists(), reason="the seed plan lives in ../shared/docs")
def test_the_tasks_are_transcribed_from_the_appendix() -> None:
    text = APPENDIX.read_text().split("**PHỤ LỤC**", 1)[1].replace("&amp;", "&")
    appendix = fold(text)
    for seed in plan_seed.TASKS:
        for cell in (seed.content[:60], seed.lead, seed.timing, seed.product[:40]):
            assert fold(cell) in appendix, (seed.code, cell)
        assert fold(plan_seed.PARTS[seed.part]) in appendix


def test_an_unknown_timing_is_refused() -> None:
    with pytest.raises(Invalid):
        plan_seed.parse_timing("Thỉnh thoảng")
    assert plan_seed.parse_timing("2021 - 2025").year_to == 2025


# ---- instances ---------------------------------------------------------------------------------------


def test_a_year_gets_instances_for_each_kind_and_a_second_run_adds_none(db: Session, world: World) -> None:
    owners = {world.unit_a.id, world.unit_b.id}  # unit C's only database is retired
    assert set(plan.db_owner_units(db)) == owners
    # 2021: I.3 I.4 I.5 I.7 II.5 (IT Center); yearly I.6 II.3 III.1 IV.1 (IT Center), II.4 III.2 (2 owners); II.8 twice (2 owners)
    assert plan.generate_instances(db, year=2021) == 5 + 4 + 2 * 2 + 2 * 2
    # 2020: I.1 (the Cục), I.2 (IT Center), II.1 II.7 (2 owners); the same yearly and semiannual tasks
    assert plan.generate_instances(db, year=2020) == 1 + 1 + 2 * 2 + 8 + 4
    # 2026: past the 2021-2025 range, only yearly and semiannual tasks
    assert plan.generate_instances(db, year=2026) == 8 + 4
    assert plan.generate_instances(db, year=2021) == 0
    assert db.scalar(select(func.count()).select_from(TaskInstance)) == 17 + 18 + 12

    halves = [_instance(db, "II.8", world.unit_a, key) for key in ("2021-H1", "2021-H2")]
    assert [(i.period_start, i.due_on) for i in halves] == [(date(2021, 1, 1), date(2021, 6, 30)), (date(2021, 7, 1), date(2021, 12, 31))]
    assert _instance(db, "II.4", world.unit_b, "2021").due_on == date(2021, 12, 25)
    assert _instance(db, "I.3", world.ttcntt, "2021").due_on == date(2021, 12, 31)
    assert _instance(db, "I.1", world.cuc, "2020").period_label == "Năm 2020"


def test_only_the_administrator_makes_a_year_and_it_is_audited(db: Session, world: World) -> None:
    for actor in (world.steward_a, world.leader):
        with pytest.raises(Forbidden):
            plan.generate_for_year(db, actor=actor, year=2025)
    with pytest.raises(Unauthenticated):
        plan.generate_for_year(db, actor=PUBLIC, year=2025)
    assert plan.generate_for_year(db, actor=world.admin, year=2025) == 3 + 8 + 4  # I.3 I.5 I.7; yearly; semiannual
    event = db.scalar(select(AuditEvent).where(AuditEvent.entity_type == "plan_instances"))
    assert event is not None and event.changes == {"created": [None, 15]}
    with pytest.raises(Invalid):
        plan.generate_for_year(db, actor=world.admin, year=1990)


def _columns(row: object) -> dict[str, object]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}  # type: ignore[attr-defined]


def test_a_database_going_into_operation_gives_its_unit_the_on_event_tasks(db: Session, world: World) -> None:
    planned = f.database(db, world.unit_c, "CSDL văn bản pháp luật", status="planned")
    assert plan.on_database_status(db, database=planned, previous_status=None) == []  # planned: nothing yet
    before = planned.status
    at = datetime(2025, 5, 6, 9, tzinfo=VN)
    operating = planned.__class__(**{**_columns(planned), "status": "operating"})  # as the catalog would pass it (not saved)
    made = plan.on_database_status(db, database=operating, previous_status=before, at=at)
    assert sorted(db.get(PlanTask, i.task_id).code for i in made) == ["I.8", "I.9"]  # type: ignore[union-attr]
    for instance in made:
        assert instance.unit_id == world.unit_c.id and instance.event == "database_operating" and instance.event_ref == planned.id
        assert instance.due_on is None and instance.period_start == date(2025, 5, 6)
    # The catalog calls it when the status changes: the instances exist once per database.
    databases.update_database(db, actor=system_actor(), database_id=planned.id, patch=DatabasePatch(status="operating"))
    assert plan.on_database_status(db, database=planned, previous_status=before, at=at) == []
    assert plan.on_database_status(db, database=planned, previous_status="operating") == []  # no change of status
    rows = plan.list_instances(db, actor=world.leader, filters=InstanceFilter(unit_id=world.unit_c.id))
    assert [r.status for r in rows] == ["not_started", "not_started"]  # no due date: never overdue


def test_a_service_ready_gives_its_unit_the_sla_task_due_one_working_day_later(db: Session, world: World) -> None:
    friday = datetime(2025, 3, 7, 15, tzinfo=VN)
    service = SharingService(id=uuid.uuid4(), name="Tra cứu nhãn hiệu", owner_unit_id=world.unit_a.id, ready_at=friday)
    [instance] = plan.on_service_ready(db, service=service)
    assert db.get(PlanTask, instance.task_id).code == "II.6"  # type: ignore[union-attr]
    assert instance.due_on == date(2025, 3, 10)  # Monday: the weekend does not count
    assert instance.event == "service_ready" and instance.unit_id == world.unit_a.id
    assert plan.on_service_ready(db, service=service) == []


# ---- progress reports ----------------------------------------------------------------------------------


def test_a_steward_reports_only_for_their_unit_and_a_leader_reads(db: Session, world: World) -> None:
    plan.generate_instances(db, year=2025)
    instance = _instance(db, "II.4", world.unit_a, "2025")
    data = ProgressIn(body="Đã chạy quy tắc kiểm tra trên 3 bộ dữ liệu.", percent=40)
    for actor in (world.steward_b, world.leader):
        with pytest.raises(Forbidden):
            plan.submit_report(db, actor=actor, instance_id=instance.id, data=data)
    with pytest.raises(Unauthenticated):
        plan.submit_report(db, actor=PUBLIC, instance_id=instance.id, data=data)
    plan.submit_report(db, actor=world.steward_a, instance_id=instance.id, data=data)
    assert (instance.status, instance.percent, instance.completed_at) == ("in_progress", 40, None)
    plan.submit_report(db, actor=world.admin, instance_id=instance.id, data=ProgressIn(body="Đã gửi báo cáo.", percent=100))
    assert instance.status == "done" and instance.completed_at is not None
    detail = plan.get_instance(db, actor=world.leader, instance_id=instance.id)
    assert [r.report.percent for r in detail.reports] == [100, 40]  # newest first
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "plan_instance", AuditEvent.entity_id == instance.id))
    assert [e.changes["status"] for e in events] == [["not_started", "in_progress"], ["in_progress", "done"]]
    with pytest.raises(Unauthenticated):
        plan.list_tasks(db, actor=PUBLIC)


def test_evidence_is_bounded_and_a_refused_report_leaves_nothing(db: Session, world: World) -> None:
    plan.generate_instances(db, year=2025)
    instance = _instance(db, "III.2", world.unit_a, "2025")
    data = ProgressIn(body="Báo cáo bảo vệ dữ liệu.", percent=100)
    too_big = [Upload("bao-cao.pdf", io.BytesIO(b"x" * 11))]
    with pytest.raises(Invalid) as refused:
        plan.submit_report(db, actor=world.steward_a, instance_id=instance.id, data=data, uploads=too_big, max_bytes=10)
    assert "file" in refused.value.fields
    with pytest.raises(Invalid) as wrong:
        plan.submit_report(db, actor=world.steward_a, instance_id=instance.id, data=data, uploads=[Upload("a.exe", io.BytesIO(b"MZ"))])
    assert "file" in wrong.value.fields
    many = [Upload(f"{n}.txt", io.BytesIO(b"a")) for n in range(plan.EVIDENCE_MAX_FILES + 1)]
    with pytest.raises(Invalid):
        plan.submit_report(db, actor=world.steward_a, instance_id=instance.id, data=data, uploads=many)
    assert db.scalar(select(func.count()).select_from(ProgressReport)) == 0
    assert instance.status == "not_started"

    content = "Biên bản kiểm tra an toàn thông tin.".encode()
    uploads = [Upload("..\\bien-ban.pdf", io.BytesIO(content))]
    report = plan.submit_report(db, actor=world.steward_a, instance_id=instance.id, data=data, uploads=uploads, max_bytes=len(content))
    [evidence] = db.scalars(select(ProgressEvidence).where(ProgressEvidence.report_id == report.id))
    assert (evidence.filename, evidence.size, evidence.media_type) == ("bien-ban.pdf", len(content), "application/pdf")
    assert files.path_of(evidence.storage_key).read_bytes() == content


def test_an_instance_not_done_after_its_due_date_is_overdue(db: Session, world: World) -> None:
    plan.generate_instances(db, year=2025)
    first_half = _instance(db, "II.8", world.unit_a, "2025-H1")
    other = _instance(db, "II.8", world.unit_b, "2025-H1")
    plan.submit_report(db, actor=world.steward_b, instance_id=other.id, data=ProgressIn(body="Đã tổng hợp ý kiến.", percent=100))
    july = datetime(2025, 7, 1, 9, tzinfo=VN)
    june = datetime(2025, 6, 30, 23, tzinfo=VN)
    assert plan.effective_status(first_half, july.date()) == "overdue"
    assert plan.effective_status(first_half, june.date()) == "not_started"  # the due day itself is not late
    assert plan.effective_status(other, july.date()) == "done"
    rows = plan.list_instances(db, actor=world.leader, filters=InstanceFilter(year=2025, status="overdue"), now=july)
    assert [(r.task.code, r.instance.unit_id) for r in rows] == [("II.8", world.unit_a.id)]
    not_started = plan.list_instances(db, actor=world.leader, filters=InstanceFilter(year=2025, status="not_started"), now=july)
    assert first_half.id not in {r.instance.id for r in not_started}
    with pytest.raises(Invalid):
        plan.list_instances(db, actor=world.leader, filters=InstanceFilter(status="lost"))


def test_the_dashboard_counts_what_the_list_shows(db: Session, world: World) -> None:
    plan.generate_instances(db, year=2025)
    plan.submit_report(
        db, actor=world.steward_a, instance_id=_instance(db, "II.4", world.unit_a, "2025").id, data=ProgressIn(body="Đang làm.", percent=50)
    )
    now = datetime(2025, 8, 1, 9, tzinfo=VN)
    board = plan_dashboard.dashboard(db, actor=world.leader, year=2025, now=now)
    rows = plan.list_instances(db, actor=world.leader, filters=InstanceFilter(year=2025), now=now)
    assert board.total.total == len(rows) == 15
    assert board.total.counts == {"done": 0, "in_progress": 1, "not_started": 12, "overdue": 2}  # II.8 first half, 2 units
    by_unit = {g.key: g for g in board.by_unit}
    assert by_unit[str(world.unit_a.id)].counts == {"done": 0, "in_progress": 1, "not_started": 2, "overdue": 1}
    assert by_unit[str(world.ttcntt.id)].total == 7  # I.3 I.5 I.6 I.7 II.3 III.1 IV.1
    assert sum(g.total for g in board.by_part) == sum(g.total for g in board.by_period) == sum(g.total for g in board.by_task) == 15
    assert [g.key for g in board.by_part] == ["I", "II", "III", "IV"]
    assert [g.label for g in board.by_period] == ["Năm 2025", "6 tháng đầu năm 2025", "6 tháng cuối năm 2025"]
    chart = plan_dashboard.chart(board.by_unit)
    widest = max(sum(s.width for s in bar.segments) for bar in chart.bars)
    assert widest == pytest.approx(plan_dashboard.BAR_W)
