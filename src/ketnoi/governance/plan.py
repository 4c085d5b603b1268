"""The plan tracker: the appendix's tasks become instances per period and unit; units report progress.

Instances of a year (`generate_instances`): a fixed year or range gives one instance for each year of
the range, a yearly task one for the year, a semiannual task one for each half; each is assigned to
the task's lead unit(s), "all units that own a database" expanding to those units. Event tasks get
theirs from the event: a database going into operation (`on_database_status`, called by the catalog
when a database's status changes) and a sharing service becoming ready (`on_service_ready`: due
N working days after "ready" on the working-day calendar). "Khi có yêu cầu" tasks wait for a request.

Who does what: the administrator (the IT Center) loads the plan and makes a year's instances; the
stewards of the assigned unit (or the administrator) report progress with evidence files; leaders and
all staff read everything. A status is what the last report said (not started, in progress, done);
an instance not done after its due date is overdue (computed, in Vietnam's dates). Changes are audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import BinaryIO

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.orm import Session

from ketnoi import authz, files
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.catalog.models import Database, DatabaseStatus
from ketnoi.governance.plan_models import (
    InstanceStatus,
    PlanEvent,
    PlanTask,
    ProgressEvidence,
    ProgressIn,
    ProgressReport,
    TaskInstance,
    TimingKind,
    UnitGroup,
)
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.vn import nfc
from ketnoi.org.models import Organization
from ketnoi.sharing.models import SharingService
from ketnoi.workcal.service import VN, WorkingDays, last_day

EVIDENCE_FORMATS = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".zip": "application/zip",
    ".txt": "text/plain",
    ".csv": "text/csv",
}
EVIDENCE_MAX_MB = 20  # one evidence file
EVIDENCE_MAX_FILES = 5  # per report


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(VN).date()


# ---- who may ------------------------------------------------------------------------------------


def require_staff(actor: Actor) -> None:
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để xem kế hoạch thực hiện Nghị định 47.")


def is_admin(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    require_staff(actor)
    if not is_admin(actor):
        raise Forbidden("Chỉ quản trị hệ thống (Trung tâm Công nghệ thông tin) được thực hiện thao tác này.")


def can_report(actor: Actor, unit_id: uuid.UUID) -> bool:
    """The assigned unit's stewards (those who may change its datasets) and the administrator."""
    return authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=unit_id)


# ---- statuses ----------------------------------------------------------------------------------


def effective_status(instance: TaskInstance, day: date) -> str:
    if instance.status != InstanceStatus.DONE and instance.due_on is not None and day > instance.due_on:
        return InstanceStatus.OVERDUE.value
    return instance.status


def _status_filter(status: str, day: date) -> ColumnElement[bool]:
    """The SQL condition of an effective status (overdue computed from the due date)."""
    overdue = and_(TaskInstance.status != InstanceStatus.DONE, TaskInstance.due_on.is_not(None), TaskInstance.due_on < day)
    if status == InstanceStatus.OVERDUE:
        return overdue
    if status not in {s.value for s in InstanceStatus}:
        raise Invalid("Trạng thái không hợp lệ.", fields={"status": status})
    return and_(TaskInstance.status == status, not_(overdue))


# ---- units -------------------------------------------------------------------------------------


def db_owner_units(session: Session) -> list[uuid.UUID]:
    """Every unit that owns a database not retired ("Các đơn vị chủ quản CSDL của Bộ")."""
    query = select(Database.owner_unit_id).where(Database.status != DatabaseStatus.RETIRED).distinct()
    return sorted(set(session.scalars(query)), key=str)


def lead_units(session: Session, task: PlanTask) -> list[uuid.UUID]:
    ids = [uuid.UUID(i) for i in task.lead_unit_ids]
    if UnitGroup.DB_OWNERS in task.lead_groups:
        ids += [i for i in db_owner_units(session) if i not in ids]
    return ids


# ---- periods and instances ----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date
    end: date
    due: date


def _year(task: PlanTask, year: int) -> Period:
    due = date(year, 12, 31)
    if task.due_month_day:
        month, day = (int(p) for p in task.due_month_day.split("-"))
        due = date(year, month, day)
    return Period(str(year), f"Năm {year}", date(year, 1, 1), date(year, 12, 31), due)


