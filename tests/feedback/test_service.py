"""Feedback's services: what the public sends lands pending; the answering unit moderates and replies;
robots are refused with a message on the field at fault; a vote is counted once per voter."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.authz import PUBLIC
from ketnoi.db import unit_of_work
from ketnoi.feedback import antispam, service
from ketnoi.feedback.antispam import Client, TooMany
from ketnoi.feedback.models import Feedback, FeedbackVote
from ketnoi.feedback.schemas import ModerationIn, ReplyIn
from ketnoi.feedback.service import QueueFilters
from ketnoi.feedback.tasks import EMAIL_FOCAL_POINT
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.notify.models import Notification
from tests import factories as f
from tests.feedback.conftest import AUTHOR_EMAIL, FOCAL_EMAIL, OTHER_VISITOR, VISITOR, World, comment, request_in

PUBLISH = ModerationIn(decision="publish")


def _submit(db: Session, world: World, client: Client = VISITOR, **changes: object) -> Feedback:
    return service.submit_feedback(db, actor=PUBLIC, client=client, dataset_id=world.dataset.id, data=comment(**changes))


def test_an_anonymous_comment_lands_pending_is_not_public_and_keeps_no_address(db: Session, world: World) -> None:
    sent = _submit(db, world, author_name="Trần Văn Khách", author_email=AUTHOR_EMAIL)
    assert sent.status == "pending" and sent.organization_id == world.unit.id and sent.author_id is None
    assert len(sent.client_hash) == 64 and VISITOR.address not in sent.client_hash
    assert sent.client_hash == antispam.client_hash(Client(VISITOR.address, "another browser"))  # the address, not the browser
    assert service.dataset_feedback(db, dataset_id=world.dataset.id).items == []
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.entity_id == sent.id)))
    assert [e.action for e in events] == ["create"] and events[0].actor_label == "public"
    assert AUTHOR_EMAIL not in str(events[0].changes) and "Trần Văn Khách" not in str(events[0].changes)


def test_feedback_on_a_dataset_the_public_cannot_see_is_not_found(db: Session, world: World) -> None:
    for dataset_id in (world.internal.id, uuid.uuid4()):
        with pytest.raises(NotFound):
            service.submit_feedback(db, actor=world.steward, client=VISITOR, dataset_id=dataset_id, data=comment())
    with pytest.raises(NotFound):
        service.public_dataset(db, slug=world.internal.slug)
    assert service.public_dataset(db, slug=world.dataset.slug).id == world.dataset.id


def test_a_steward_of_another_unit_can_neither_moderate_nor_reply_nor_see_it_queued(db: Session, world: World) -> None:
    sent = _submit(db, world)
    with pytest.raises(Forbidden):
        service.moderate(db, actor=world.other_steward, feedback_id=sent.id, data=PUBLISH)
    with pytest.raises(Forbidden):
        service.reply(db, actor=world.other_steward, feedback_id=sent.id, data=ReplyIn(reply="Cảm ơn."))
    with pytest.raises(Unauthenticated):
        service.moderate(db, actor=PUBLIC, feedback_id=sent.id, data=PUBLISH)
    assert service.moderation_queue(db, actor=world.other_steward, filters=QueueFilters()).items == []
    leader = f.actor(db, "leader")
    assert service.moderation_queue(db, actor=leader, filters=QueueFilters()).items == []
    assert [e.feedback.id for e in service.moderation_queue(db, actor=world.steward, filters=QueueFilters()).items] == [sent.id]
    assert sent.status == "pending"


def test_published_feedback_is_shown_with_its_reply_and_a_rejection_needs_a_reason(db: Session, world: World) -> None:
    first = _submit(db, world, kind="error_report", body="Cột ngày nộp đơn có giá trị 31/02/2024, không tồn tại.")
    second = _submit(db, world)
    service.moderate(db, actor=world.steward, feedback_id=first.id, data=PUBLISH)
    service.reply(db, actor=world.steward, feedback_id=first.id, data=ReplyIn(reply="Đã sửa trong phiên bản ngày 15/03."))
    with pytest.raises(Invalid) as refused:
        service.moderate(db, actor=world.admin, feedback_id=second.id, data=ModerationIn(decision="reject"))
    assert "note" in refused.value.fields
    service.moderate(db, actor=world.admin, feedback_id=second.id, data=ModerationIn(decision="reject", note="Trùng ý kiến trước."))
    shown = service.dataset_feedback(db, dataset_id=world.dataset.id).items
    assert [item.id for item in shown] == [first.id]
    assert shown[0].reply == "Đã sửa trong phiên bản ngày 15/03." and shown[0].replied_by_id == world.steward.user_id
    with pytest.raises(Invalid):  # a rejected item gets no public reply
        service.reply(db, actor=world.admin, feedback_id=second.id, data=ReplyIn(reply="Cảm ơn."))
    statuses = [e.feedback.status for e in service.moderation_queue(db, actor=world.steward, filters=QueueFilters(status=None)).items]
    assert statuses == ["published", "rejected"]  # pending first, then the others in the same order


def test_a_request_addressed_to_no_unit_is_for_the_administrators(db: Session, world: World) -> None:
    sent = service.submit_request(db, actor=PUBLIC, client=VISITOR, data=request_in())
    with pytest.raises(Forbidden):
        service.moderate(db, actor=world.steward, feedback_id=sent.id, data=PUBLISH)
    service.moderate(db, actor=world.admin, feedback_id=sent.id, data=PUBLISH)
    told = db.scalars(select(Notification.user_id).where(Notification.link.contains(str(sent.id)))).all()
    assert told == [world.admin.user_id]
    with pytest.raises(Invalid) as wrong:
        service.submit_request(db, actor=PUBLIC, client=VISITOR, data=request_in(organization_id=uuid.uuid4()))
    assert "organization_id" in wrong.value.fields


def test_the_honeypot_is_refused_on_its_field(db: Session, world: World) -> None:
    with pytest.raises(Invalid) as refused:
        _submit(db, world, website="http://spam.example")
    assert set(refused.value.fields) == {"website"}


def test_a_form_sent_too_fast_too_late_or_forged_is_refused_on_its_token(db: Session, world: World) -> None:
    now = time.time()
    for token, said in (
        (antispam.issue_token(at=now - 1), "Gửi quá nhanh"),
        (antispam.issue_token(at=now - antispam.MAX_FORM_SECONDS - 5), "hết hạn"),
        (f"{now - 10:.3f}.{'0' * 32}", "không hợp lệ"),
        ("", "không hợp lệ"),
    ):
        with pytest.raises(Invalid) as refused:
            _submit(db, world, form_token=token)
        assert said in refused.value.fields["form_token"]
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_more_than_three_links_are_refused_on_the_body(world: World) -> None:
    body = "Xem https://a.example, https://b.example, www.c.example và http://d.example nhé."
    with pytest.raises(Invalid) as refused:
        comment(body=body)
    assert refused.value.fields == {"body": "Nội dung có quá nhiều liên kết (tối đa 3)."}
    assert comment(body=body.replace(" và http://d.example", "")).body  # three are fine


def test_a_sixth_submission_within_ten_minutes_is_refused_for_that_sender_only(db: Session, world: World) -> None:
    for _ in range(5):
        _submit(db, world)
    with pytest.raises(TooMany) as refused:
        _submit(db, world)
    assert refused.value.status == 429 and "5 ý kiến trong 10 phút" in refused.value.fields["rate"]
    _submit(db, world, client=OTHER_VISITOR)
    assert db.scalar(select(func.count()).select_from(Feedback)) == 6


def test_a_second_vote_is_refused_and_the_count_is_exact(db: Session, world: World) -> None:
    sent = service.submit_request(db, actor=PUBLIC, client=VISITOR, data=request_in(organization_id=world.unit.id))
    with pytest.raises(NotFound):  # not published yet
        service.vote(db, actor=PUBLIC, client=VISITOR, feedback_id=sent.id)
    service.moderate(db, actor=world.steward, feedback_id=sent.id, data=PUBLISH)
    same_place_other_browser = Client(VISITOR.address, "Mozilla/5.0 (Android 14) Chrome/126.0")
    for actor, client in ((PUBLIC, VISITOR), (PUBLIC, same_place_other_browser), (world.other_steward, VISITOR)):
        service.vote(db, actor=actor, client=client, feedback_id=sent.id)
    with pytest.raises(Conflict) as again:
        service.vote(db, actor=PUBLIC, client=VISITOR, feedback_id=sent.id)
    assert "vote" in again.value.fields
    with pytest.raises(Conflict):  # the same account, from elsewhere
        service.vote(db, actor=world.other_steward, client=OTHER_VISITOR, feedback_id=sent.id)
    db.expire_all()
    assert db.get_one(Feedback, sent.id).votes == 3
    assert db.scalar(select(func.count()).select_from(FeedbackVote)) == 3
    assert service.voted(db, actor=PUBLIC, client=VISITOR, feedback_ids=[sent.id]) == {sent.id}
    assert service.voted(db, actor=PUBLIC, client=OTHER_VISITOR, feedback_ids=[sent.id]) == set()


def test_the_units_steward_is_told_in_the_app_and_its_focal_point_by_email(
    engine: object, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ketnoi.email")
    with unit_of_work() as session:
        sent = _submit(session, world, author_email=AUTHOR_EMAIL)
    with unit_of_work() as session:
        notes = list(session.scalars(select(Notification).where(Notification.user_id == world.steward.user_id)))
        assert len(notes) == 1 and "Đơn đăng ký nhãn hiệu" in notes[0].subject and notes[0].link == f"/feedback?status=pending#fb-{sent.id}"
        others = select(func.count()).select_from(Notification).where(Notification.user_id == world.other_steward.user_id)
        assert session.scalar(others) == 0
        job = session.scalar(select(Job).where(Job.kind == EMAIL_FOCAL_POINT))
        assert job is not None and job.status == JobStatus.SUCCEEDED and job.params == {"feedback_id": str(sent.id)}
    mail = [r.getMessage() for r in caplog.records if r.name == "ketnoi.email"]
    assert any(FOCAL_EMAIL in m and f"/feedback?status=pending#fb-{sent.id}" in m for m in mail)
    assert all(AUTHOR_EMAIL not in r.getMessage() for r in caplog.records)


def test_two_votes_at_once_from_one_voter_count_once(engine: object, world: World) -> None:
    """The second vote waits on the first one's row, then finds it taken: a clear refusal, not a crash on the key."""
    with unit_of_work() as session:
        sent = service.submit_request(session, actor=PUBLIC, client=VISITOR, data=request_in(organization_id=world.unit.id))
        service.moderate(session, actor=world.steward, feedback_id=sent.id, data=PUBLISH)
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            with unit_of_work() as other:
                service.vote(other, actor=PUBLIC, client=VISITOR, feedback_id=sent.id)
        except BaseException as exc:
            outcome.append(exc)

    with unit_of_work() as first:
        service.vote(first, actor=PUBLIC, client=VISITOR, feedback_id=sent.id)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=0.5)  # it is now waiting for this transaction's row
    racer.join(timeout=20)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    with unit_of_work() as session:
        assert session.get_one(Feedback, sent.id).votes == 1
