"""Improvement plans (Plan II.2): a unit's stewards write them, everyone on the staff reads them,
overdue tasks are flagged, and a unit's report lists the plans of its year."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.quality.test_inspection import World, build_world, vn

from ketnoi.audit.models import AuditEvent
from ketnoi.authz import PUBLIC
from ketnoi.kit.errors import Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.quality import inspection, plans
from ketnoi.quality.inspection_models import CampaignIn, NoteIn, PlanIn, PlanPatch, TaskIn, TaskStatus

YEAR = 2025


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    db.commit()
    return w


def _plan(db: Session, w: World, **fields: object) -> uuid.UUID:
    data = PlanIn.model_validate({"unit_id": w.unit_a.id, "title": "Chuẩn hóa dữ liệu sở hữu công nghiệp 2026", **fields})
    return plans.create_plan(db, actor=w.steward_a, data=data).id


def test_a_steward_plans_for_their_unit_only_and_a_leader_only_reads(db: Session, world: World) -> None:
    plan_id = _plan(db, world, objective="Đủ thư điện tử cho mọi văn bằng.")
    for who, unit in ((world.steward_b, world.unit_a), (world.leader, world.unit_a), (world.steward_a, world.unit_b)):
        with pytest.raises(Forbidden):
            plans.create_plan(db, actor=who, data=PlanIn(unit_id=unit.id, title="Kế hoạch"))
    with pytest.raises(Forbidden):
        plans.add_task(db, actor=world.leader, plan_id=plan_id, data=TaskIn(title="Rà soát"))
    with pytest.raises(Forbidden):
        plans.update_plan(db, actor=world.steward_b, plan_id=plan_id, data=PlanPatch(title="Khác"))
    with pytest.raises(Unauthenticated):
        plans.plan_view(db, actor=PUBLIC, plan_id=plan_id)
    view = plans.plan_view(db, actor=world.leader, plan_id=plan_id)
    assert (view.unit_name, view.plan.objective, view.can_edit) == ("Cục Sở hữu trí tuệ", "Đủ thư điện tử cho mọi văn bằng.", False)
    assert plans.plan_view(db, actor=world.steward_a, plan_id=plan_id).can_edit
    assert [u for _, u in plans.editable_units(db, actor=world.steward_a)] == ["Cục Sở hữu trí tuệ", "Trung tâm Thông tin sở hữu trí tuệ"]
    assert plans.editable_units(db, actor=world.leader) == []


def test_bad_input_names_its_field(db: Session, world: World) -> None:
    with pytest.raises(Invalid) as no_unit:
        plans.create_plan(db, actor=world.admin, data=PlanIn(unit_id=uuid.uuid4(), title="Kế hoạch"))
    assert "unit_id" in no_unit.value.fields
    with pytest.raises(Invalid) as no_campaign:
        _plan(db, world, campaign_year=2031)
    assert "campaign_year" in no_campaign.value.fields
    plan_id = _plan(db, world)
    with pytest.raises(Invalid) as other_units:
        plans.add_task(db, actor=world.steward_a, plan_id=plan_id, data=TaskIn(title="Rà soát", dataset_id=world.d4.id))
    assert "dataset_id" in other_units.value.fields
    other_plan = plans.create_plan(db, actor=world.steward_b, data=PlanIn(unit_id=world.unit_b.id, title="Kế hoạch B")).id
    foreign = plans.add_task(db, actor=world.steward_b, plan_id=other_plan, data=TaskIn(title="Của đơn vị B"))
    with pytest.raises(NotFound):
        plans.add_note(db, actor=world.steward_a, plan_id=plan_id, data=NoteIn(body="Đã xong", task_id=foreign.id))
    with pytest.raises(NotFound):
        plans.set_task_status(db, actor=world.steward_a, plan_id=plan_id, task_id=foreign.id, status=TaskStatus.DONE)


def test_tasks_move_through_their_statuses_and_overdue_ones_are_flagged(db: Session, world: World) -> None:
    plan_id = _plan(db, world)
    sub_dataset = plans.add_task(
        db,
        actor=world.steward_a,
        plan_id=plan_id,
        data=TaskIn(title="Bổ sung mã sáng chế", dataset_id=world.d3.id, due_on=date(2026, 3, 31)),
    )
    email = plans.add_task(
        db,
        actor=world.steward_a,
        plan_id=plan_id,
        data=TaskIn(title="Bổ sung thư điện tử", dataset_id=world.d2.id, responsible="Phòng Thông tin", due_on=date(2026, 6, 30)),
    )
    plans.add_task(db, actor=world.steward_a, plan_id=plan_id, data=TaskIn(title="Tập huấn cán bộ"))  # no due date: never overdue
    done = plans.set_task_status(db, actor=world.steward_a, plan_id=plan_id, task_id=sub_dataset.id, status=TaskStatus.DONE)
    assert done.completed_at is not None
    plans.set_task_status(db, actor=world.steward_a, plan_id=plan_id, task_id=email.id, status=TaskStatus.DOING)
    view = plans.plan_view(db, actor=world.leader, plan_id=plan_id, now=vn(2026, 7, 1))
    assert [(r.task.title, r.dataset_name, r.overdue) for r in view.tasks] == [
        ("Bổ sung mã sáng chế", "Tra cứu sáng chế", False),  # done: not overdue
        ("Bổ sung thư điện tử", "Bằng độc quyền sáng chế", True),
        ("Tập huấn cán bộ", None, False),
    ]
    assert (view.done, view.overdue) == (1, 1)
    assert plans.plan_view(db, actor=world.leader, plan_id=plan_id, now=vn(2026, 6, 30)).overdue == 0
    reopened = plans.set_task_status(db, actor=world.steward_a, plan_id=plan_id, task_id=sub_dataset.id, status=TaskStatus.TODO)
    assert reopened.completed_at is None


def test_follow_up_notes_are_dated_and_signed_and_every_change_is_audited(db: Session, world: World) -> None:
    plan_id = _plan(db, world)
    task = plans.add_task(db, actor=world.steward_a, plan_id=plan_id, data=TaskIn(title="Bổ sung thư điện tử"))
    plans.add_note(
        db, actor=world.steward_a, plan_id=plan_id, data=NoteIn(body="Đã bổ sung 120 bản ghi.", task_id=task.id, noted_on=date(2026, 2, 1))
    )
    plans.add_note(db, actor=world.admin, plan_id=plan_id, data=NoteIn(body="Đề nghị báo cáo tiến độ quý II."))
    notes = plans.plan_view(db, actor=world.leader, plan_id=plan_id).notes
    assert [(n.body, n.author_label) for n in notes][-1] == ("Đã bổ sung 120 bản ghi.", "Nguyễn Văn A")
    assert notes[-1].noted_on == date(2026, 2, 1) and notes[-1].task_id == task.id
    assert notes[0].noted_on == inspection.today()  # the day it is written, when not given
    plans.set_task_status(db, actor=world.steward_a, plan_id=plan_id, task_id=task.id, status=TaskStatus.DONE)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == plan_id).order_by(AuditEvent.at)).all()
    assert list(actions) == ["create", "add_task", "add_note", "add_note", "task_status"]


def test_a_units_report_lists_the_plans_of_its_inspection(db: Session, world: World) -> None:
    inspection.open_campaign(db, actor=world.admin, data=CampaignIn(year=YEAR))
    campaign = inspection.get_campaign(db, actor=world.admin, year=YEAR)
    linked = _plan(db, world, campaign_year=YEAR, title="Kế hoạch sau kiểm tra 2025")
    _plan(db, world, unit_id=world.sub.id, campaign_year=YEAR, title="Kế hoạch của đơn vị trực thuộc")  # in the Cục's report
    made = {
        "Kế hoạch lập trong năm": vn(2025, 5, 1),
        "Kế hoạch cũ còn việc dở dang": vn(2024, 5, 1),
        "Kế hoạch cũ đã xong": vn(2024, 6, 1),
        "Kế hoạch lập sau năm kiểm tra": vn(2026, 2, 1),
    }
    for title, when in made.items():
        plan_id = _plan(db, world, title=title)
        task = plans.add_task(db, actor=world.steward_a, plan_id=plan_id, data=TaskIn(title="Rà soát dữ liệu"))
        if title == "Kế hoạch cũ đã xong":
            plans.set_task_status(db, actor=world.steward_a, plan_id=plan_id, task_id=task.id, status=TaskStatus.DONE)
        plans.plan_view(db, actor=world.admin, plan_id=plan_id).plan.created_at = when
    db.flush()
    listed = plans.for_report(db, actor=world.leader, unit_id=world.unit_a.id, campaign=campaign)
    assert [v.plan.title for v in listed] == [
        "Kế hoạch cũ còn việc dở dang",
        "Kế hoạch lập trong năm",
        "Kế hoạch sau kiểm tra 2025",
        "Kế hoạch của đơn vị trực thuộc",
    ]
    assert [v.campaign_year for v in listed if v.plan.id == linked] == [YEAR]
    assert plans.for_report(db, actor=world.leader, unit_id=world.unit_b.id, campaign=campaign) == []
