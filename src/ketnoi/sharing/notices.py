"""Suspension and termination (Decree 47): notices to the consumers of a service, and of one application.

A unit announces planned maintenance (the service paused for a window) or the termination of a
service at least NOTICE_WORKING_DAYS (7) working days ahead; while a maintenance window is open the
gateway answers 503 (the provider's fault) and after a termination 410. A violating application
is suspended by the platform with its reasons, and told at once (the 1-day limit is met by
construction). Every notice is delivered to each affected application as a record of the
exchange log (form `notice`), so that it was told is as provable as any exchange, and the
application reads its notices at `/x/notices`, even while suspended.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.db import Base, IdMixin
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid, NotFound
from ketnoi.kit.vn import nfc
from ketnoi.sharing import consumers, evidence
from ketnoi.sharing.consumers import AppStatus, ConsumerApp
from ketnoi.sharing.grants import Grant, GrantStatus
from ketnoi.sharing.models import SharingService
from ketnoi.workcal.service import VN, WorkingDays

NOTICE_WORKING_DAYS = 7


class NoticeKind(StrEnum):
    MAINTENANCE = "maintenance"  # the service paused from starts_at to ends_at
    TERMINATION = "termination"  # the service ends at starts_at
    SUSPENSION = "suspension"  # one application suspended (app_id), at once


class Notice(IdMixin, Base):
    __tablename__ = "sharing_notices"

    kind: Mapped[str] = mapped_column(String(16))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sharing_services.id", ondelete="CASCADE"))
    app_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consumer_apps.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index("ix_sharing_notices_service_starts", "service_id", "starts_at"),)


def announce(
    session: Session,
    *,
    actor: Actor,
    service_id: uuid.UUID,
    kind: str,
    starts_at: datetime,
    ends_at: datetime | None,
    message: str,
    now: datetime | None = None,
) -> Notice:
    """A maintenance window or a termination, announced to every application granted the service."""
    service = session.get(SharingService, service_id)
    if service is None:
        raise NotFound("Không tìm thấy dịch vụ.")
    authz.require(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id)
    if kind not in (NoticeKind.MAINTENANCE, NoticeKind.TERMINATION):
        raise Invalid("Loại thông báo phải là maintenance hoặc termination.", fields={"kind": kind})
    now = now or utcnow()
    earliest = WorkingDays(session).deadline(now, NOTICE_WORKING_DAYS)
    if starts_at < earliest:
        when = earliest.astimezone(VN)
        raise Invalid(
            "Phải báo trước ít nhất {days} ngày làm việc: bắt đầu sớm nhất {earliest:%H:%M %d/%m/%Y}.",
            fields={"starts_at": f"Sớm nhất {when:%d/%m/%Y}."},
            values={"days": NOTICE_WORKING_DAYS, "earliest": when},
        )
    if kind == NoticeKind.MAINTENANCE and (ends_at is None or ends_at <= starts_at):
        raise Invalid("Bảo trì phải có thời điểm kết thúc sau thời điểm bắt đầu.", fields={"ends_at": "Bắt buộc, sau lúc bắt đầu."})
    notice = _notice(session, actor, kind, service.id, None, starts_at, ends_at if kind == NoticeKind.MAINTENANCE else None, message)
    granted = select(Grant.app_id).where(Grant.service_id == service.id, Grant.status == GrantStatus.ACTIVE).distinct()
    for app_id in session.scalars(granted):
        _deliver(session, notice, str(app_id), service.code)
    return notice


def suspend(session: Session, *, actor: Actor, app_id: uuid.UUID, reason: str) -> Notice:
    """Suspend a violating application at once, with its reasons, and tell it."""
    app = consumers.set_status(session, actor=actor, app_id=app_id, status=AppStatus.SUSPENDED)
    notice = _notice(session, actor, NoticeKind.SUSPENSION, None, app.id, utcnow(), None, reason)
    _deliver(session, notice, str(app.id), "")
    return notice


def _notice(
    session: Session,
    actor: Actor,
    kind: str,
    service_id: uuid.UUID | None,
    app_id: uuid.UUID | None,
    starts_at: datetime,
    ends_at: datetime | None,
    message: str,
) -> Notice:
    message = nfc(message or "").strip()
    if not 10 <= len(message) <= 5000:
        raise Invalid("Hãy nêu nội dung, lý do (10 đến 5.000 ký tự).", fields={"message": "Bắt buộc."})
    notice = Notice(kind=kind, service_id=service_id, app_id=app_id, starts_at=starts_at, ends_at=ends_at, message=message,
                    created_at=utcnow(), created_by=actor.label)  # fmt: skip
    session.add(notice)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="sharing_notice", entity_id=notice.id,
                 entity_label=f"Thông báo {kind}", changes={"kind": [None, kind], "message": [None, message]})  # fmt: skip
    return notice


def _deliver(session: Session, notice: Notice, app_id: str, service_code: str) -> None:
    """The notice as told to one application: a record of the exchange log."""
    digest = hashlib.sha256(f"{notice.id}:{notice.kind}:{notice.starts_at.isoformat()}:{notice.message}".encode()).hexdigest()
    evidence.append(
        session,
        evidence.Exchange(
            form="notice",
            consumer=app_id,
            service=service_code,
            request=f"NOTICE {notice.kind} {notice.id}",
            status=0,
            row_count=0,
            response_digest=f"sha-256:{digest}",
            latency_ms=0,
        ),
    )


def for_consumer(session: Session, *, app: ConsumerApp) -> list[Notice]:
    """The notices for this application: its own, and those of the services it is granted."""
    services = select(Grant.service_id).where(Grant.app_id == app.id, Grant.status == GrantStatus.ACTIVE)
    query = select(Notice).where(or_(Notice.app_id == app.id, Notice.service_id.in_(services)))
    return list(session.scalars(query.order_by(Notice.created_at.desc())))


def of_service(session: Session, *, service: SharingService) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.service_id == service.id).order_by(Notice.starts_at.desc())))


def out(notice: Notice) -> dict[str, object]:
    return {
        "id": str(notice.id),
        "kind": notice.kind,
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "message": notice.message,
        "announced_at": notice.created_at.isoformat(),
    }
