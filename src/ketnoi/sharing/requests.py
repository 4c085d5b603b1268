"""Connection requests (Decree 47 art. 35): an agency's application asks to use a service.

The request carries the article's fields: the requester (the application and its agency), the
purpose, the data items asked for with the number of records expected, the service and the
retrieval frequency. The service's unit answers within KETNOI_CONNECTION_DECISION_WORKING_DAYS
working days (2 by art. 35 as amended by Decree 194/2025) with an approval or a reasoned refusal;
a request past its limit is listed as overdue. A service shared by default (or open) is approved
by policy at once for a registered state agency: no negotiation (art. 35 as amended). A service
shared on specific request needs the unit's decision (and, to come, the art. 38 agreement).
An approval becomes a grant (sharing.grants), which the gateway checks at every request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.auth.models import User
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.catalog.models import SharingForm
from ketnoi.db import Base, IdMixin
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Forbidden, Invalid, NotFound
from ketnoi.kit.vn import nfc
from ketnoi.notify.service import notify
from ketnoi.org.models import Organization
from ketnoi.settings import get_settings
from ketnoi.sharing import grants
from ketnoi.sharing.consumers import Consumer, ConsumerApp
from ketnoi.sharing.models import ServiceStatus, SharingService
from ketnoi.workcal.service import VN, WorkingDays, last_day

LEGAL_BASIS = "Nghị định 47/2020/NĐ-CP, Điều 35 (sửa đổi bởi Nghị định 194/2025/NĐ-CP): trả lời trong 02 ngày làm việc."
FREQUENCIES = ("realtime", "daily", "weekly", "monthly", "on_demand")
BY_POLICY = (SharingForm.OPEN, SharingForm.DEFAULT_SHARED)


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


class ConnectionRequest(IdMixin, Base):
    __tablename__ = "connection_requests"

    app_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consumer_apps.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_services.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    data_items: Mapped[list[str]] = mapped_column(JSON)
    expected_records: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.SUBMITTED, index=True)
    submitted_at: Mapped[datetime]
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(255))  # a person's name, or "chính sách chia sẻ mặc định"
    reason: Mapped[str | None] = mapped_column(Text)  # of a refusal (required), or of an approval by policy
    reminded_at: Mapped[datetime | None]  # when its unit was told it is overdue (once)


def submit(
    session: Session,
    *,
    consumer: Consumer,
    service_code: str,
    purpose: str,
    data_items: list[str],
    expected_records: int | None,
    frequency: str,
) -> ConnectionRequest:
    """An application asks to use a published service; approved at once when its sharing form allows."""
    service = session.scalar(select(SharingService).where(SharingService.code == service_code))
    if service is None or service.status not in (ServiceStatus.PUBLISHED, ServiceStatus.CHANGED):
        raise NotFound("Không có dịch vụ đã công bố mã «{service_code}».", values={"service_code": service_code})
    purpose = nfc(purpose)
    if not 10 <= len(purpose) <= 5000:
        raise Invalid("Hãy nêu mục đích khai thác (10 đến 5.000 ký tự).", fields={"purpose": "Bắt buộc."})
    if service.upstream_url:  # a unit's own API: asked for as a whole (its fields are the API's)
        data_items = []
    grants.check_items(service, data_items)
    if frequency not in FREQUENCIES:
        raise Invalid(
            "Tần suất khai thác phải là một trong: {choices}.", fields={"frequency": frequency}, values={"choices": ", ".join(FREQUENCIES)}
        )
    if expected_records is not None and expected_records < 0:
        raise Invalid("Số bản ghi dự kiến không âm.", fields={"expected_records": str(expected_records)})
    now = utcnow()
    request = ConnectionRequest(
        app_id=consumer.app.id,
        service_id=service.id,
        purpose=purpose,
        data_items=list(dict.fromkeys(data_items)),
        expected_records=expected_records,
        frequency=frequency,
        submitted_at=now,
        due_at=WorkingDays(session).deadline(now, get_settings().connection_decision_working_days),
    )
    session.add(request)
    if service.sharing_form in BY_POLICY:
        request.status, request.decided_at = RequestStatus.APPROVED, now
        request.decided_by, request.reason = (
            "chính sách chia sẻ mặc định",
            "Dịch vụ chia sẻ mặc định: cơ quan nhà nước được khai thác không cần thoả thuận.",
        )
    session.flush()
    if request.status == RequestStatus.APPROVED:
        grants.create(session, app_id=consumer.app.id, service=service, request_id=request.id, data_items=request.data_items,
                      granted_by=request.decided_by or "")  # fmt: skip
    _record(session, system_actor(), request, {"status": [None, request.status], "service": [None, service.code]})
    _tell_owner(session, service, request, consumer)
    return request


def for_its_unit(session: Session, *, actor: Actor, request_id: uuid.UUID) -> tuple[ConnectionRequest, SharingService]:
    """A request and its service, for the service's unit (or an administrator) to act on."""
    request = session.get(ConnectionRequest, request_id)
    if request is None:
        raise NotFound("Không tìm thấy yêu cầu kết nối.")
    service = session.get_one(SharingService, request.service_id)
    authz.require(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id)
    return request, service


