"""Quality incidents: a problem of a dataset's data, reported or detected, followed until it is closed.

Four sources (quality.models.IncidentSource): the public's error reports on the portal (a report
becomes an incident when a moderator publishes it: `from_feedback`, called by feedback.service),
another agency's application through the gateway (`report_by_consumer`, `POST /x/{code}/incidents`),
a civil servant (`create_incident`), and a critical rule that failed (quality.runner).

Signed-in staff who may see the dataset read its incidents and report new ones; its unit's stewards
(or an administrator) move them along: open → investigating → resolved or dismissed, and back to open.
Closing needs a reason. Every change is in the audit trail (entity `quality_incident`), which is
the incident's history. A member of the public is never named: a portal incident has no reporter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.auth.models import User
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.catalog.datasets import visible
from ketnoi.catalog.models import Dataset
from ketnoi.feedback.models import Feedback, FeedbackKind, FeedbackStatus
from ketnoi.identity import system_actor
from ketnoi.kit.clock import new_id, utcnow
from ketnoi.kit.errors import BadRequest, Conflict, Invalid, NotFound, Unauthenticated
from ketnoi.kit.pagination import Page, decode_cursor, encode_cursor
from ketnoi.kit.validation import Input, OptionalText, Text
from ketnoi.notify.service import notify
from ketnoi.org.models import Organization, OrgKind
from ketnoi.org.service import unit_subtree
from ketnoi.quality.models import Incident, IncidentSource, IncidentStatus, QualityRule
from ketnoi.quality.service import readable_dataset
from ketnoi.sharing import exchange, limiter
from ketnoi.sharing.consumers import Consumer

ENTITY = "quality_incident"
OPEN, INVESTIGATING = IncidentStatus.OPEN, IncidentStatus.INVESTIGATING
RESOLVED, DISMISSED = IncidentStatus.RESOLVED, IncidentStatus.DISMISSED
ACTIVE = (OPEN, INVESTIGATING)
CLOSED = (RESOLVED, DISMISSED)
ORDER = (OPEN, INVESTIGATING, RESOLVED, DISMISSED)  # how lists sort: the open ones first
NEXT: dict[str, tuple[IncidentStatus, ...]] = {
    OPEN: (INVESTIGATING, RESOLVED, DISMISSED),
    INVESTIGATING: (OPEN, RESOLVED, DISMISSED),
    RESOLVED: (OPEN,),
    DISMISSED: (OPEN,),
}
MIN_TITLE, MIN_DESCRIPTION, MIN_REASON = 5, 10, 5
MAX_DESCRIPTION, MAX_REASON, MAX_RECORDS = 5000, 2000, 100
HEADLINE = 120  # characters of an error report's text that make its incident's title
CREATED = ("source", "status", "title", "dataset_id", "reporter", "feedback_id", "rule_id")
AUDITED = ("status", "resolution")


# ---- what is sent ----------------------------------------------------------------------------


def _title(value: str) -> str:
    if len(value) < MIN_TITLE:
        raise ValueError("Tiêu đề quá ngắn: hãy viết ít nhất 5 ký tự.")
    return value


def _description(value: str) -> str:
    if len(value) < MIN_DESCRIPTION:
        raise ValueError("Hãy mô tả lỗi (ít nhất 10 ký tự): cột, bản ghi, giá trị sai và giá trị đúng nếu biết.")
    return value


Title = Annotated[Text, AfterValidator(_title)]
Description = Annotated[Text, AfterValidator(_description)]


def _record_id(value: Any) -> Any:
    """A row's `_id` (a positive integer), or a record's key as text (a unit's own API): one message either way."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and 1 <= len(value.strip()) <= 64:
        return value.strip()
    raise ValueError("Mã bản ghi phải là số nguyên dương (cột _id) hoặc chuỗi từ 1 đến 64 ký tự.")


RecordId = Annotated[int | str, BeforeValidator(_record_id)]


class IncidentIn(Input):
    """A civil servant reports a problem of a dataset."""

    title: Title = Field(max_length=255)
    description: Description = Field(max_length=MAX_DESCRIPTION)


class ConsumerReportIn(IncidentIn):
    """An application reports an error in what a service gave it; `record_ids`: the `_id` of the rows at fault."""

    record_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_RECORDS)


class StatusIn(Input):
    status: IncidentStatus
    resolution: OptionalText = Field(default=None, max_length=MAX_REASON)  # required to resolve or dismiss


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    source: str | None = None
    unit_id: uuid.UUID | None = None
    dataset_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Entry:
    """An incident with the names a list shows beside it."""

    incident: Incident
    dataset_name: str
    unit_name: str | None