def periods(task: PlanTask, year: int) -> list[Period]:
    """The periods of `year` a task with a calendar timing has (none for event tasks)."""
    match task.timing_kind:
        case TimingKind.FIXED if (task.year_from or 0) <= year <= (task.year_to or 0):
            return [_year(task, year)]
        case TimingKind.YEARLY:
            return [_year(task, year)]
        case TimingKind.SEMIANNUAL:
            return [
                Period(f"{year}-H1", f"6 tháng đầu năm {year}", date(year, 1, 1), date(year, 6, 30), date(year, 6, 30)),
                Period(f"{year}-H2", f"6 tháng cuối năm {year}", date(year, 7, 1), date(year, 12, 31), date(year, 12, 31)),
            ]
    return []


def _existing(session: Session, task_ids: Sequence[uuid.UUID]) -> set[tuple[uuid.UUID, str, uuid.UUID]]:
    query = select(TaskInstance.task_id, TaskInstance.period_key, TaskInstance.unit_id).where(TaskInstance.task_id.in_(task_ids))
    return {(t, p, u) for t, p, u in session.execute(query).tuples()}


def generate_instances(session: Session, *, year: int) -> int:
    """Make the instances of `year` that do not exist yet; how many were made. Idempotent."""
    if not 2000 <= year <= 2099:
        raise Invalid("Năm phải từ 2000 đến 2099.", fields={"year": str(year)})
    tasks = list(session.scalars(select(PlanTask).order_by(PlanTask.position)))
    have = _existing(session, [t.id for t in tasks])
    known = set(session.scalars(select(Organization.id)))
    created = 0
    for task in tasks:
        found = periods(task, year)
        units = [u for u in lead_units(session, task) if u in known] if found else []
        for period in found:
            for unit_id in units:
                if (task.id, period.key, unit_id) in have:
                    continue
                session.add(
                    TaskInstance(
                        id=uuid.uuid4(), task_id=task.id, unit_id=unit_id, period_key=period.key, period_label=period.label,
                        period_start=period.start, period_end=period.end, due_on=period.due, status=InstanceStatus.NOT_STARTED,
                        percent=0,
                    )
                )  # fmt: skip
                created += 1
    session.flush()
    return created


def generate_for_year(session: Session, *, actor: Actor, year: int) -> int:
    """The administrator makes a year's instances (the page's and the API's door to `generate_instances`)."""
    require_admin(actor)
    created = generate_instances(session, year=year)
    audit.record(
        session, actor=actor, action="generate", entity_type="plan_instances", entity_id=None, entity_label=f"Năm {year}",
        changes={"created": [None, created]},
    )  # fmt: skip
    return created


def _event_instances(
    session: Session, *, event: PlanEvent, unit_id: uuid.UUID, key: str, label: str, at: datetime, ref: uuid.UUID,
    due: date | None,
) -> list[TaskInstance]:  # fmt: skip
    tasks = list(session.scalars(select(PlanTask).where(PlanTask.event == event).order_by(PlanTask.position)))
    have = _existing(session, [t.id for t in tasks])
    start = at.astimezone(VN).date()
    made = []
    for task in tasks:
        if (task.id, key, unit_id) in have:
            continue
        task_due = due
        if task.timing_kind == TimingKind.SLA and task.sla_working_days is not None:
            task_due = last_day(WorkingDays(session).deadline(at, task.sla_working_days))
        instance = TaskInstance(
            id=uuid.uuid4(), task_id=task.id, unit_id=unit_id, period_key=key, period_label=label[:255], period_start=start,
            period_end=task_due or date(start.year, 12, 31), due_on=task_due, status=InstanceStatus.NOT_STARTED, percent=0,
            event=event.value, event_ref=ref, event_label=label[:255], event_at=at,
        )  # fmt: skip
        session.add(instance)
        made.append(instance)
        audit.record(
            session, actor=system_actor(), action="create", entity_type="plan_instance", entity_id=instance.id,
            entity_label=f"{task.code}: {label}"[:255], changes={"event": [None, event.value], "unit_id": [None, str(unit_id)]},
        )  # fmt: skip
    session.flush()
    return made


