"""Telling a unit that feedback has arrived: its stewards in the app, its focal point by e-mail.

The focal point (đầu mối, Decree 47 art. 7) has an address but no account, so the in-app
notification cannot reach it: a job e-mails it after the commit, looking the current focal point
up when it runs. The job's parameters hold only the feedback's id (no address); the sender's own
address is never written anywhere.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.catalog.models import Dataset
from ketnoi.feedback.models import Feedback, FeedbackKind
from ketnoi.identity import system_actor
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import enqueue, job
from ketnoi.notify.email import send_email
from ketnoi.notify.service import notify
from ketnoi.org.service import current_focal_points
from ketnoi.settings import get_settings

EMAIL_FOCAL_POINT = "feedback.email_focal_point"
EXCERPT = 300
SUBJECTS = {
    FeedbackKind.COMMENT: "Góp ý mới về bộ dữ liệu «{name}»",
    FeedbackKind.ERROR: "Báo lỗi dữ liệu mới về bộ dữ liệu «{name}»",
    FeedbackKind.REQUEST: "Đề nghị công bố dữ liệu mới: «{name}»",
}


def moderation_link(feedback: Feedback) -> str:
    return f"/feedback?status={feedback.status}#fb-{feedback.id}"


def message(session: Session, feedback: Feedback) -> tuple[str, str]:
    """The subject and text telling a unit of new feedback (no sender's address in it)."""
    dataset = session.get(Dataset, feedback.dataset_id) if feedback.dataset_id else None
    name = dataset.name if dataset else (feedback.title or "")
    subject = SUBJECTS[FeedbackKind(feedback.kind)].format(name=name)
    text = feedback.body if len(feedback.body) <= EXCERPT else feedback.body[: EXCERPT - 1] + "…"
    sender = feedback.author_name or "Người gửi không nêu tên"
    body = f"{sender} viết: «{text}» Ý kiến chỉ hiển thị công khai sau khi được duyệt; hãy duyệt và trả lời trên trang Góp ý."
    return subject, body


def tell_unit(session: Session, feedback: Feedback) -> None:
    """The answering unit's stewards (or, for a request addressed to no unit, the administrators)
    in the app; the unit's current focal point by e-mail, after the commit."""
    subject, body = message(session, feedback)
    if feedback.organization_id is None:
        people = select(User.id).where(User.is_active.is_(True), User.role == "admin")
    else:
        people = select(User.id).where(User.is_active.is_(True), User.role == "steward", User.unit_id == feedback.organization_id)
    user_ids = list(session.scalars(people))
    if user_ids:
        notify(session, actor=system_actor(), user_ids=user_ids, subject=subject, body=body, link=moderation_link(feedback))
    if feedback.organization_id is None:
        return
    point = current_focal_points(session, [feedback.organization_id]).get(feedback.organization_id)
    if point is not None and point.email:
        enqueue(session, kind=EMAIL_FOCAL_POINT, params={"feedback_id": str(feedback.id)}, actor=system_actor())


@job(EMAIL_FOCAL_POINT)
def email_focal_point(session: Session, job: Job, *, feedback_id: str) -> None:
    """E-mail the answering unit's focal point, as it is now, of one piece of feedback."""
    job.total = 1
    feedback = session.get(Feedback, uuid.UUID(feedback_id))
    if feedback is None or feedback.organization_id is None:
        job.message = "Ý kiến không còn, hoặc không gửi đơn vị nào; không gửi e-mail."
        return
    point = current_focal_points(session, [feedback.organization_id]).get(feedback.organization_id)
    if point is None or not point.email:
        job.message = "Đơn vị chưa có đầu mối có địa chỉ e-mail; không gửi e-mail."
        return
    subject, body = message(session, feedback)
    link = get_settings().base_url.rstrip("/") + moderation_link(feedback)
    send_email([point.email], subject, f"Kính gửi {point.full_name},\n\n{body}\n\nXem và duyệt: {link}")
    job.progress = 1
    job.message = "Đã gửi e-mail cho đầu mối của đơn vị."