@dataclass(frozen=True)
class IncidentView:
    """An incident's page: the incident, its dataset and where it came from, who may move it and where to."""

    incident: Incident
    dataset: Dataset
    unit_name: str | None
    feedback: Feedback | None
    rule: QualityRule | None
    created_by: str | None
    resolved_by: str | None
    can_change: bool
    next_statuses: tuple[str, ...] = field(default_factory=tuple)


_rank = case({status.value: rank for rank, status in enumerate(ORDER)}, value=Incident.status, else_=len(ORDER))


def _signed_in(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated("Bạn cần đăng nhập để xem sự cố chất lượng dữ liệu.")


def _conditions(session: Session, actor: Actor, filters: Filters) -> list[ColumnElement[bool]]:
    """The filters but the status (the counts per status are of the rest)."""
    where: list[ColumnElement[bool]] = [visible(actor)]
    if filters.source:
        if filters.source not in set(IncidentSource):
            raise BadRequest("Bộ lọc không hợp lệ.", fields={"source": "Nguồn sự cố không hợp lệ."})
        where.append(Incident.source == filters.source)
    if filters.dataset_id:
        where.append(Incident.dataset_id == filters.dataset_id)
    if filters.unit_id:
        where.append(Dataset.owner_unit_id.in_(unit_subtree(session, filters.unit_id)))
    return where


def _joined(query: Select[Any]) -> Select[Any]:
    return query.join(Dataset, Dataset.id == Incident.dataset_id).outerjoin(Organization, Organization.id == Dataset.owner_unit_id)


def list_incidents(session: Session, *, actor: Actor, filters: Filters, cursor: str | None = None, limit: int = 25) -> Page[Entry]:
    """Staff only; the open first, then those being investigated, the resolved and the dismissed; newest first in each."""
    _signed_in(actor)
    query = _joined(select(Incident, Dataset.name, Organization.name)).where(*_conditions(session, actor, filters))
    if filters.status:
        if filters.status not in set(IncidentStatus):
            raise BadRequest("Bộ lọc không hợp lệ.", fields={"status": "Trạng thái không hợp lệ."})
        query = query.where(Incident.status == filters.status)
    if cursor:
        query = query.where(_after(cursor))
    rows = session.execute(query.order_by(_rank, Incident.created_at.desc(), Incident.id.desc()).limit(limit + 1)).all()
    entries = [Entry(incident, dataset_name, unit_name) for incident, dataset_name, unit_name in rows[:limit]]
    last = entries[-1].incident if len(rows) > limit else None
    next_cursor = encode_cursor([ORDER.index(IncidentStatus(last.status)), last.created_at.isoformat(), last.id]) if last else None
    return Page(items=entries, next_cursor=next_cursor)


def _after(cursor: str) -> ColumnElement[bool]:
    rank, created, ident = decode_cursor(cursor, 3)
    try:
        at, after_id, place = datetime.fromisoformat(created), uuid.UUID(ident), int(rank)
    except ValueError:
        raise BadRequest("Con trỏ phân trang không hợp lệ.", fields={"cursor": "Không hợp lệ."}) from None
    later = or_(Incident.created_at < at, and_(Incident.created_at == at, Incident.id < after_id))
    return or_(_rank > place, and_(_rank == place, later))


def status_counts(session: Session, *, actor: Actor, filters: Filters) -> dict[str, int]:
    """How many incidents of each status the other filters leave (every status present, 0 if none)."""
    _signed_in(actor)
    query = _joined(select(Incident.status, func.count())).where(*_conditions(session, actor, filters)).group_by(Incident.status)
    found = {status: count for status, count in session.execute(query).tuples()}
    return {status.value: found.get(status.value, 0) for status in ORDER}


def units(session: Session) -> list[tuple[uuid.UUID, str]]:
    """The ministry's units, for the list's filter."""
    query = select(Organization.id, Organization.name).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name)
    return [(row.id, row.name) for row in session.execute(query)]


def get_incident(session: Session, *, actor: Actor, incident_id: uuid.UUID) -> Incident:
    _signed_in(actor)
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("Không tìm thấy sự cố chất lượng dữ liệu.")
    readable_dataset(session, actor=actor, dataset_id=incident.dataset_id)
    return incident


def can_change(actor: Actor, dataset: Dataset) -> bool:
    """The dataset's unit (its stewards, sub-units' included) or an administrator."""
    return authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=dataset.owner_unit_id)


