"""Deadlines as data: the defaults seeded once with their legal basis, a due date for each kind (working
days on the calendar), the administrator's validated and audited edits, the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.auth import service as auth
from ketnoi.authz import PUBLIC, Actor
from ketnoi.governance import deadlines
from ketnoi.governance.deadlines_defaults import DEFAULTS
from ketnoi.governance.deadlines_models import DeadlineRule, RuleIn
from ketnoi.identity import actor_for
from ketnoi.kit.errors import Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.validation import parse
from ketnoi.quality import inspection
from ketnoi.quality.inspection_models import CampaignIn
from ketnoi.workcal import service as workcal
from tests import factories as f
from tests.web.conftest import client, login, post

__all__ = ["client"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KEYS = {
    "plan.task",
    "inspection.unit_report",
    "inspection.ministry_report",
    "catalog.open_data.review",
    "catalog.default_sharing.review",
    "catalog.databases.review",
    "connection_report",
    "service.publish",
    "feedback.synthesis",
    "survey.status",
}


@dataclass
class People:
    admin: Actor
    steward: Actor
    leader: Actor


@pytest.fixture
def people(db: Session) -> People:
    unit = f.unit(db, "Cục Sở hữu trí tuệ")
    people = People(
        admin=actor_for(db, f.user(db, "admin", username="quantri")),
        steward=actor_for(db, f.user(db, "steward", unit, username="canbo")),
        leader=actor_for(db, f.user(db, "leader", username="lanhdao")),
    )
    db.commit()
    return people


def edit(rule: DeadlineRule, **changes: Any) -> RuleIn:
    """The rule's current values as an edit, with `changes`."""
    values = {
        "label": rule.label,
        "remind_before_days": rule.remind_before_days,
        "remind_after": rule.remind_after,
        "legal_basis": rule.legal_basis,
        "enabled": rule.enabled,
        **rule.params,
        **changes,
    }
    return parse(RuleIn, values)


def _rule(db: Session, key: str) -> DeadlineRule:
    return db.scalars(select(DeadlineRule).where(DeadlineRule.key == key)).one()


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "deadline_rule", AuditEvent.action == action)))


# ---- the defaults ----------------------------------------------------------------------------------


def test_the_defaults_are_seeded_once_with_their_legal_basis(db: Session, people: People) -> None:
    assert deadlines.seed(db) == len(DEFAULTS) == len(KEYS)
    assert deadlines.seed(db) == 0
    views = deadlines.list_rules(db, actor=people.leader)  # seeding again on use adds nothing
    assert {v.rule.key for v in views} == KEYS
    assert len(_events(db, "create")) == len(KEYS)
    unit = _rule(db, "inspection.unit_report")
    assert (unit.kind, unit.params) == ("fixed_day_of_year", {"day": 25, "month": 12})
    assert "Điều 16" in unit.legal_basis and "II.4" in unit.legal_basis and "25/12" in unit.legal_basis
    assert _rule(db, "inspection.ministry_report").params == {"day": 31, "month": 12}
    publish = _rule(db, "service.publish")
    assert (publish.kind, publish.params) == ("working_days_after_event", {"days": 1})
    assert "Điều 25" in publish.legal_basis and "II.6" in publish.legal_basis
    assert _rule(db, "connection_report").params == {"day": 15, "month": 12}
    for key, task in (("catalog.open_data.review", "I.3"), ("catalog.default_sharing.review", "I.7"), ("feedback.synthesis", "II.8")):
        rule = _rule(db, key)
        assert rule.kind == "every_n_months" and rule.params["months"] == 6 and task in rule.legal_basis
    assert "194/2025/NĐ-CP" in _rule(db, "catalog.open_data.review").legal_basis


def test_an_edited_rule_is_never_overwritten_by_seeding_and_a_missing_one_comes_back(db: Session, people: People) -> None:
    rule = deadlines.update_rule(
        db, actor=people.admin, key="connection_report", data=edit(deadlines._rule(db, "connection_report"), day=10)
    )
    db.delete(_rule(db, "survey.status"))
    db.flush()
    assert deadlines.seed(db) == 1
    assert _rule(db, "connection_report").params == {"day": 10, "month": 12} == rule.params
    assert _rule(db, "survey.status").params == {"days": 15}


# ---- due dates ---------------------------------------------------------------------------------------