def on_database_status(
    session: Session, *, database: Database, previous_status: str | None, at: datetime | None = None
) -> list[TaskInstance]:
    """The catalog calls this after a database's status changed: one that goes into operation gives its
    owner unit the instances of the "Khi CSDL đưa vào khai thác" tasks (I.8, I.9). The plan sets no
    time limit for them (no due date). Idempotent per database."""
    if database.status != DatabaseStatus.OPERATING or previous_status == DatabaseStatus.OPERATING:
        return []
    return _event_instances(
        session, event=PlanEvent.DATABASE_OPERATING, unit_id=database.owner_unit_id, key=f"database:{database.id}",
        label=f"CSDL «{database.name}» đưa vào khai thác", at=at or utcnow(), ref=database.id, due=None,
    )  # fmt: skip


def on_service_ready(session: Session, *, service: SharingService) -> list[TaskInstance]:
    """A sharing service marked ready (sharing.registry.mark_ready) gives its owner unit the instance of
    II.6, due N working days after "ready" on the working-day calendar. Idempotent per service."""
    if service.ready_at is None:
        return []
    return _event_instances(
        session, event=PlanEvent.SERVICE_READY, unit_id=service.owner_unit_id, key=f"service:{service.id}",
        label=f"Dịch vụ «{service.name}» sẵn sàng tiếp nhận kết nối", at=service.ready_at, ref=service.id, due=None,
    )  # fmt: skip


# ---- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceRow:
    instance: TaskInstance
    task: PlanTask
    unit_name: str
    status: str  # effective: overdue computed


@dataclass(frozen=True)
class InstanceFilter:
    year: int | None = None
    unit_id: uuid.UUID | None = None
    status: str | None = None
    task_id: uuid.UUID | None = None


def list_tasks(session: Session, *, actor: Actor) -> list[PlanTask]:
    require_staff(actor)
    return list(session.scalars(select(PlanTask).order_by(PlanTask.position)))


def list_instances(session: Session, *, actor: Actor, filters: InstanceFilter, now: datetime | None = None) -> list[InstanceRow]:
    """The instances matching the filters (a year: those whose period ends in it), by task then unit."""
    require_staff(actor)
    day = today(now)
    query = (
        select(TaskInstance, PlanTask, Organization.name)
        .join(PlanTask, PlanTask.id == TaskInstance.task_id)
        .join(Organization, Organization.id == TaskInstance.unit_id)
    )
    if filters.year is not None:
        query = query.where(TaskInstance.period_end.between(date(filters.year, 1, 1), date(filters.year, 12, 31)))
    if filters.unit_id is not None:
        query = query.where(TaskInstance.unit_id == filters.unit_id)
    if filters.task_id is not None:
        query = query.where(TaskInstance.task_id == filters.task_id)
    if filters.status:
        query = query.where(_status_filter(filters.status, day))
    query = query.order_by(PlanTask.position, TaskInstance.period_start, Organization.name, TaskInstance.id)
    return [InstanceRow(i, t, name, effective_status(i, day)) for i, t, name in session.execute(query).tuples()]


@dataclass(frozen=True)
class ReportView:
    report: ProgressReport
    evidence: list[ProgressEvidence]


@dataclass(frozen=True)
class InstanceDetail:
    row: InstanceRow
    reports: list[ReportView] = field(default_factory=list)