@dataclass(frozen=True)
class Terms:
    """What an approval grants beyond the items asked for (see sharing.grants)."""

    personal_items: list[str] = field(default_factory=list)
    row_filters: list[list[str]] = field(default_factory=list)
    rate_per_minute: int | None = None
    quota_per_day: int | None = None
    operations: list[str] | None = None  # None: every operation (grants.OPERATIONS)


def decide(
    session: Session, *, actor: Actor, request_id: uuid.UUID, approve: bool, reason: str | None, terms: Terms | None = None
) -> ConnectionRequest:
    """The service's unit (or an administrator) approves, granting the items asked for on its
    terms, or refuses with its reasons."""
    request, service = for_its_unit(session, actor=actor, request_id=request_id)
    if request.status != RequestStatus.SUBMITTED:
        raise Invalid("Yêu cầu này đã được trả lời.", fields={"status": request.status})
    reason = nfc(reason or "") or None
    if not approve and (reason is None or len(reason) < 10):
        raise Invalid("Từ chối phải nêu rõ lý do (ít nhất 10 ký tự).", fields={"reason": "Bắt buộc khi từ chối."})
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_at, request.decided_by, request.reason = utcnow(), actor.label, reason
    if approve:
        terms = terms or Terms()
        grants.create(
            session,
            app_id=request.app_id,
            service=service,
            request_id=request.id,
            data_items=request.data_items,
            granted_by=actor.label,
            personal_items=terms.personal_items,
            row_filters=terms.row_filters,
            rate_per_minute=terms.rate_per_minute,
            quota_per_day=terms.quota_per_day,
            agreement_required=service.sharing_form not in BY_POLICY,  # art. 38: no data before the agreement
            operations=terms.operations,
        )
    _record(session, actor, request, {"status": [RequestStatus.SUBMITTED, request.status], "reason": [None, reason]})
    return request


def pending(session: Session, *, actor: Actor, overdue_at: datetime | None = None) -> list[ConnectionRequest]:
    """Requests awaiting an answer from services this actor may answer for, the oldest limit first;
    with `overdue_at`, only those past their limit at that time."""
    query = select(ConnectionRequest).join(SharingService).where(ConnectionRequest.status == RequestStatus.SUBMITTED)
    units = authz.editable_units(actor)
    if units is not None:
        query = query.where(SharingService.owner_unit_id.in_(units))
    if overdue_at is not None:
        query = query.where(ConnectionRequest.due_at < overdue_at)
    return list(session.scalars(query.order_by(ConnectionRequest.due_at, ConnectionRequest.id)))


