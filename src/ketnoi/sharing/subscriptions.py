"""Subscription push (Circular 13/2017's fourth query mode): a consumer is told when a service's data changes.

An application with a grant subscribes a URL of its own to a service. When the service's table
gets a new version (a load), the platform POSTs a notification there: which versions, and the
`changed_since` query that returns exactly the rows added and removed. The data itself is never
pushed: the consumer pulls it through the gateway, where its grant (allow-list, masks, row
filters) and the exchange log apply as to any call. Each notification is signed by the node (RFC
9421, tag `ketnoi-webhook`, the node's keys at /.well-known/jwks.json).

A worker looks for new versions and sends what is due every minute (jobs.queue.PERIODIC). A
failed delivery (no answer in 10 s, or not 2xx) is tried again after 1, 5, 30 minutes, 2 and 6
hours; after the sixth failure it goes to the dead letters, which the consumer and the
platform's staff see and can send again.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.db import Base, IdMixin
from ketnoi.kit import httpsig, nodekey
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError, Invalid, NotFound
from ketnoi.settings import get_settings
from ketnoi.sharing import exchange
from ketnoi.sharing.consumers import Consumer
from ketnoi.sharing.grants import Grant, GrantStatus
from ketnoi.sharing.models import SharingService

RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
TIMEOUT_SECONDS = 10
MAX_PER_RUN = 100


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # every attempt failed: the dead letters


class Subscription(IdMixin, Base):
    __tablename__ = "sharing_subscriptions"

    app_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consumer_apps.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_services.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(default=True)
    last_version_id: Mapped[uuid.UUID | None]  # the datastore version last notified
    created_at: Mapped[datetime]


class Delivery(IdMixin, Base):
    __tablename__ = "sharing_deliveries"

    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sharing_subscriptions.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


def subscribe(session: Session, *, consumer: Consumer, service_code: str, url: str) -> Subscription:
    """The calling application asks to be told of changes to a service it is granted (changed_since)."""
    service, grant = exchange.granted(session, consumer, service_code)
    if "changes" not in grant.operations:
        raise exchange.NoGrant("Quyền khai thác không gồm thao tác «changes»: không đăng ký nhận thông báo được.")
    _check_url(url)
    version, _, _ = exchange.current_version(session, service)
    made = Subscription(app_id=consumer.app.id, service_id=service.id, url=url, last_version_id=version.id, created_at=utcnow())
    session.add(made)
    session.flush()
    return made


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    allowed = ("https", "http") if get_settings().webhook_allow_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname or len(url) > 1000:
        raise Invalid("Địa chỉ nhận thông báo phải là URL https:// đầy đủ.", fields={"url": url[:200]})


def cancel(session: Session, *, consumer: Consumer, subscription_id: uuid.UUID) -> Subscription:
    found = session.get(Subscription, subscription_id)
    if found is None or found.app_id != consumer.app.id:
        raise NotFound("Không tìm thấy đăng ký nhận thông báo.")
    found.active = False
    return found


def of_consumer(session: Session, *, consumer: Consumer) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(Subscription.app_id == consumer.app.id).order_by(Subscription.created_at)))


def deliveries(session: Session, *, subscription_ids: list[uuid.UUID], status: str | None) -> list[Delivery]:
    query = select(Delivery).where(Delivery.subscription_id.in_(subscription_ids))
    if status:
        query = query.where(Delivery.status == status)
    return list(session.scalars(query.order_by(Delivery.created_at.desc()).limit(500)))


def dead_letters(session: Session, *, actor: Actor) -> list[tuple[Delivery, Subscription, SharingService]]:
    """Deliveries that failed every attempt, for the platform's staff (a unit: its own services')."""
    authz.require(actor, Action.VIEW, Kind.AUDIT)
    query = (
        select(Delivery, Subscription, SharingService)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(SharingService, SharingService.id == Subscription.service_id)
        .where(Delivery.status == DeliveryStatus.DEAD)
    )
    if actor.role is Role.STEWARD:
        query = query.where(SharingService.owner_unit_id.in_(actor.unit_scope))
    return [(d, s, svc) for d, s, svc in session.execute(query.order_by(Delivery.created_at.desc()).limit(200)).tuples()]


def send_again(session: Session, *, delivery: Delivery) -> Delivery:
    if delivery.status != DeliveryStatus.DEAD:
        raise Invalid("Chỉ gửi lại thông báo đã thất bại hết số lần thử.", fields={"status": delivery.status})
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, utcnow()
    return delivery


def resend_for_staff(session: Session, *, actor: Actor, delivery_id: uuid.UUID) -> Delivery:
    found = session.get(Delivery, delivery_id)
    subscription = session.get(Subscription, found.subscription_id) if found else None
    service = session.get(SharingService, subscription.service_id) if subscription else None
    if found is None or service is None:
        raise NotFound("Không tìm thấy thông báo.")
    authz.require(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id)
    return send_again(session, delivery=found)


# -- the worker's side ----------------------------------------------------------------------------


def run(session: Session, now: datetime | None = None) -> None:
    """Every minute: notifications for new versions, then every delivery due."""
    now = now or utcnow()
    detect(session, now)
    deliver_due(session, now)


def detect(session: Session, now: datetime) -> int:
    """A delivery for each active subscription whose service has a version it was not told of."""
    made = 0
    active = (
        select(Subscription, SharingService)
        .join(SharingService, SharingService.id == Subscription.service_id)
        .join(Grant, (Grant.app_id == Subscription.app_id) & (Grant.service_id == Subscription.service_id))
        .where(Subscription.active.is_(True), Grant.status == GrantStatus.ACTIVE)
    )
    for subscription, service in session.execute(active).unique().tuples():
        try:
            version, _, _ = exchange.current_version(session, service)
        except DomainError:
            continue  # no data served now: nothing to tell
        if version.id == subscription.last_version_id:
            continue
        previous = exchange.version_by_id(session, subscription.last_version_id)
        since = previous.finished_at if previous and previous.finished_at else None
        payload = {
            "event": "data_changed",
            "service": service.code,
            "version": version.version,
            "previous_version": previous.version if previous else None,
            "loaded_at": version.finished_at.isoformat() if version.finished_at else None,
            "changes": f"/x/{service.code}/records" + (f"?{urlencode({'changed_since': since.isoformat()})}" if since else ""),
        }
        session.add(Delivery(subscription_id=subscription.id, payload=payload, next_attempt_at=now, created_at=now))
        subscription.last_version_id = version.id
        made += 1
    session.flush()
    return made


def deliver_due(session: Session, now: datetime) -> int:
    due = (
        select(Delivery, Subscription).join(Subscription).where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
    )
    sent = 0
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for delivery, subscription in session.execute(due.order_by(Delivery.next_attempt_at).limit(MAX_PER_RUN)).tuples():
            error = _post(client, subscription.url, delivery)
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, now, None
                sent += 1
            elif delivery.attempts > len(RETRY_AFTER):
                delivery.status, delivery.last_error = DeliveryStatus.DEAD, error
            else:
                delivery.next_attempt_at, delivery.last_error = now + RETRY_AFTER[delivery.attempts - 1], error
    return sent


def _post(client: httpx.Client, url: str, delivery: Delivery) -> str | None:
    """POST one signed notification; None when the receiver took it (2xx), else why not."""
    body = json.dumps(delivery.payload | {"delivery": str(delivery.id)}, ensure_ascii=False).encode()
    headers = {"content-type": "application/json", "content-digest": httpsig.content_digest(body), "ketnoi-delivery": str(delivery.id)}
    key = nodekey.node_key()
    headers |= httpsig.sign_request(
        method="POST", url=url, headers=headers, key_id=key.key_id, private=key.private, created=int(time.time())
    )
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"Không gửi được: {type(exc).__name__}"
    return None if 200 <= response.status_code < 300 else f"Bên nhận trả lời HTTP {response.status_code}"


def out(subscription: Subscription) -> dict[str, object]:
    return {
        "id": str(subscription.id),
        "url": subscription.url,
        "active": subscription.active,
        "created_at": subscription.created_at.isoformat(),
    }


def delivery_out(delivery: Delivery) -> dict[str, object]:
    return {
        "id": str(delivery.id),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "payload": delivery.payload,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }
