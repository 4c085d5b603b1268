"""Improvement plans (Plan II.2): a unit's plan to complete, upgrade and standardise its data.

A plan belongs to a unit (and, optionally, to the year's inspection that prompted it); its tasks
have a person responsible, a due date, a status and, when they concern one, a dataset of the unit;
dated follow-up notes record what was done. The unit's stewards and the administrator write; all
the ministry's staff read. A task not done nor cancelled after its due date is overdue.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Forbidden, Invalid, NotFound
from ketnoi.org.models import Organization, OrgKind
from ketnoi.quality import inspection_figures as figures
from ketnoi.quality.inspection import can_edit_unit, require_staff, today
from ketnoi.quality.inspection_models import (
    OPEN_TASK,
    ImprovementPlan,
    ImprovementTask,
    InspectionCampaign,
    NoteIn,
    PlanIn,
    PlanNote,
    PlanPatch,
    TaskIn,
    TaskStatus,
)


@dataclass(frozen=True)
class TaskRow:
    task: ImprovementTask
    dataset_name: str | None
    overdue: bool


@dataclass(frozen=True)
class PlanView:
    plan: ImprovementPlan
    unit_name: str
    campaign_year: int | None
    tasks: list[TaskRow] = field(default_factory=list)
    notes: list[PlanNote] = field(default_factory=list)
    can_edit: bool = False

    def count(self, *statuses: str) -> int:
        return sum(1 for row in self.tasks if row.task.status in statuses)

    @property
    def done(self) -> int:
        return self.count(TaskStatus.DONE)

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.tasks if row.overdue)


def _require_editor(actor: Actor, unit_id: uuid.UUID) -> None:
    require_staff(actor)
    if not can_edit_unit(actor, unit_id):
        raise Forbidden("Chỉ cán bộ quản lý dữ liệu của đơn vị được lập và cập nhật kế hoạch của đơn vị.")


def editable_units(session: Session, *, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The ministry units the actor may make a plan for (the create form's choices)."""
    scope = authz.editable_units(actor)
    query = select(Organization.id, Organization.name).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name)
    if scope is not None:
        if not scope:
            return []
        query = query.where(Organization.id.in_(scope))
    return list(session.execute(query).tuples().all())


def _plan(session: Session, plan_id: uuid.UUID) -> ImprovementPlan:
    plan = session.get(ImprovementPlan, plan_id)
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch.")
    return plan


def _views(session: Session, actor: Actor, plans: list[ImprovementPlan], day: date, notes: bool = False) -> list[PlanView]:
    if not plans:
        return []
    ids = [p.id for p in plans]
    units = select(Organization.id, Organization.name).where(Organization.id.in_({p.unit_id for p in plans}))
    names = dict(session.execute(units).tuples().all())
    years = dict(session.execute(select(InspectionCampaign.id, InspectionCampaign.year)).tuples().all())
    tasks: dict[uuid.UUID, list[TaskRow]] = defaultdict(list)
    query = (
        select(ImprovementTask, Dataset.name)
        .outerjoin(Dataset, Dataset.id == ImprovementTask.dataset_id)
        .where(ImprovementTask.plan_id.in_(ids))
        .order_by(ImprovementTask.due_on.is_(None), ImprovementTask.due_on, ImprovementTask.created_at, ImprovementTask.id)
    )
    for task, dataset_name in session.execute(query).tuples():
        overdue = task.status in OPEN_TASK and task.due_on is not None and task.due_on < day
        tasks[task.plan_id].append(TaskRow(task, dataset_name, overdue))
    found: dict[uuid.UUID, list[PlanNote]] = defaultdict(list)
    if notes:
        ordered = select(PlanNote).where(PlanNote.plan_id.in_(ids)).order_by(PlanNote.noted_on.desc(), PlanNote.created_at.desc())
        for note in session.scalars(ordered):
            found[note.plan_id].append(note)
    return [
        PlanView(
            plan=p,
            unit_name=names.get(p.unit_id, ""),
            campaign_year=years.get(p.campaign_id) if p.campaign_id else None,
            tasks=tasks[p.id],
            notes=found[p.id],
            can_edit=can_edit_unit(actor, p.unit_id),
        )
        for p in plans
    ]


def list_plans(
    session: Session, *, actor: Actor, unit_id: uuid.UUID | None = None, now: datetime | None = None, limit: int = 200
) -> list[PlanView]:
    require_staff(actor)
    query = select(ImprovementPlan).order_by(ImprovementPlan.created_at.desc(), ImprovementPlan.id).limit(limit)
    if unit_id is not None:
        query = query.where(ImprovementPlan.unit_id == unit_id)
    return _views(session, actor, list(session.scalars(query)), today(now))


def plan_view(session: Session, *, actor: Actor, plan_id: uuid.UUID, now: datetime | None = None) -> PlanView:
    require_staff(actor)
    return _views(session, actor, [_plan(session, plan_id)], today(now), notes=True)[0]


def for_report(
    session: Session, *, actor: Actor, unit_id: uuid.UUID, campaign: InspectionCampaign, now: datetime | None = None
) -> list[PlanView]:
    """The plans a unit's report lists (the unit's and its sub-units'): those made for this inspection,
    and the others made during the year or still with open tasks."""
    require_staff(actor)
    units = figures.covered_units(session, unit_id) or [unit_id]  # the unit and the sub-units its report covers
    query = select(ImprovementPlan).where(ImprovementPlan.unit_id.in_(units)).order_by(ImprovementPlan.created_at, ImprovementPlan.id)
    views = _views(session, actor, list(session.scalars(query)), today(now))
    start, end = figures.year_bounds(campaign.year)

    def listed(view: PlanView) -> bool:
        if view.plan.campaign_id is not None:
            return view.plan.campaign_id == campaign.id
        made_in_year = start <= view.plan.created_at < end
        return made_in_year or (view.plan.created_at < end and view.count(*OPEN_TASK) > 0)

    return [view for view in views if listed(view)]