def incident_view(session: Session, *, actor: Actor, incident_id: uuid.UUID) -> IncidentView:
    incident = get_incident(session, actor=actor, incident_id=incident_id)
    dataset = readable_dataset(session, actor=actor, dataset_id=incident.dataset_id)
    unit = session.get(Organization, dataset.owner_unit_id)
    allowed = can_change(actor, dataset)
    return IncidentView(
        incident=incident,
        dataset=dataset,
        unit_name=unit.name if unit else None,
        feedback=session.get(Feedback, incident.feedback_id) if incident.feedback_id else None,
        rule=session.get(QualityRule, incident.rule_id) if incident.rule_id else None,
        created_by=_name(session, incident.created_by_id),
        resolved_by=_name(session, incident.resolved_by_id),
        can_change=allowed,
        next_statuses=tuple(NEXT.get(incident.status, ())) if allowed else (),
    )


def _name(session: Session, user_id: uuid.UUID | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.full_name if user else None


# ---- changes by the staff ---------------------------------------------------------------------


def create_incident(session: Session, *, actor: Actor, dataset_id: uuid.UUID, data: IncidentIn) -> Incident:
    """A civil servant who may see the dataset reports a problem of its data (any signed-in role: reporting changes no data)."""
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    incident = Incident(
        id=new_id(),
        dataset_id=dataset.id,
        source=IncidentSource.STAFF,
        status=OPEN,
        title=data.title,
        body=data.description,
        reporter=_reporter_of(session, actor),
        created_by_id=actor.user_id,
    )
    _created(session, actor, incident)
    _tell_unit(session, dataset, incident, but=actor.user_id)
    return incident


def _reporter_of(session: Session, actor: Actor) -> str | None:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        return None
    unit = session.get(Organization, user.unit_id) if user.unit_id else None
    return f"{user.full_name} ({unit.name})"[:255] if unit else user.full_name[:255]


def change_status(session: Session, *, actor: Actor, incident_id: uuid.UUID, data: StatusIn) -> Incident:
    """Move an incident on (its unit's stewards or an administrator); resolving or dismissing needs a reason."""
    incident = get_incident(session, actor=actor, incident_id=incident_id)
    dataset = readable_dataset(session, actor=actor, dataset_id=incident.dataset_id)
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=dataset.owner_unit_id)
    if data.status == incident.status:
        raise Invalid("Sự cố đã ở trạng thái này.", fields={"status": "Không có gì thay đổi."})
    if data.status not in NEXT.get(incident.status, ()):
        message = "Sự cố đã đóng: hãy mở lại (trạng thái «Mới») trước khi chuyển sang trạng thái khác."
        raise Invalid(message, fields={"status": message})
    reason = data.resolution or ""
    if data.status in CLOSED and len(reason) < MIN_REASON:
        message = "Hãy nêu lý do đóng sự cố (kết quả khắc phục, hoặc vì sao không phải lỗi), ít nhất 5 ký tự."
        raise Invalid(message, fields={"resolution": message})
    _move(session, actor, incident, data.status, reason or None)
    return incident


def _move(session: Session, actor: Actor, incident: Incident, status: IncidentStatus, reason: str | None) -> None:
    """Set the status; a closing keeps its reason, who and when; any other move clears them (the trail keeps the old)."""
    before = audit.snapshot(incident, AUDITED)
    incident.status = status
    closing = status in CLOSED
    incident.resolution = reason if closing else None
    incident.resolved_at, incident.resolved_by_id = (utcnow(), actor.user_id) if closing else (None, None)
    changes = audit.diff(before, audit.snapshot(incident, AUDITED))
    if reason and not closing:
        changes["note"] = [None, reason]  # why it was reopened or taken up: kept in the trail only
    _record(session, actor, incident, "update", changes)


def _created(session: Session, actor: Actor, incident: Incident) -> None:
    session.add(incident)
    session.flush()
    _record(session, actor, incident, "create", audit.diff({}, audit.snapshot(incident, CREATED)))


def _record(session: Session, actor: Actor, incident: Incident, action: str, changes: dict[str, list[Any]]) -> None:
    audit.record(
        session, actor=actor, action=action, entity_type=ENTITY, entity_id=incident.id, entity_label=incident.title, changes=changes
    )