def remind_overdue(session: Session, now: datetime | None = None) -> int:
    """Tell the unit's stewards and the administrators, once, of each request past its time limit
    (run every minute by a worker: jobs.queue.PERIODIC); how many were told of."""
    now = now or utcnow()
    overdue = (
        select(ConnectionRequest, SharingService)
        .join(SharingService)
        .where(ConnectionRequest.status == RequestStatus.SUBMITTED, ConnectionRequest.due_at < now, ConnectionRequest.reminded_at.is_(None))
    )
    told = 0
    for request, service in session.execute(overdue).tuples():
        people = select(User.id).where(
            User.is_active.is_(True), (User.role == "admin") | ((User.role == "steward") & (User.unit_id == service.owner_unit_id))
        )
        notify(
            session,
            actor=system_actor(),
            user_ids=list(session.scalars(people)),
            subject=f"Quá hạn trả lời yêu cầu kết nối dịch vụ {service.code}",
            body=f"Yêu cầu kết nối gửi ngày {request.submitted_at.astimezone(VN):%d/%m/%Y} đã quá thời hạn trả lời "
            f"(hết ngày {last_day(request.due_at):%d/%m/%Y}). {LEGAL_BASIS}",
            link=f"/services/{service.id}/requests/{request.id}",
        )
        request.reminded_at = now
        told += 1
    return told


def can_watch(actor: Actor, service: SharingService) -> bool:
    """The requests for a service are its unit's business (and the platform's and leaders'), not the public's."""
    return actor.role in (Role.ADMIN, Role.LEADER) or authz.allowed(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id)


@dataclass(frozen=True)
class Connection:
    """A request with its application and agency, as the service's unit reads it."""

    request: ConnectionRequest
    app: ConsumerApp
    agency: Organization


def of_service(session: Session, *, actor: Actor, service: SharingService, request_id: uuid.UUID | None = None) -> list[Connection]:
    """The requests for a service (or the one `request_id`), those awaiting an answer first (the oldest limit first)."""
    if not can_watch(actor, service):
        raise Forbidden("Chỉ đơn vị chủ quản dịch vụ xem được các yêu cầu kết nối.")
    query = (
        select(ConnectionRequest, ConsumerApp, Organization)
        .join(ConsumerApp, ConsumerApp.id == ConnectionRequest.app_id)
        .join(Organization, Organization.id == ConsumerApp.organization_id)
        .where(ConnectionRequest.service_id == service.id)
        .order_by((ConnectionRequest.status != RequestStatus.SUBMITTED), ConnectionRequest.due_at, ConnectionRequest.id)
    )
    if request_id is not None:
        query = query.where(ConnectionRequest.id == request_id)
    return [Connection(*row) for row in session.execute(query).tuples()]


def connection(session: Session, *, actor: Actor, service: SharingService, request_id: uuid.UUID) -> Connection:
    found = of_service(session, actor=actor, service=service, request_id=request_id)
    if not found:
        raise NotFound("Không tìm thấy yêu cầu kết nối.")
    return found[0]


def of_consumer(session: Session, *, consumer: Consumer) -> list[ConnectionRequest]:
    query = select(ConnectionRequest).where(ConnectionRequest.app_id == consumer.app.id).order_by(ConnectionRequest.submitted_at.desc())
    return list(session.scalars(query))


def _tell_owner(session: Session, service: SharingService, request: ConnectionRequest, consumer: Consumer) -> None:
    stewards = select(User.id).where(User.is_active.is_(True), User.role == "steward", User.unit_id == service.owner_unit_id)
    user_ids = list(session.scalars(stewards))
    if not user_ids:
        return
    if request.status == RequestStatus.APPROVED:
        answered = "đã được chấp thuận theo chính sách chia sẻ mặc định"
    else:
        answered = f"cần được trả lời trong ngày {last_day(request.due_at):%d/%m/%Y}"
    notify(
        session,
        actor=system_actor(),
        user_ids=user_ids,
        subject=f"Yêu cầu kết nối dịch vụ {service.code}",
        body=f"Ứng dụng «{consumer.app.name}» yêu cầu khai thác dịch vụ {service.name}: {request.purpose} Yêu cầu {answered}.",
        link=f"/services/{service.id}",
    )


def _record(session: Session, actor: Actor, request: ConnectionRequest, changes: dict[str, list[object]]) -> None:
    audit.record(session, actor=actor, action="update" if "reason" in changes else "create", entity_type="connection_request",
                 entity_id=request.id, entity_label=f"Yêu cầu kết nối {request.id}", changes=changes)  # fmt: skip
