"""Agreements for sharing on specific request (Decree 47 art. 38): versioned, accepted by both sides.

A connection request for a service shared on specific request, once approved, gives a grant that
carries no data until an agreement is in force: the service's unit writes it (the art. 38 items:
the parties, the data, the place of use, the duration, the method, the processing after receipt,
the conditions, the protection commitments, the security measures, retention, deletion, other
terms) and proposes it, which is its acceptance; the application's agency accepts it through the
gateway. A new version may be proposed at any time; the version in force stays so until the new
one is accepted by both. Each version is kept, with who accepted it and when.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi.audit import service as audit
from ketnoi.authz import Actor
from ketnoi.db import Base, IdMixin
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.vn import nfc
from ketnoi.sharing.consumers import Consumer
from ketnoi.sharing.grants import Grant, GrantStatus
from ketnoi.sharing.requests import ConnectionRequest, RequestStatus, for_its_unit

# The art. 38 items, in the article's order: key -> label. Every one is written, "Không" where none applies.
ITEMS = {
    "parties": "Các bên tham gia thỏa thuận",
    "data": "Dữ liệu được chia sẻ",
    "place_of_use": "Nơi sử dụng dữ liệu",
    "duration": "Thời hạn chia sẻ",
    "method": "Phương thức chia sẻ",
    "processing": "Xử lý dữ liệu sau khi nhận",
    "conditions": "Điều kiện chia sẻ",
    "protection": "Cam kết bảo vệ dữ liệu",
    "security": "Biện pháp bảo đảm an toàn, an ninh",
    "retention": "Thời gian lưu giữ",
    "deletion": "Xoá, huỷ dữ liệu",
    "other": "Nội dung khác",
}
MAX_ITEM = 10_000


class AgreementStatus:
    PROPOSED = "proposed"  # written and accepted by the service's unit, awaiting the consumer
    IN_FORCE = "in_force"  # accepted by both
    SUPERSEDED = "superseded"  # replaced by a later version accepted by both


class Agreement(IdMixin, Base):
    __tablename__ = "sharing_agreements"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connection_requests.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    terms: Mapped[dict[str, str]] = mapped_column(JSON)
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default=AgreementStatus.PROPOSED)
    provider_accepted_at: Mapped[datetime]
    provider_accepted_by: Mapped[str] = mapped_column(String(255))
    consumer_accepted_at: Mapped[datetime | None]
    consumer_accepted_by: Mapped[str | None] = mapped_column(String(255))  # the credential's client_id

    __table_args__ = (UniqueConstraint("request_id", "version"),)


def propose(
    session: Session, *, actor: Actor, request_id: uuid.UUID, terms: dict[str, str], valid_from: date, valid_until: date | None
) -> Agreement:
    """The service's unit writes the next version and, by proposing it, accepts it."""
    request, service = for_its_unit(session, actor=actor, request_id=request_id)
    if request.status != RequestStatus.APPROVED:
        raise Conflict("Chỉ lập thỏa thuận cho yêu cầu kết nối đã được chấp thuận.", fields={"status": request.status})
    written = {key: nfc(str(terms.get(key) or "")).strip() for key in ITEMS}
    missing = {key: "Bắt buộc (ghi «Không» nếu không có)." for key, value in written.items() if not value}
    too_long = {key: f"Tối đa {MAX_ITEM:,} ký tự.".replace(",", ".") for key, value in written.items() if len(value) > MAX_ITEM}
    if missing or too_long:
        raise Invalid("Thỏa thuận phải có đủ các nội dung của Điều 38 Nghị định 47.", fields=missing | too_long)
    if valid_until is not None and valid_until < valid_from:
        raise Invalid("Ngày hết hiệu lực phải sau ngày bắt đầu.", fields={"valid_until": valid_until.isoformat()})
    latest = session.scalar(select(func.max(Agreement.version)).where(Agreement.request_id == request.id)) or 0
    agreement = Agreement(
        request_id=request.id,
        version=latest + 1,
        terms=written,
        valid_from=valid_from,
        valid_until=valid_until,
        provider_accepted_at=utcnow(),
        provider_accepted_by=actor.label,
    )
    session.add(agreement)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="sharing_agreement", entity_id=agreement.id,
                 entity_label=f"Thỏa thuận {service.code} v{agreement.version}", changes={"status": [None, agreement.status]})  # fmt: skip
    return agreement


def accept(session: Session, *, consumer: Consumer, agreement_id: uuid.UUID) -> Agreement:
    """The application's agency accepts a proposed version: it comes into force, the earlier one is superseded."""
    agreement = session.get(Agreement, agreement_id)
    request = session.get(ConnectionRequest, agreement.request_id) if agreement else None
    if agreement is None or request is None or request.app_id != consumer.app.id:
        raise NotFound("Không tìm thấy thỏa thuận.")
    if agreement.status != AgreementStatus.PROPOSED:
        raise Conflict("Phiên bản thỏa thuận này không còn chờ chấp thuận.", fields={"status": agreement.status})
    newer = session.scalar(select(func.max(Agreement.version)).where(Agreement.request_id == request.id))
    if newer != agreement.version:
        raise Conflict(
            "Đã có phiên bản mới hơn (v{newer}): hãy xem và chấp thuận phiên bản đó.",
            fields={"version": str(newer)},
            values={"newer": newer},
        )
    for earlier in session.scalars(
        select(Agreement).where(Agreement.request_id == request.id, Agreement.status == AgreementStatus.IN_FORCE)
    ):
        earlier.status = AgreementStatus.SUPERSEDED
    agreement.status = AgreementStatus.IN_FORCE
    agreement.consumer_accepted_at, agreement.consumer_accepted_by = utcnow(), consumer.credential.client_id
    for grant in session.scalars(select(Grant).where(Grant.request_id == request.id, Grant.status == GrantStatus.ACTIVE)):
        grant.agreement_id = agreement.id
    return agreement


def of_request(session: Session, *, request_id: uuid.UUID) -> list[Agreement]:
    return list(session.scalars(select(Agreement).where(Agreement.request_id == request_id).order_by(Agreement.version.desc())))


def of_consumer(session: Session, *, consumer: Consumer) -> list[Agreement]:
    query = select(Agreement).join(ConnectionRequest).where(ConnectionRequest.app_id == consumer.app.id)
    return list(session.scalars(query.order_by(Agreement.request_id, Agreement.version.desc())))


def in_force_on(agreement: Agreement, day: date) -> bool:
    return (
        agreement.status == AgreementStatus.IN_FORCE
        and agreement.valid_from <= day
        and (agreement.valid_until is None or day <= agreement.valid_until)
    )


def out(agreement: Agreement) -> dict[str, object]:
    return {
        "id": str(agreement.id),
        "request_id": str(agreement.request_id),
        "version": agreement.version,
        "status": agreement.status,
        "terms": [{"key": key, "label": label, "text": agreement.terms.get(key, "")} for key, label in ITEMS.items()],
        "valid_from": agreement.valid_from.isoformat(),
        "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else None,
        "provider_accepted": {"at": agreement.provider_accepted_at.isoformat(), "by": agreement.provider_accepted_by},
        "consumer_accepted": (
            {"at": agreement.consumer_accepted_at.isoformat(), "by": agreement.consumer_accepted_by}
            if agreement.consumer_accepted_at else None
        ),
        "legal_basis": "Nghị định 47/2020/NĐ-CP, Điều 38",
    }  # fmt: skip