def _tell_unit(session: Session, dataset: Dataset, incident: Incident, *, but: uuid.UUID | None = None) -> None:
    """The dataset's unit's stewards are told of a new incident in the app (and by e-mail when they have an address)."""
    stewards = select(User.id).where(User.is_active.is_(True), User.role == Role.STEWARD, User.unit_id == dataset.owner_unit_id)
    user_ids = [user_id for user_id in session.scalars(stewards) if user_id != but]
    if user_ids:
        notify(
            session,
            actor=system_actor(),
            user_ids=user_ids,
            subject=f"Sự cố chất lượng dữ liệu: {dataset.name}",
            body=f"{incident.title}\n\n{incident.body[:500]}",
            link=f"/quality/incidents/{incident.id}",
        )


# ---- from the public portal -----------------------------------------------------------------------


def from_feedback(session: Session, *, actor: Actor, feedback: Feedback) -> Incident | None:
    """After a moderation (feedback.service.moderate): a published error report on a dataset has its incident,
    once; a report withdrawn later (rejected) dismisses its incident if still active. The reporter stays unnamed."""
    if feedback.kind != FeedbackKind.ERROR or feedback.dataset_id is None:
        return None
    found = session.scalar(select(Incident).where(Incident.feedback_id == feedback.id))
    if feedback.status == FeedbackStatus.PUBLISHED and found is None:
        return _from_report(session, actor, feedback)
    if feedback.status == FeedbackStatus.REJECTED and found is not None and found.status in ACTIVE:
        note = f": {feedback.moderation_note}" if feedback.moderation_note else "."
        _move(session, actor, found, DISMISSED, f"Báo lỗi bị từ chối khi duyệt lại{note}"[:MAX_REASON])
    return found


def _from_report(session: Session, actor: Actor, feedback: Feedback) -> Incident:
    assert feedback.dataset_id is not None
    incident = Incident(
        id=new_id(),
        dataset_id=feedback.dataset_id,
        source=IncidentSource.PORTAL,
        status=OPEN,
        title=feedback.title or headline(feedback.body),
        body=feedback.body,
        reporter=None,  # never the member of the public's name or address
        feedback_id=feedback.id,
        created_by_id=actor.user_id,
    )
    try:
        with session.begin_nested():  # two moderators publishing at once: one incident, no error
            _created(session, actor, incident)
    except IntegrityError:
        existing = session.scalar(select(Incident).where(Incident.feedback_id == feedback.id))
        assert existing is not None
        return existing
    return incident


def headline(text: str) -> str:
    """The first line of a text, cut at a word near HEADLINE characters."""
    first = " ".join((text.strip().splitlines() or [""])[0].split())
    if len(first) <= HEADLINE:
        return first
    cut = first[:HEADLINE].rsplit(" ", 1)[0]
    return (cut if len(cut) > HEADLINE // 2 else first[:HEADLINE]) + "…"


# ---- from another agency's application (the gateway) -------------------------------------------


def report_by_consumer(session: Session, *, consumer: Consumer, service_code: str, data: ConsumerReportIn) -> Incident:
    """An application holding an active grant on the service reports an error in its data (checked as a read is)."""
    service, grant = exchange.granted(session, consumer, service_code)
    limiter.check(grant, service)
    if service.dataset_id is None:
        raise Conflict(
            "Dịch vụ {code} không gắn với bộ dữ liệu nào của danh mục: hãy báo lỗi cho đơn vị cung cấp qua đầu mối.",
            values={"code": service.code},
        )
    dataset = session.get_one(Dataset, service.dataset_id)
    agency = session.get(Organization, consumer.app.organization_id)
    body = data.description + f"\n\nDịch vụ: {service.code}"
    if data.record_ids:
        body += "\nBản ghi được báo lỗi (_id): " + ", ".join(str(record) for record in dict.fromkeys(data.record_ids))
    incident = Incident(
        id=new_id(),
        dataset_id=dataset.id,
        source=IncidentSource.CONSUMER,
        status=OPEN,
        title=data.title,
        body=body,
        reporter=f"{agency.name if agency else ''} — {consumer.app.name}"[:255],
    )
    application = Actor(role=Role.PUBLIC, label=f"{consumer.app.name} ({consumer.credential.client_id})"[:255])
    _created(session, application, incident)
    _tell_unit(session, dataset, incident)
    return incident


def consumer_out(incident: Incident, service_code: str) -> dict[str, object]:
    """What the application is told back."""
    return {
        "id": str(incident.id),
        "service": service_code,
        "status": incident.status,
        "title": incident.title,
        "created_at": incident.created_at.isoformat(),
        "message": "Đã ghi nhận báo lỗi; đơn vị quản lý dữ liệu sẽ xử lý.",
    }
