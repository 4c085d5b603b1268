"""The reminder digest reaches the other governance areas: official catalogs' reviews, the plan's task
instances, sharing services awaiting publication — each for the right people, with its title, due date
and link; a person with several items gets one digest a day; the catalogs' review cycle follows its
deadline rule (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.db import unit_of_work
from ketnoi.governance import deadlines, decisions, plan, reminder_sources, reminders
from ketnoi.governance.deadlines_models import RuleIn
from ketnoi.governance.decisions_models import ApproveIn, CatalogKind, CatalogVersion
from ketnoi.governance.plan_models import InstanceStatus, PlanEvent, PlanTask, TaskInstance, TimingKind
from ketnoi.governance.reminders import DueItem
from ketnoi.governance.survey_models import AssignmentStatus, Survey, SurveyAssignment, SurveyStatus
from ketnoi.notify.models import Notification
from ketnoi.org.models import Organization
from ketnoi.sharing.models import ServiceStatus, SharingService
from ketnoi.workcal.service import WorkingDays
from tests import factories as f

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 10, 20)  # a Tuesday
CUC = "Cục Sở hữu trí tuệ"


def approval(day: date) -> ApproveIn:
    return ApproveIn(decision_number="1234/QĐ-BKHCN", decision_date=day, signer_name="Hoàng Minh", signer_title="THỨ TRƯỞNG")


@dataclass
class World:
    cuc: Organization
    vien: Organization
    admin: Actor
    admin2: Actor
    steward: Actor  # of the Cục: a survey answer and plan tasks due
    other: Actor  # of the Viện: nothing near
    leader: Actor
    catalog: CatalogVersion  # ministry shared databases, published, decided 30/10/2025: review due 30/10/2026
    task_instance: TaskInstance  # the Cục's, due 25/10/2026
    service: SharingService  # ready 19/10/2026, to be published by the end of 20/10/2026
    service_instance: TaskInstance  # Plan II.6 of the service, for the Cục
    survey: Survey


def publish(db: Session, admin: Actor, kind: CatalogKind, decided: date) -> CatalogVersion:
    version = decisions.new_version(db, actor=admin, kind=kind)
    decisions.submit(db, actor=admin, version_id=version.id)
    decisions.approve(db, actor=admin, version_id=version.id, data=approval(decided))
    return decisions.publish(db, actor=admin, version_id=version.id)


def _task(db: Session, code: str, content: str, **fields: object) -> PlanTask:
    part, number = code.split(".")
    task = PlanTask(
        code=code, part=part, number=int(number), position=int(number), content=content, lead_text=CUC, timing_text="Hằng năm",
        **{"timing_kind": TimingKind.YEARLY, **fields},
    )  # fmt: skip
    db.add(task)
    db.flush()
    return task


def _instance(db: Session, task: PlanTask, unit: Organization, due: date, status: str = InstanceStatus.NOT_STARTED) -> TaskInstance:
    instance = TaskInstance(
        task_id=task.id, unit_id=unit.id, period_key=str(due.year), period_label=f"Năm {due.year}", period_start=date(due.year, 1, 1),
        period_end=date(due.year, 12, 31), due_on=due, status=status, percent=100 if status == InstanceStatus.DONE else 0,
    )  # fmt: skip
    db.add(instance)
    db.flush()
    return instance


@pytest.fixture
def world(db: Session) -> World:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    cuc = f.unit(db, CUC, ministry)
    vien = f.unit(db, "Viện Năng lượng nguyên tử Việt Nam", ministry)
    f.database(db, cuc, "CSDL sở hữu công nghiệp", db_class="ministry_shared", code="SHCN")
    admin, admin2 = f.actor(db, "admin"), f.actor(db, "admin")
    retired = f.user(db, "admin")
    retired.is_active = False  # an inactive administrator is reminded of nothing
    steward, other, leader = f.actor(db, "steward", cuc), f.actor(db, "steward", vien), f.actor(db, "leader")
    catalog = publish(db, admin, CatalogKind.MINISTRY_SHARED, date(2025, 10, 30))

    report = _task(db, "III.1", "Báo cáo tình hình kết nối, chia sẻ dữ liệu của đơn vị")
    task_instance = _instance(db, report, cuc, date(2026, 10, 25))
    _instance(db, _task(db, "III.2", "Nhiệm vụ đã xong"), cuc, date(2026, 10, 25), InstanceStatus.DONE)
    _instance(db, report, vien, date(2027, 6, 30))  # beyond the longest reminder window (90 days) on 20/10
    _task(
        db, "II.6", "Công bố dịch vụ chia sẻ dữ liệu", timing_kind=TimingKind.SLA, event=PlanEvent.SERVICE_READY, sla_working_days=1,
    )  # fmt: skip

    ready = datetime(2026, 10, 19, 10, 0, tzinfo=VN)
    service = SharingService(
        code="DV.KHCN.SHCN", name="Tra cứu văn bằng sở hữu công nghiệp", owner_unit_id=cuc.id, sharing_form="default_shared",
        status=ServiceStatus.READY, ready_at=ready, publish_due_at=WorkingDays(db).deadline(ready, 1),
    )  # fmt: skip
    db.add(service)
    db.flush()
    (service_instance,) = plan.on_service_ready(db, service=service)
    published = SharingService(code="DV.KHCN.CU", name="Dịch vụ đã công bố", owner_unit_id=cuc.id, sharing_form="default_shared")
    published.status, published.publish_due_at = ServiceStatus.PUBLISHED, None
    db.add(published)

    survey = Survey(title="Khảo sát hiện trạng dữ liệu năm 2026", legal_basis="Kế hoạch, nhiệm vụ II.1", status=SurveyStatus.OPEN)
    survey.due_on = date(2026, 10, 22)
    db.add(survey)
    db.flush()
    db.add(SurveyAssignment(survey_id=survey.id, unit_id=cuc.id, status=AssignmentStatus.NOT_STARTED))
    db.add(SurveyAssignment(survey_id=survey.id, unit_id=vien.id, status=AssignmentStatus.SUBMITTED))
    db.commit()
    return World(cuc, vien, admin, admin2, steward, other, leader, catalog, task_instance, service, service_instance, survey)


def _ids(*actors: Actor) -> set[uuid.UUID]:
    return {a.user_id for a in actors if a.user_id is not None}


def _by_user(items: list[DueItem]) -> dict[uuid.UUID, list[tuple[str, str, date, str]]]:
    found: dict[uuid.UUID, list[tuple[str, str, date, str]]] = {}
    for i in items:
        found.setdefault(i.user_id, []).append((i.rule_key, i.title, i.due, i.link))
    return found


# ---- each contributor ------------------------------------------------------------------------------


def test_a_catalogs_review_is_due_for_the_administrators_on_its_next_review_date(db: Session, world: World) -> None:
    items = list(reminder_sources.catalog_reviews(db, DAY))
    expected = (
        "catalog.databases.review",
        "Rà soát, cập nhật Danh mục CSDL dùng chung của Bộ (phiên bản 1, Quyết định số 1234/QĐ-BKHCN)",
        date(2026, 10, 30),
        "/catalogs#kind-ministry_shared_databases",
    )
    assert _by_user(items) == {world.admin.user_id: [expected], world.admin2.user_id: [expected]}
    decisions.new_version(db, actor=world.admin, kind=CatalogKind.MINISTRY_SHARED)  # the review under way: still due, and said
    (item, _) = reminder_sources.catalog_reviews(db, DAY)
    assert item.title.endswith("; phiên bản 2 đang ở trạng thái «Dự thảo»") and item.due == date(2026, 10, 30)


def test_a_plan_task_not_done_is_due_for_its_units_people(db: Session, world: World) -> None:
    items = list(reminder_sources.plan_tasks(db, DAY))
    assert {i.user_id for i in items} == _ids(world.steward)  # the done task and the Viện's far one not listed
    assert sorted((i.rule_key, i.title, i.due, i.link) for i in items) == [
        (
            "plan.task",
            f"Nhiệm vụ III.1 của Kế hoạch (Năm 2026) của {CUC}: Báo cáo tình hình kết nối, chia sẻ dữ liệu của đơn vị",
            date(2026, 10, 25),
            f"/plan/instances/{world.task_instance.id}",
        ),
        (
            "service.publish",  # Plan II.6 follows the publication's rule
            f"Nhiệm vụ II.6 của Kế hoạch (Dịch vụ «{world.service.name}» sẵn sàng tiếp nhận kết nối) của {CUC}: "
            "Công bố dịch vụ chia sẻ dữ liệu",
            date(2026, 10, 20),  # 1 working day after Monday 19/10
            f"/plan/instances/{world.service_instance.id}",
        ),
    ]
    world.task_instance.status, world.task_instance.percent = InstanceStatus.IN_PROGRESS, 40
    db.flush()
    titles = [i.title for i in reminder_sources.plan_tasks(db, DAY)]
    assert any(t.endswith("(đã báo cáo 40%)") for t in titles)
    world.task_instance.status = InstanceStatus.DONE
    db.flush()
    assert [i.link for i in reminder_sources.plan_tasks(db, DAY)] == [f"/plan/instances/{world.service_instance.id}"]


def test_a_ready_service_not_published_is_due_for_the_administrators_on_its_limits_last_day(db: Session, world: World) -> None:
    expected = (
        "service.publish",
        f"Công bố dịch vụ chia sẻ dữ liệu «{world.service.name}» (DV.KHCN.SHCN) đã sẵn sàng tiếp nhận kết nối",
        date(2026, 10, 20),
        f"/services/{world.service.id}",
    )
    items = list(reminder_sources.service_publications(db, DAY))
    assert _by_user(items) == {world.admin.user_id: [expected], world.admin2.user_id: [expected]}  # not the published one
    world.service.status = ServiceStatus.CHANGED
    db.flush()
    (item, _) = reminder_sources.service_publications(db, DAY)
    assert item.title == f"Công bố thay đổi của dịch vụ chia sẻ dữ liệu «{world.service.name}» (DV.KHCN.SHCN)"
    world.service.status, world.service.publish_due_at = ServiceStatus.PUBLISHED, None
    db.flush()
    assert list(reminder_sources.service_publications(db, DAY)) == []


def test_the_contributors_are_registered_with_the_digest() -> None:
    names = {c.__name__ for c in reminders.contributors()}
    assert {"catalog_reviews", "plan_tasks", "service_publications", "survey_answers"} <= names


# ---- the digest ------------------------------------------------------------------------------------


def _notes(actor: Actor) -> list[Notification]:
    with unit_of_work() as s:
        return list(s.scalars(select(Notification).where(Notification.user_id == actor.user_id).order_by(Notification.created_at)))


def _send(day: date) -> int:
    with unit_of_work() as s:
        return reminders.send_digests(s, day)


def test_one_digest_a_day_gathers_a_persons_survey_and_plan_items(world: World) -> None:
    assert _send(DAY) == 3  # the steward, both administrators
    (note,) = _notes(world.steward)
    lines = note.body.splitlines()
    assert note.subject == "Nhắc việc ngày 20/10/2026: 3 việc đến hạn"
    assert [line for line in lines if line[:2] in ("1.", "2.", "3.")] == [
        f"1. Nhiệm vụ II.6 của Kế hoạch (Dịch vụ «{world.service.name}» sẵn sàng tiếp nhận kết nối) của {CUC}: "
        "Công bố dịch vụ chia sẻ dữ liệu",
        f"2. Trả lời khảo sát «{world.survey.title}» của {CUC}",
        f"3. Nhiệm vụ III.1 của Kế hoạch (Năm 2026) của {CUC}: Báo cáo tình hình kết nối, chia sẻ dữ liệu của đơn vị",
    ]
    assert "   Hạn: 22/10/2026 (còn 2 ngày)" in lines and "   Hạn: 25/10/2026 (còn 5 ngày)" in lines
    assert f"   Thực hiện tại: http://127.0.0.1:8000/plan/instances/{world.task_instance.id}" in lines
    (admin,) = _notes(world.admin)
    assert admin.subject == "Nhắc việc ngày 20/10/2026: 2 việc đến hạn" and admin.link == f"/services/{world.service.id}"
    assert "(hôm nay là hạn cuối)" in admin.body and "   Hạn: 30/10/2026 (còn 10 ngày)" in admin.body
    assert "http://127.0.0.1:8000/catalogs#kind-ministry_shared_databases" in admin.body
    assert _notes(world.other) == [] and _notes(world.leader) == []

    assert _send(DAY) == 0  # nothing twice the same day
    assert len(_notes(world.steward)) == 1 and len(_notes(world.admin)) == 1
    assert _send(date(2026, 10, 21)) == 3  # the next day: the service is overdue, reminded again
    assert "(quá hạn 1 ngày)" in _notes(world.admin)[-1].body


def test_each_item_waits_for_its_rules_window(world: World) -> None:
    with unit_of_work() as s:
        early = reminders.due_items(s, date(2026, 10, 17))
        later = reminders.due_items(s, date(2026, 10, 18))
    # 17/10: the plan task (25/10) is 8 days away, beyond its 7; the survey (22/10) 5, beyond its 3; the
    # publication (20/10) is reminded from its last day only; the catalog (30/10) is within its 30 days
    assert world.steward.user_id not in early
    assert [i.link for i in early[world.admin.user_id]] == ["/catalogs#kind-ministry_shared_databases"]
    assert [i.link for i in later[world.steward.user_id]] == [f"/plan/instances/{world.task_instance.id}"]


# ---- the review cycle follows its rule --------------------------------------------------------------


def _set_rule(s: Session, admin: Actor, key: str, **changes: object) -> None:
    rule = deadlines._rule(s, key)
    values = {"label": rule.label, "remind_before_days": rule.remind_before_days, "remind_after": rule.remind_after}
    values |= {"legal_basis": rule.legal_basis, "enabled": rule.enabled}
    deadlines.update_rule(s, actor=admin, key=key, data=RuleIn.model_validate({**values, **rule.params, **changes}))


def test_the_administrators_edit_of_the_rule_changes_the_next_review_date(db: Session, world: World) -> None:
    _set_rule(db, world.admin, "catalog.databases.review", months=6)
    version = publish(db, world.admin, CatalogKind.MINISTRY_SHARED, date(2026, 3, 31))
    assert version.review_months == 6 and version.next_review_due == date(2026, 9, 30)
    (item, _) = reminder_sources.catalog_reviews(db, DAY)
    assert (item.due, item.title) == (
        date(2026, 9, 30),
        "Rà soát, cập nhật Danh mục CSDL dùng chung của Bộ (phiên bản 2, Quyết định số 1234/QĐ-BKHCN)",
    )
    sector = decisions.new_version(db, actor=world.admin, kind=CatalogKind.SECTOR_SHARED)  # the same rule
    national = decisions.new_version(db, actor=world.admin, kind=CatalogKind.NATIONAL_PROPOSAL)  # no rule: the decree's 12
    assert (sector.review_months, national.review_months) == (6, 12)
    _set_rule(db, world.admin, "catalog.open_data.review", months=3)
    assert decisions.new_version(db, actor=world.admin, kind=CatalogKind.OPEN_DATA).review_months == 3
    _set_rule(db, world.admin, "catalog.default_sharing.review", months=9, enabled=False)  # a rule not applied: the default
    assert decisions.new_version(db, actor=world.admin, kind=CatalogKind.DEFAULT_SHARING).review_months == 6