def test_a_due_date_for_each_kind_of_rule(db: Session, people: People) -> None:
    assert deadlines.due_date(db, "inspection.unit_report", year=2026) == date(2026, 12, 25)
    assert deadlines.due_date(db, "connection_report", year=2027) == date(2027, 12, 15)
    # every 6 months from the anchor 31/12/2025: 30/6 and 31/12 (each computed from the anchor, not from the last)
    assert deadlines.due_date(db, "catalog.open_data.review", on=date(2026, 3, 1)) == date(2026, 6, 30)
    assert deadlines.due_date(db, "catalog.open_data.review", on=date(2026, 7, 1)) == date(2026, 12, 31)
    assert deadlines.due_date(db, "catalog.open_data.review", on=date(2026, 12, 31)) == date(2026, 12, 31)
    assert deadlines.due_date(db, "catalog.open_data.review", on=date(2024, 1, 1)) == date(2024, 6, 30)  # before the anchor too
    assert deadlines.due_date(db, "catalog.databases.review", year=2027) == date(2027, 12, 31)
    assert deadlines.due_date(db, "feedback.synthesis", on=date(2026, 2, 1)) == date(2026, 7, 15)
    # or 6 months after the last review, the end of a shorter month when the day does not exist
    assert deadlines.due_date(db, "catalog.default_sharing.review", event_at=datetime(2026, 8, 31, 10, tzinfo=VN)) == date(2027, 2, 28)
    # calendar days from the day after the event, in Vietnam's time: 20:00 UTC on 20/3 is 21/3 in Hanoi
    assert deadlines.due_date(db, "survey.status", event_at=datetime(2026, 3, 20, 9, tzinfo=VN)) == date(2026, 4, 4)
    assert deadlines.due_date(db, "survey.status", event_at=datetime(2026, 3, 20, 20, tzinfo=UTC)) == date(2026, 4, 5)


def test_a_working_days_rule_skips_the_weekend_and_the_calendars_days_off(db: Session, people: People) -> None:
    ready = datetime(2026, 4, 29, 15, tzinfo=VN)  # a Wednesday; 30/4 and 1/5 are holidays, then the weekend
    assert deadlines.due_date(db, "service.publish", event_at=ready) == date(2026, 5, 4)
    workcal.set_day(db, actor=people.admin, data=workcal.DayIn(date(2026, 5, 4), "holiday", "Nghỉ bù (thử nghiệm)"))
    assert deadlines.due_date(db, "service.publish", event_at=ready) == date(2026, 5, 5)
    friday = datetime(2026, 6, 5, 16, tzinfo=VN)
    assert deadlines.due_date(db, "service.publish", event_at=friday) == date(2026, 6, 8)
    deadlines.update_rule(db, actor=people.admin, key="service.publish", data=edit(deadlines._rule(db, "service.publish"), days=2))
    assert deadlines.due_date(db, "service.publish", event_at=friday) == date(2026, 6, 9)


def test_an_event_rule_needs_its_event_and_a_year_must_be_in_the_calendars_range(db: Session, people: People) -> None:
    with pytest.raises(Invalid) as no_event:
        deadlines.due_date(db, "service.publish")
    assert "event_at" in no_event.value.fields
    with pytest.raises(Invalid) as far:
        deadlines.due_date(db, "inspection.unit_report", year=1900)
    assert "year" in far.value.fields
    with pytest.raises(NotFound):
        deadlines.due_date(db, "khong.co")


# ---- the administrator's edits ------------------------------------------------------------------------


def test_an_edit_is_audited_before_and_after_and_the_inspection_takes_the_new_date(db: Session, people: People) -> None:
    rule = deadlines._rule(db, "inspection.unit_report")
    basis = "Nghị định số 47/2020/NĐ-CP, Điều 16, được sửa đổi bởi văn bản năm 2025."
    deadlines.update_rule(
        db, actor=people.admin, key=rule.key, data=edit(rule, day=20, legal_basis=basis, remind_before_days=7, note="Theo công văn 12")
    )
    (event,) = _events(db, "update")
    assert event.changes["params"] == [{"day": 25, "month": 12}, {"day": 20, "month": 12}]
    assert event.changes["legal_basis"][1] == basis and event.changes["remind_before_days"] == [5, 7]
    assert event.changes["note"] == [None, "Theo công văn 12"] and event.actor_label == people.admin.label
    assert rule.updated_by_id == people.admin.user_id
    deadlines.update_rule(db, actor=people.admin, key=rule.key, data=edit(rule))  # nothing changed: nothing recorded
    assert len(_events(db, "update")) == 1
    campaign = inspection.open_campaign(db, actor=people.admin, data=CampaignIn(year=2026))
    assert (campaign.unit_due, campaign.ministry_due) == (date(2026, 12, 20), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("key", "changes", "field"),
    [
        ("inspection.unit_report", {"day": 30, "month": 2}, "day"),
        ("inspection.unit_report", {"day": 29, "month": 2}, "day"),  # not every year has it
        ("inspection.unit_report", {"month": 13}, "month"),
        ("inspection.unit_report", {"day": None}, "day"),
        ("catalog.open_data.review", {"months": 0}, "months"),
        ("catalog.open_data.review", {"anchor": None}, "anchor"),
        ("service.publish", {"days": 0}, "days"),
        ("survey.status", {"days": -3}, "days"),
        ("survey.status", {"legal_basis": "  "}, "legal_basis"),
        ("survey.status", {"remind_before_days": -1}, "remind_before_days"),
    ],
)
def test_a_wrong_edit_is_refused_at_its_field_and_nothing_changes(
    db: Session, people: People, key: str, changes: dict[str, Any], field: str
) -> None:
    rule = deadlines._rule(db, key)
    before = (dict(rule.params), rule.legal_basis, rule.remind_before_days)
    with pytest.raises(Invalid) as refused:
        deadlines.update_rule(db, actor=people.admin, key=key, data=edit(rule, **changes))
    assert field in refused.value.fields
    assert (rule.params, rule.legal_basis, rule.remind_before_days) == before
    assert _events(db, "update") == []


