"""Jobs of the notify package: the e-mail copy of an in-app notification."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import job
from ketnoi.notify.email import send_email
from ketnoi.notify.models import Notification
from ketnoi.settings import get_settings

SEND_EMAIL = "notify.send_email"


@job(SEND_EMAIL)
def send_notification_email(session: Session, job: Job, *, notification_id: str) -> None:
    """E-mail one notification to its recipient, as the account is now (address, active)."""
    job.total = 1
    notification = session.get(Notification, uuid.UUID(notification_id))
    if notification is None:
        job.message = "Thông báo không còn tồn tại; không gửi e-mail."
        return
    user = session.get(User, notification.user_id)
    if user is None or not user.is_active or not user.email:
        job.message = "Người nhận không có địa chỉ e-mail hoặc tài khoản đã bị khóa; không gửi e-mail."
        return
    send_email([user.email], notification.subject, email_body(notification))
    job.progress = 1
    # The address is not repeated here: whoever follows the job need not learn it.
    job.message = "Đã gửi e-mail."


def email_body(notification: Notification) -> str:
    """The notification's text, with its link made absolute (e-mail has no current page)."""
    if not notification.link:
        return notification.body
    link = notification.link
    if not link.startswith(("http://", "https://")):
        link = get_settings().base_url.rstrip("/") + "/" + link.lstrip("/")
    return f"{notification.body}\n\nXem chi tiết: {link}"
