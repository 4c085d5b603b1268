"""Grants: what an approved connection lets an application take from a service.

A connection request, once approved (by policy or by the service's unit), becomes a grant: the
data items the application may read (its allow-list), the personal-data items among them whose
values it may see (the others are masked: null, and named in the response), the operations it may
call, row filters it cannot lift, and its rate and daily quota. The gateway reads the grant at
every request, so a grant revoked is refused at the next one. Deny by default: no grant, no data.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.models import DataItem
from ketnoi.db import Base, IdMixin
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid, NotFound
from ketnoi.kit.vn import nfc
from ketnoi.sharing.models import SharingService

OPERATIONS = ("records", "changes", "as_of")  # full pages; changed_since=T; as_of=T
MAX_ROW_FILTERS = 20
NOT_FILTERS = ("sort", "fields", "limit", "cursor", "count", "q", "changed_since", "as_of")  # the query's options, not filters


class GrantStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class Grant(IdMixin, Base):
    __tablename__ = "sharing_grants"

    app_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consumer_apps.id", ondelete="CASCADE"))
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_services.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("connection_requests.id", ondelete="SET NULL"))
    data_items: Mapped[list[str]] = mapped_column(JSON)  # the allow-list
    personal_items: Mapped[list[str]] = mapped_column(JSON, default=list)  # personal items disclosed, not masked
    operations: Mapped[list[str]] = mapped_column(JSON)
    row_filters: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [[param, value]] as the data API reads them
    agreement_required: Mapped[bool] = mapped_column(Boolean, default=False)  # specific request: no data before an art. 38 agreement
    agreement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sharing_agreements.id", ondelete="SET NULL"))  # in force
    rate_per_minute: Mapped[int | None] = mapped_column(Integer)  # None: the service's own limit
    quota_per_day: Mapped[int | None] = mapped_column(Integer)  # requests per day (Vietnam's day); None: no quota
    status: Mapped[str] = mapped_column(String(16), default=GrantStatus.ACTIVE)
    granted_at: Mapped[datetime]
    granted_by: Mapped[str] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_sharing_grants_app_service", "app_id", "service_id", "status"),)


def personal_items_of(session: Session, service: SharingService) -> set[str]:
    """The service's data items that are personal or sensitive data (masked unless granted)."""
    if service.dataset_id is None:
        return set()
    query = select(DataItem.name).where(
        DataItem.dataset_id == service.dataset_id, DataItem.name.in_(service.data_items), DataItem.is_personal | DataItem.is_sensitive
    )
    return set(session.scalars(query))


def check_items(service: SharingService, data_items: list[str]) -> None:
    """The data items asked for or granted: some, all of the service's (a unit's own API: none, it is taken whole)."""
    unknown = [name for name in data_items if name not in service.data_items]
    if (not data_items and not service.upstream_url) or unknown:
        listed = ", ".join(unknown)
        raise Invalid(
            "Trường dữ liệu không thuộc dịch vụ: {items}.", fields={"data_items": listed}, values={"items": listed or "(chưa chọn)"}
        )


def create(
    session: Session,
    *,
    app_id: uuid.UUID,
    service: SharingService,
    request_id: uuid.UUID | None,
    data_items: list[str],
    granted_by: str,
    personal_items: list[str] | None = None,
    row_filters: list[list[str]] | None = None,
    rate_per_minute: int | None = None,
    quota_per_day: int | None = None,
    agreement_required: bool = False,
    operations: list[str] | None = None,
) -> Grant:
    """The grant an approval gives; it replaces the application's earlier grant on the service."""
    check_items(service, data_items)
    personal = list(dict.fromkeys(personal_items or []))
    personal_in_service = personal_items_of(session, service)
    not_personal = [name for name in personal if name not in data_items or name not in personal_in_service]
    if not_personal:
        listed = ", ".join(not_personal)
        message = "Chỉ cho xem các trường dữ liệu cá nhân đã được cấp: {items}."
        raise Invalid(message, fields={"personal_items": listed}, values={"items": listed})
    filters = _row_filters(row_filters or [])
    allowed = list(OPERATIONS) if operations is None else [op for op in OPERATIONS if op in operations]
    if operations is not None and (not allowed or len(allowed) != len(set(operations))):
        raise Invalid(
            "Thao tác phải là một hoặc nhiều trong: {choices}.",
            fields={"operations": ", ".join(operations)},
            values={"choices": ", ".join(OPERATIONS)},
        )
    for limit, name in ((rate_per_minute, "rate_per_minute"), (quota_per_day, "quota_per_day")):
        if limit is not None and limit < 1:
            raise Invalid("Hạn mức phải là số dương.", fields={name: str(limit)})
    for earlier in active_grants(session, app_id=app_id, service_id=service.id):
        earlier.status, earlier.revoked_at, earlier.revoked_reason = GrantStatus.REVOKED, utcnow(), "Thay bằng quyền khai thác mới."
    grant = Grant(
        app_id=app_id,
        service_id=service.id,
        request_id=request_id,
        data_items=list(dict.fromkeys(data_items)),
        personal_items=personal,
        operations=allowed,
        row_filters=filters,
        rate_per_minute=rate_per_minute,
        quota_per_day=quota_per_day,
        agreement_required=agreement_required,
        granted_at=utcnow(),
        granted_by=granted_by,
    )
    session.add(grant)
    session.flush()
    return grant


def _row_filters(filters: list[list[str]]) -> list[list[str]]:
    """Filters in the data API's own syntax (`tinh_thanh=Hà Nội`, `nam__gte=2020`); checked
    against the table when the gateway applies them, as any filter is."""
    if len(filters) > MAX_ROW_FILTERS:
        raise Invalid("Tối đa {limit} điều kiện lọc dòng.", fields={"row_filters": str(len(filters))}, values={"limit": MAX_ROW_FILTERS})
    out = []
    for pair in filters:
        if len(pair) != 2 or not all(isinstance(part, str) and part.strip() for part in pair) or pair[0] in NOT_FILTERS:
            message = 'Điều kiện lọc dòng viết dạng [tham_số, giá_trị], ví dụ ["tinh_thanh", "Hà Nội"].'
            raise Invalid(message, fields={"row_filters": str(pair)})
        out.append([pair[0].strip(), nfc(pair[1].strip())])
    return out


def active_grants(session: Session, *, app_id: uuid.UUID, service_id: uuid.UUID) -> list[Grant]:
    query = select(Grant).where(Grant.app_id == app_id, Grant.service_id == service_id, Grant.status == GrantStatus.ACTIVE)
    return list(session.scalars(query.order_by(Grant.granted_at.desc())))


def revoke(session: Session, *, actor: Actor, grant_id: uuid.UUID, reason: str) -> Grant:
    """The service's unit (or an administrator) withdraws a grant: refused from the next request."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("Không tìm thấy quyền khai thác.")
    service = session.get_one(SharingService, grant.service_id)
    authz.require(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id)
    reason = nfc(reason or "")
    if len(reason) < 10:
        raise Invalid("Hãy nêu lý do thu hồi (ít nhất 10 ký tự).", fields={"reason": "Bắt buộc."})
    if grant.status == GrantStatus.ACTIVE:
        grant.status, grant.revoked_at, grant.revoked_reason = GrantStatus.REVOKED, utcnow(), reason
        changes: dict[str, list[object]] = {"status": [GrantStatus.ACTIVE, GrantStatus.REVOKED], "reason": [None, reason]}
        audit.record(session, actor=actor, action="update", entity_type="sharing_grant", entity_id=grant.id,
                     entity_label=f"Quyền khai thác {service.code}", changes=changes)  # fmt: skip
    return grant


def of_service(session: Session, *, actor: Actor, service: SharingService) -> list[Grant]:
    authz.require(actor, Action.VIEW, Kind.SERVICE, owner_unit_id=service.owner_unit_id)
    return list(session.scalars(select(Grant).where(Grant.service_id == service.id).order_by(Grant.granted_at.desc())))