def test_only_the_administrator_edits_and_only_staff_read(db: Session, people: People) -> None:
    rule = deadlines._rule(db, "connection_report")
    for who in (people.steward, people.leader):
        with pytest.raises(Forbidden):
            deadlines.update_rule(db, actor=who, key=rule.key, data=edit(rule, day=1))
    with pytest.raises(Unauthenticated):
        deadlines.list_rules(db, actor=PUBLIC)
    assert rule.params == {"day": 15, "month": 12} and _events(db, "update") == []
    assert len(deadlines.list_rules(db, actor=people.steward)) == len(KEYS)


# ---- the pages and the API ------------------------------------------------------------------------------


def test_the_pages_show_the_rules_and_the_administrator_edits_one_with_errors_at_the_field(
    client: TestClient, db: Session, people: People
) -> None:
    assert client.get("/admin/deadlines", follow_redirects=False).status_code in (303, 401)
    login(client, "canbo", f.PASSWORD)
    page = client.get("/admin/deadlines")
    assert page.status_code == 200 and "Điều 25" in page.text and "25/12/" in page.text
    detail = client.get("/admin/deadlines/inspection.unit_report")
    assert detail.status_code == 200 and 'name="legal_basis"' not in detail.text  # no form for a steward
    assert post(client, "/admin/deadlines/inspection.unit_report", {"label": "x"}).status_code == 403
    client.cookies.clear()
    login(client, "quantri", f.PASSWORD)
    form: dict[str, object] = {
        "label": "Đơn vị gửi báo cáo chất lượng dữ liệu",
        "day": "31",
        "month": "2",
        "remind_before_days": "5",
        "remind_after": ["", "on"],
        "legal_basis": "Nghị định 47/2020/NĐ-CP, Điều 16",
        "enabled": ["", "on"],
    }
    refused = post(client, "/admin/deadlines/inspection.unit_report", form)
    assert refused.status_code == 422
    assert 'id="f-day-error"' in refused.text and "Tháng 2 không có ngày 31" in refused.text
    assert 'value="Đơn vị gửi báo cáo chất lượng dữ liệu"' in refused.text  # what was typed is shown again
    db.expire_all()
    assert _rule(db, "inspection.unit_report").params == {"day": 25, "month": 12}
    saved = post(client, "/admin/deadlines/inspection.unit_report", {**form, "day": "24", "month": "12", "enabled": ""})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/admin/deadlines/inspection.unit_report")
    db.expire_all()
    rule = _rule(db, "inspection.unit_report")
    assert (rule.params, rule.enabled, rule.label) == ({"day": 24, "month": 12}, False, "Đơn vị gửi báo cáo chất lượng dữ liệu")
    shown = client.get(saved.headers["location"])
    assert "Không áp dụng" in shown.text and "Lịch sử thay đổi" in shown.text and "Ngày 24/12 hằng năm" in shown.text


def _bearer(db: Session, actor: Actor) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor, name="kiểm tra")
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_reads_the_rules_computes_due_dates_and_only_the_administrator_edits(
    client: TestClient, db: Session, people: People
) -> None:
    admin, steward = _bearer(db, people.admin), _bearer(db, people.steward)
    db.commit()
    assert client.get("/api/v1/deadlines").status_code == 401
    listed = client.get("/api/v1/deadlines", headers=steward).json()
    assert {r["key"] for r in listed} == KEYS
    publish = client.get("/api/v1/deadlines/service.publish", headers=steward).json()
    assert (publish["next_due"], publish["text"]) == (None, "1 ngày làm việc kể từ sự kiện")
    due = client.get("/api/v1/deadlines/service.publish/due", params={"event_at": "2026-04-29T15:00:00+07:00"}, headers=steward)
    assert due.json() == {"key": "service.publish", "due": "2026-05-04"}
    assert client.get("/api/v1/deadlines/service.publish/due", headers=steward).status_code == 422
    assert client.get("/api/v1/deadlines/khong.co", headers=steward).status_code == 404
    body = {
        "label": "Báo cáo tình hình kết nối, chia sẻ dữ liệu",
        "day": 10,
        "month": 12,
        "remind_before_days": 10,
        "remind_after": True,
        "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "enabled": True,
    }
    assert client.put("/api/v1/deadlines/connection_report", json=body, headers=steward).status_code == 403
    wrong = client.put("/api/v1/deadlines/connection_report", json={**body, "day": 0}, headers=admin)
    assert wrong.status_code == 422 and "day" in wrong.json()["error"]["fields"]
    changed = client.put("/api/v1/deadlines/connection_report", json=body, headers=admin)
    assert changed.status_code == 200 and changed.json()["params"] == {"day": 10, "month": 12}
    assert client.get("/api/v1/deadlines/connection_report/due", params={"year": 2026}, headers=steward).json()["due"] == "2026-12-10"