def _record(session: Session, actor: Actor, plan: ImprovementPlan, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        session, actor=actor, action=action, entity_type="quality_plan", entity_id=plan.id, entity_label=plan.title, changes=changes
    )


def create_plan(session: Session, *, actor: Actor, data: PlanIn) -> ImprovementPlan:
    unit = session.get(Organization, data.unit_id)
    if unit is None or unit.kind != OrgKind.UNIT:
        msg = "Hãy chọn một đơn vị thuộc Bộ."
        raise Invalid(msg, fields={"unit_id": msg})
    _require_editor(actor, unit.id)
    campaign_id = None
    if data.campaign_year is not None:
        campaign_id = session.scalar(select(InspectionCampaign.id).where(InspectionCampaign.year == data.campaign_year))
        if campaign_id is None:
            msg = "Chưa có đợt kiểm tra của năm này."
            raise Invalid(msg, fields={"campaign_year": msg})
    plan = ImprovementPlan(
        id=uuid.uuid4(),
        unit_id=unit.id,
        campaign_id=campaign_id,
        title=data.title,
        objective=data.objective or "",
        created_by_id=actor.user_id,
    )
    session.add(plan)
    session.flush()
    _record(
        session,
        actor,
        plan,
        "create",
        {k: [None, v] for k, v in audit.snapshot(plan, ("unit_id", "campaign_id", "title", "objective")).items()},
    )
    return plan


def update_plan(session: Session, *, actor: Actor, plan_id: uuid.UUID, data: PlanPatch) -> ImprovementPlan:
    plan = _plan(session, plan_id)
    _require_editor(actor, plan.unit_id)
    before = audit.snapshot(plan, ("title", "objective"))
    plan.title, plan.objective = data.title, data.objective or ""
    changes = audit.diff(before, audit.snapshot(plan, ("title", "objective")))
    if changes:
        _record(session, actor, plan, "update", changes)
    session.flush()
    return plan


def _task(session: Session, plan: ImprovementPlan, task_id: uuid.UUID) -> ImprovementTask:
    task = session.get(ImprovementTask, task_id)
    if task is None or task.plan_id != plan.id:
        raise NotFound("Không tìm thấy nhiệm vụ trong kế hoạch.")
    return task


def add_task(session: Session, *, actor: Actor, plan_id: uuid.UUID, data: TaskIn) -> ImprovementTask:
    plan = _plan(session, plan_id)
    _require_editor(actor, plan.unit_id)
    if data.dataset_id is not None:
        owner = session.scalar(select(Dataset.owner_unit_id).where(Dataset.id == data.dataset_id))
        if owner is None or owner not in (figures.covered_units(session, plan.unit_id) or [plan.unit_id]):
            msg = "Bộ dữ liệu không thuộc đơn vị của kế hoạch."
            raise Invalid(msg, fields={"dataset_id": msg})
    task = ImprovementTask(
        id=uuid.uuid4(),
        plan_id=plan.id,
        title=data.title,
        dataset_id=data.dataset_id,
        responsible=data.responsible or "",
        due_on=data.due_on,
    )
    session.add(task)
    session.flush()
    state = audit.snapshot(task, ("title", "dataset_id", "responsible", "due_on", "status"))
    _record(session, actor, plan, "add_task", {f"task.{k}": [None, v] for k, v in state.items()})
    return task


def set_task_status(session: Session, *, actor: Actor, plan_id: uuid.UUID, task_id: uuid.UUID, status: TaskStatus) -> ImprovementTask:
    plan = _plan(session, plan_id)
    _require_editor(actor, plan.unit_id)
    task = _task(session, plan, task_id)
    if task.status == status:
        return task
    before = task.status
    task.status = status
    task.completed_at = utcnow() if status == TaskStatus.DONE else None
    _record(session, actor, plan, "task_status", {"task": [None, task.title], "status": [before, status.value]})
    session.flush()
    return task


def add_note(session: Session, *, actor: Actor, plan_id: uuid.UUID, data: NoteIn) -> PlanNote:
    plan = _plan(session, plan_id)
    _require_editor(actor, plan.unit_id)
    if data.task_id is not None:
        _task(session, plan, data.task_id)
    note = PlanNote(
        id=uuid.uuid4(),
        plan_id=plan.id,
        task_id=data.task_id,
        noted_on=data.noted_on or today(),
        body=data.body,
        author_id=actor.user_id,
        author_label=_author(session, actor),
    )
    session.add(note)
    session.flush()
    _record(session, actor, plan, "add_note", {"note": [None, data.body], "noted_on": [None, note.noted_on.isoformat()]})
    return note


def _author(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id) if actor.user_id else None
    return user.full_name if user else actor.label


def unit_datasets(session: Session, unit_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The datasets a task of the unit's plan may concern (the task form's choices)."""
    owners = figures.covered_units(session, unit_id) or [unit_id]
    query = select(Dataset.id, Dataset.name).where(Dataset.owner_unit_id.in_(owners)).order_by(Dataset.name)
    return list(session.execute(query).tuples().all())