def get_instance(session: Session, *, actor: Actor, instance_id: uuid.UUID, now: datetime | None = None) -> InstanceDetail:
    require_staff(actor)
    found = session.execute(
        select(TaskInstance, PlanTask, Organization.name)
        .join(PlanTask, PlanTask.id == TaskInstance.task_id)
        .join(Organization, Organization.id == TaskInstance.unit_id)
        .where(TaskInstance.id == instance_id)
    ).first()
    if found is None:
        raise NotFound("Không tìm thấy nhiệm vụ của kỳ này.")
    instance, task, name = found
    reports = list(
        session.scalars(
            select(ProgressReport).where(ProgressReport.instance_id == instance_id).order_by(ProgressReport.submitted_at.desc())
        )
    )
    evidence: dict[uuid.UUID, list[ProgressEvidence]] = {}
    if reports:
        query = select(ProgressEvidence).where(ProgressEvidence.report_id.in_([r.id for r in reports])).order_by(ProgressEvidence.filename)
        for item in session.scalars(query):
            evidence.setdefault(item.report_id, []).append(item)
    row = InstanceRow(instance, task, name, effective_status(instance, today(now)))
    return InstanceDetail(row, [ReportView(r, evidence.get(r.id, [])) for r in reports])


def get_evidence(session: Session, *, actor: Actor, evidence_id: uuid.UUID) -> ProgressEvidence:
    require_staff(actor)
    item = session.get(ProgressEvidence, evidence_id)
    if item is None:
        raise NotFound("Không tìm thấy tệp minh chứng.")
    return item


# ---- reporting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: BinaryIO


def _check_uploads(uploads: Sequence[Upload]) -> list[tuple[str, str, Upload]]:
    if len(uploads) > EVIDENCE_MAX_FILES:
        raise Invalid("Tối đa {limit} tệp minh chứng cho một báo cáo.", values={"limit": EVIDENCE_MAX_FILES}).on_field("file")
    checked = []
    for upload in uploads:
        name = nfc(PurePath(upload.filename.replace("\\", "/")).name)[:255]
        suffix = PurePath(name).suffix.lower()
        if suffix not in EVIDENCE_FORMATS:
            accepted = ", ".join(sorted(EVIDENCE_FORMATS))
            raise Invalid("Định dạng tệp minh chứng không được hỗ trợ; chấp nhận: {choices}.", values={"choices": accepted}).on_field(
                "file"
            )
        checked.append((name, EVIDENCE_FORMATS[suffix], upload))
    return checked


def submit_report(
    session: Session, *, actor: Actor, instance_id: uuid.UUID, data: ProgressIn, uploads: Sequence[Upload] = (),
    max_bytes: int = EVIDENCE_MAX_MB << 20,
) -> ProgressReport:  # fmt: skip
    """The assigned unit reports progress: 100% marks the instance done, less keeps it in progress."""
    require_staff(actor)
    instance = session.get(TaskInstance, instance_id)
    if instance is None:
        raise NotFound("Không tìm thấy nhiệm vụ của kỳ này.")
    if not can_report(actor, instance.unit_id):
        raise Forbidden("Chỉ cán bộ của đơn vị được giao nhiệm vụ được báo cáo tiến độ.")
    checked = _check_uploads(uploads)
    stored = [
        (name, media, files.save(upload.stream, max_bytes=max_bytes)) for name, media, upload in checked
    ]  # nothing in the database yet
    report = ProgressReport(
        id=uuid.uuid4(), instance_id=instance.id, unit_id=instance.unit_id, body=data.body, percent=data.percent,
        submitted_by_id=actor.user_id, submitted_by_label=actor.label, submitted_at=utcnow(),
    )  # fmt: skip
    session.add(report)
    session.flush()
    for name, media, saved in stored:
        session.add(
            ProgressEvidence(
                id=uuid.uuid4(), report_id=report.id, filename=name, media_type=media, size=saved.size, sha256=saved.sha256,
                storage_key=saved.key,
            )
        )  # fmt: skip
    before = {"status": instance.status, "percent": instance.percent}
    instance.percent = data.percent
    instance.status = InstanceStatus.DONE if data.percent == 100 else InstanceStatus.IN_PROGRESS
    instance.completed_at = report.submitted_at if instance.status == InstanceStatus.DONE else None
    task = session.get(PlanTask, instance.task_id)
    audit.record(
        session, actor=actor, action="report", entity_type="plan_instance", entity_id=instance.id,
        entity_label=f"{task.code if task else ''} {instance.period_label}".strip(),
        changes={**audit.diff(before, {"status": instance.status, "percent": instance.percent}), "evidence": [None, len(stored)]},
    )  # fmt: skip
    session.flush()
    return report
