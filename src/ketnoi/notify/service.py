"""Notifications: one in-app row per recipient, and an e-mail copy sent by a job after commit.

`notify` is called by other services once they have decided that an action is allowed (an
access request approved, a review due, feedback received); it reveals nothing to the caller, so
it has no permission check of its own, and any actor, even the public sending feedback, may
cause one. Reading and marking notifications is for their recipient only.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.jobs.queue import enqueue
from ketnoi.kit.clock import new_id, utcnow
from ketnoi.kit.errors import Invalid, NotFound, Unauthenticated
from ketnoi.kit.vn import nfc
from ketnoi.notify.models import Notification
from ketnoi.notify.tasks import SEND_EMAIL

MAX_SUBJECT = 255  # width of notifications.subject
MAX_LINK = 500  # width of notifications.link
MAX_LIST = 200


def notify(
    session: Session,
    *,
    actor: Actor,
    user_ids: list[uuid.UUID],
    subject: str,
    body: str,
    link: str | None = None,
) -> list[Notification]:
    """Notify each user in the app, and by e-mail (one job each) when the user has an address."""
    subject, body = _clean_subject(subject), nfc(body.strip())
    if link is not None and len(link) > MAX_LINK:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"link": f"Liên kết dài quá {MAX_LINK} ký tự."})
    users = _recipients(session, user_ids)
    now = utcnow()
    created = [Notification(id=new_id(), user_id=user.id, subject=subject, body=body, link=link, created_at=now) for user in users]
    session.add_all(created)
    for user, notification in zip(users, created, strict=True):
        if user.is_active and user.email:
            enqueue(session, kind=SEND_EMAIL, params={"notification_id": str(notification.id)}, actor=actor)
    return created


def _clean_subject(subject: str) -> str:
    """One line, NFC, cut to the column width (a long dataset name must not lose the message)."""
    text = nfc(" ".join(subject.split()))
    if not text:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"subject": "Tiêu đề là bắt buộc."})
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1] + "…"


def _recipients(session: Session, user_ids: list[uuid.UUID]) -> list[User]:
    """The users, once each, in the order given; a missing id is the caller's mistake."""
    wanted = list(dict.fromkeys(user_ids))
    found = {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}
    if len(found) != len(wanted):
        raise NotFound("Không tìm thấy người nhận thông báo.")
    return [found[user_id] for user_id in wanted]


def _owner(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    return actor.user_id


def list_notifications(
    session: Session,
    *,
    actor: Actor,
    unread_only: bool = False,
    limit: int = 50,
) -> list[Notification]:
    """The actor's latest notifications, newest first (the bell menu and its page)."""
    query = select(Notification).where(Notification.user_id == _owner(actor))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(max(1, min(limit, MAX_LIST)))
    return list(session.scalars(query))


def unread_count(session: Session, *, actor: Actor) -> int:
    query = (
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == _owner(actor),
            Notification.read_at.is_(None),
        )
    )
    return session.scalar(query) or 0


def mark_read(session: Session, *, actor: Actor, notification_id: uuid.UUID) -> Notification:
    """Mark one of the actor's notifications read; someone else's is NotFound (not even Forbidden)."""
    query = select(Notification).where(Notification.id == notification_id, Notification.user_id == _owner(actor))
    notification = session.scalar(query)
    if notification is None:
        raise NotFound("Không tìm thấy thông báo.")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(session: Session, *, actor: Actor) -> int:
    """Mark every unread notification of the actor read; how many were."""
    statement = (
        update(Notification)
        .where(Notification.user_id == _owner(actor), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount
