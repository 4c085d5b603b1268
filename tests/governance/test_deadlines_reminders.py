"""The reminder digest: one notification and one e-mail per person per day with every item due, each
with its due date, days left or overdue and a link to act; never twice a day; nothing when nothing is due."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.authz import Actor
from ketnoi.db import unit_of_work
from ketnoi.governance import deadlines, reminders
from ketnoi.governance.deadlines_models import ReminderDigest, RuleIn
from ketnoi.identity import actor_for, system_actor
from ketnoi.jobs.queue import PERIODIC
from ketnoi.notify.models import Notification
from ketnoi.org import service as org
from ketnoi.org.schemas import FocalPointIn
from ketnoi.quality import inspection
from ketnoi.quality.inspection_models import CampaignIn, CampaignStatus, ReportStatus, UnitReport
from tests import factories as f

BASE = "http://127.0.0.1:8000"


@dataclass
class World:
    unit_id: uuid.UUID
    other_unit_id: uuid.UUID
    admin: Actor
    steward: Actor
    focal: Actor  # the unit's focal point has this account (a leader's, by its e-mail address)
    idle: Actor  # a steward of a unit whose report is submitted


def _person(session: Session, role: str, email: str, unit_id: uuid.UUID | None = None) -> Actor:
    user = auth.create_user(
        session,
        actor=system_actor(),
        username=email.split("@")[0],
        full_name="Nguyễn Thị Hoa",
        password=f.PASSWORD,
        role=role,
        unit_id=unit_id,
        email=email,
    )
    return actor_for(session, user)


@pytest.fixture
def world(engine: Engine) -> World:
    """Two units own data; the campaigns of 2029 and 2030 are open; the other unit's reports are
    accepted, so only the unit's reports (and the ministry's) are due."""
    with unit_of_work() as s:
        ministry = f.unit(s, "Bộ Khoa học và Công nghệ")
        unit = f.unit(s, "Cục Sở hữu trí tuệ", parent=ministry)
        other = f.unit(s, "Cục Thông tin khoa học và công nghệ quốc gia", parent=ministry)
        for owner in (unit, other):
            f.dataset(s, f.database(s, owner))
        focal = FocalPointIn(full_name="Lê Văn Đầu Mối", email="DauMoi@most.gov.vn", started_on=date(2029, 1, 1))
        org.appoint_focal_point(s, actor=system_actor(), org_id=unit.id, data=focal)  # before the accounts: no announcement
        w = World(
            unit_id=unit.id,
            other_unit_id=other.id,
            admin=_person(s, "admin", "quantri@most.gov.vn"),
            steward=_person(s, "steward", "canbo@most.gov.vn", unit.id),
            focal=_person(s, "leader", "daumoi@most.gov.vn"),
            idle=_person(s, "steward", "canbokhac@most.gov.vn", other.id),
        )
        for year in (2029, 2030):
            campaign = inspection.open_campaign(s, actor=w.admin, data=CampaignIn(year=year))
            done = s.scalars(select(UnitReport).where(UnitReport.campaign_id == campaign.id, UnitReport.unit_id == other.id)).one()
            done.status = ReportStatus.ACCEPTED
    return w


def _digests(actor: Actor) -> list[Notification]:
    with unit_of_work() as s:
        return list(s.scalars(select(Notification).where(Notification.user_id == actor.user_id).order_by(Notification.created_at)))


def _send(day: date) -> int:
    with unit_of_work() as s:
        return reminders.send_digests(s, day)


def _emails(caplog: pytest.LogCaptureFixture, address: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ketnoi.email" and f"To: {address}" in r.getMessage()]


def test_two_items_for_one_person_give_one_notification_and_one_email_with_both(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ketnoi.email")
    # 22/12/2030: the 2029 report is 362 days overdue, the 2030 report is due in 3 days (reminders from 5 days before)
    assert _send(date(2030, 12, 22)) == 3  # the steward, the focal point's account, the administrator
    (note,) = _digests(world.steward)
    link_2030 = f"/quality/inspections/2030/units/{world.unit_id}"
    assert note.subject == "Nhắc việc ngày 22/12/2030: 2 việc đến hạn, 1 việc quá hạn"
    assert note.link == f"/quality/inspections/2029/units/{world.unit_id}"  # the most urgent first
    lines = note.body.splitlines()
    assert "1. Nộp báo cáo kiểm tra, đánh giá chất lượng dữ liệu năm 2029 của Cục Sở hữu trí tuệ" in lines
    assert "   Hạn: 25/12/2029 (quá hạn 362 ngày)" in lines
    assert "2. Nộp báo cáo kiểm tra, đánh giá chất lượng dữ liệu năm 2030 của Cục Sở hữu trí tuệ" in lines
    assert "   Hạn: 25/12/2030 (còn 3 ngày)" in lines and f"   Thực hiện tại: {BASE}{link_2030}" in lines
    (email,) = _emails(caplog, "canbo@most.gov.vn")
    assert "năm 2029" in email and "năm 2030" in email and f"{BASE}{link_2030}" in email
    (focal,) = _digests(world.focal)  # matched by address, whatever its case
    assert focal.body == note.body and len(_emails(caplog, "daumoi@most.gov.vn")) == 1
    (admin,) = _digests(world.admin)  # 2029's ministry report is overdue; 2030's (31/12) is 9 days away, beyond 5
    assert admin.subject == "Nhắc việc ngày 22/12/2030: 1 việc đến hạn, 1 việc quá hạn" and "năm 2030" not in admin.body
    assert _digests(world.idle) == []  # nothing due: no digest


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again_while_overdue(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ketnoi.email")
    assert _send(date(2030, 12, 22)) == 3
    assert _send(date(2030, 12, 22)) == 0
    assert len(_digests(world.steward)) == 1 and len(_emails(caplog, "canbo@most.gov.vn")) == 1
    assert _send(date(2030, 12, 23)) == 3
    latest = _digests(world.steward)[-1]
    assert "(quá hạn 363 ngày)" in latest.body and "(còn 2 ngày)" in latest.body
    assert len(_emails(caplog, "canbo@most.gov.vn")) == 2
    with unit_of_work() as s:
        rows = s.scalars(select(ReminderDigest).where(ReminderDigest.user_id == world.steward.user_id).order_by(ReminderDigest.day)).all()
        assert [(r.day, len(r.items)) for r in rows] == [(date(2030, 12, 22), 2), (date(2030, 12, 23), 2)]
        assert rows[-1].notification_id == latest.id


def _set_rule(admin: Actor, **changes: object) -> None:
    with unit_of_work() as s:
        rule = deadlines._rule(s, "inspection.unit_report")
        values = {"label": rule.label, "remind_before_days": 5, "remind_after": True, "legal_basis": rule.legal_basis, "enabled": True}
        deadlines.update_rule(s, actor=admin, key=rule.key, data=RuleIn.model_validate({**values, **rule.params, **changes}))


def test_the_rules_reminder_settings_decide_the_window(world: World) -> None:
    with unit_of_work() as s:  # only 2030 stays open
        inspection.set_status(s, actor=world.admin, year=2029, status=CampaignStatus.CLOSED)
    assert _send(date(2030, 12, 19)) == 0  # 6 days before 25/12
    assert _send(date(2030, 12, 20)) == 2  # 5 days before: the steward and the focal point
    _set_rule(world.admin, remind_after=False)
    assert _send(date(2030, 12, 26)) == 3  # the day after: the unit once; the ministry's report (31/12) is 5 days away
    assert _send(date(2030, 12, 27)) == 1  # the administrator only: the unit is not reminded every day any more
    _set_rule(world.admin, remind_before_days=10, enabled=False)
    assert _send(date(2030, 12, 28)) == 1  # a rule not applied reminds no one (the ministry's rule still applies)
    assert len(_digests(world.steward)) == 2 and len(_digests(world.focal)) == 2
    _set_rule(world.admin, enabled=True)
    assert _send(date(2030, 12, 29)) == 3


def test_the_digest_runs_every_minute_with_the_other_periodic_work() -> None:
    assert "ketnoi.governance.reminders:send_digests" in PERIODIC
