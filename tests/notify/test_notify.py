"""Notifications: in-app rows for their recipient only, e-mail copies sent by a job after commit."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, select

from ketnoi.auth import service as auth
from ketnoi.authz import PUBLIC, Actor
from ketnoi.db import unit_of_work
from ketnoi.identity import actor_for, system_actor
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.kit.errors import Invalid, NotFound, Unauthenticated
from ketnoi.notify import service
from ketnoi.notify.tasks import SEND_EMAIL
from ketnoi.settings import get_settings
from tests import factories as f

SUBJECT = "Yêu cầu chia sẻ dữ liệu «Danh mục tổ chức KH&CN» đã được phê duyệt"
BODY = "Đơn vị của bạn đã được cấp quyền khai thác bộ dữ liệu trong 12 tháng."
SMTP_USER = "ketnoi-mailer"
SMTP_PASSWORD = "mat-khau-smtp-bi-mat"


@dataclass
class People:
    steward: Actor
    leader: Actor
    no_email: Actor


def _person(session: Any, role: str, email_: str | None, unit_id: uuid.UUID | None = None) -> Actor:
    user = auth.create_user(
        session,
        actor=system_actor(),
        username=f"u{uuid.uuid4().hex[:10]}",
        full_name="Trần Thị Bình",
        password=f.PASSWORD,
        role=role,
        unit_id=unit_id,
        email=email_,
    )
    return actor_for(session, user)


@pytest.fixture
def people(engine: Engine) -> People:
    with unit_of_work() as session:
        unit = f.unit(session, "Cục Thông tin khoa học và công nghệ quốc gia")
        return People(
            steward=_person(session, "steward", "quanly@most.gov.vn", unit.id),
            leader=_person(session, "leader", "lanhdao@most.gov.vn"),
            no_email=_person(session, "leader", None),
        )


def _uid(actor: Actor) -> uuid.UUID:
    assert actor.user_id is not None
    return actor.user_id


def _notify(*recipients: Actor, subject: str = SUBJECT, link: str | None = "/yeu-cau/42") -> list[uuid.UUID]:
    with unit_of_work() as session:
        ids = [_uid(r) for r in recipients]
        made = service.notify(session, actor=system_actor(), user_ids=ids, subject=subject, body=BODY, link=link)
        return [n.id for n in made]


def _email_jobs() -> list[Job]:
    with unit_of_work() as session:
        return list(session.scalars(select(Job).where(Job.kind == SEND_EMAIL)))


def test_notification_is_listed_unread_then_marked_read(people: People) -> None:
    (notification_id,) = _notify(people.leader)
    with unit_of_work() as session:
        listed = service.list_notifications(session, actor=people.leader)
        assert [(n.subject, n.body, n.link, n.read_at) for n in listed] == [(SUBJECT, BODY, "/yeu-cau/42", None)]
        assert service.unread_count(session, actor=people.leader) == 1
        assert service.mark_read(session, actor=people.leader, notification_id=notification_id).read_at is not None
    with unit_of_work() as session:
        assert service.unread_count(session, actor=people.leader) == 0
        assert service.list_notifications(session, actor=people.leader, unread_only=True) == []
        assert len(service.list_notifications(session, actor=people.leader)) == 1
        assert service.list_notifications(session, actor=people.steward) == []


def test_only_the_recipient_can_mark_a_notification_read(people: People) -> None:
    (notification_id,) = _notify(people.leader)
    with unit_of_work() as session:
        admin = f.actor(session, "admin")
    with unit_of_work() as session:
        for other in (people.steward, admin):
            with pytest.raises(NotFound):
                service.mark_read(session, actor=other, notification_id=notification_id)
        for nobody in (PUBLIC, system_actor()):  # no account, so no notifications of their own
            with pytest.raises(Unauthenticated):
                service.mark_read(session, actor=nobody, notification_id=notification_id)
    with unit_of_work() as session:
        assert service.unread_count(session, actor=people.leader) == 1


def test_mark_all_read_touches_only_the_actors_notifications(people: People) -> None:
    _notify(people.leader, people.steward)
    _notify(people.leader, subject="Nhắc việc: rà soát danh mục dữ liệu dùng chung")
    with unit_of_work() as session:
        assert service.mark_all_read(session, actor=people.leader) == 2
    with unit_of_work() as session:
        assert service.unread_count(session, actor=people.leader) == 0
        assert service.unread_count(session, actor=people.steward) == 1
        listed = service.list_notifications(session, actor=people.leader)
        assert [n.subject for n in listed] == ["Nhắc việc: rà soát danh mục dữ liệu dùng chung", SUBJECT]


def test_one_email_job_per_recipient_that_has_an_address(people: People, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ketnoi.email")
    made = _notify(people.leader, people.steward, people.no_email, people.leader)
    assert len(made) == 3  # the leader, named twice, is notified once
    jobs = _email_jobs()
    assert len(jobs) == 2 and {j.status for j in jobs} == {JobStatus.SUCCEEDED}
    sent = [r.getMessage() for r in caplog.records if r.name == "ketnoi.email"]
    assert len(sent) == 2 and all(SUBJECT in text and "http://127.0.0.1:8000/yeu-cau/42" in text for text in sent)


def test_notify_refuses_unknown_recipients_and_empty_subjects(people: People) -> None:
    with pytest.raises(NotFound), unit_of_work() as session:
        service.notify(session, actor=system_actor(), user_ids=[uuid.uuid4()], subject=SUBJECT, body=BODY)
    with pytest.raises(Invalid), unit_of_work() as session:
        service.notify(session, actor=system_actor(), user_ids=[_uid(people.leader)], subject=" \n ", body=BODY)
    assert _email_jobs() == []


@dataclass
class Inbox:
    """What a real SMTP server on 127.0.0.1 received."""

    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        # handled=False: aiosmtpd itself answers 535 to a wrong password.
        return AuthResult(success=self.logins[-1] == (SMTP_USER, SMTP_PASSWORD), handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    received = Inbox(port=_free_port())
    controller = Controller(
        received,
        hostname="127.0.0.1",
        port=received.port,
        authenticator=received.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    settings = get_settings()
    for name, value in {
        "email_backend": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": received.port,
        "smtp_user": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
        "smtp_starttls": False,
        "email_from": "ketnoi@most.gov.vn",
    }.items():
        monkeypatch.setattr(settings, name, value)
    try:
        yield received
    finally:
        controller.stop()


def test_email_is_delivered_over_smtp_with_its_vietnamese_subject(
    people: People,
    inbox: Inbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _notify(people.leader)
    assert inbox.logins == [(SMTP_USER, SMTP_PASSWORD)]
    ((recipients, message),) = inbox.messages
    assert recipients == ["lanhdao@most.gov.vn"]
    assert message["Subject"] == SUBJECT
    assert message["From"] == "ketnoi@most.gov.vn"
    text = message.get_content()
    assert BODY in text and "http://127.0.0.1:8000/yeu-cau/42" in text
    (sent,) = _email_jobs()
    assert (sent.status, sent.message) == (JobStatus.SUCCEEDED, "Đã gửi e-mail.")
    assert all(SMTP_PASSWORD not in r.getMessage() for r in caplog.records if r.name.startswith("ketnoi"))


def test_no_email_leaves_for_a_rolled_back_notification(people: People, inbox: Inbox) -> None:
    with pytest.raises(RuntimeError), unit_of_work() as session:
        service.notify(session, actor=system_actor(), user_ids=[_uid(people.leader)], subject=SUBJECT, body=BODY)
        raise RuntimeError("phê duyệt bị hủy")
    assert inbox.messages == []
    assert _email_jobs() == []
    with unit_of_work() as session:
        assert service.list_notifications(session, actor=people.leader) == []


def test_email_job_fails_visibly_when_the_smtp_server_refuses_login(
    people: People,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "smtp_password", "sai-mat-khau")
    _notify(people.leader)
    assert inbox.messages == []
    (failed,) = _email_jobs()
    assert failed.status == JobStatus.FAILED and failed.error is not None and "SMTPAuthenticationError" in failed.error
    assert "sai-mat-khau" not in failed.error
    with unit_of_work() as session:  # the in-app notification stays: only its e-mail copy failed
        assert service.unread_count(session, actor=people.leader) == 1
