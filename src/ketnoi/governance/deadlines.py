"""Deadlines and cycles as data: each rule computes a due date, says when reminders go and cites its legal basis.

The rules of Decree 47/2020/NĐ-CP and of the ministry's plan are seeded once (`seed`, also on
first use) and never overwritten afterwards: from then on they are the administrator's, who edits
a rule's parameters, reminders and legal basis on /admin/deadlines (every change audited, before →
after), for instance when a decree of 2025 replaces an article. Other modules ask `due_date(...)`
rather than writing a date in code. Dates are calendar dates in Vietnam's time; working days come
from the working-day calendar (ketnoi.workcal), with its holidays and make-up days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.authz import Actor, Role
from ketnoi.governance.deadlines_defaults import DEFAULTS
from ketnoi.governance.deadlines_models import KIND_PARAMS, DeadlineRule, RuleIn, RuleKind
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.workcal.service import FIRST_YEAR, LAST_YEAR, VN, WorkingDays

ENTITY = "deadline_rule"
AUDITED = ("label", "params", "remind_before_days", "remind_after", "legal_basis", "enabled")


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(VN).date()


# ---- who may ------------------------------------------------------------------------------------


def require_staff(actor: Actor) -> None:
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để xem các thời hạn.")


def is_admin(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    require_staff(actor)
    if not is_admin(actor):
        raise Forbidden("Chỉ quản trị hệ thống (Trung tâm Công nghệ thông tin) được sửa thời hạn và căn cứ pháp lý.")


# ---- the defaults -------------------------------------------------------------------------------


def seed(session: Session) -> int:
    """Add the default rules that are missing (an edited rule is never touched); how many were added.
    Safe when two requests seed at once: each insert is its own savepoint, a key already there is skipped."""
    have = set(session.scalars(select(DeadlineRule.key)))
    added = 0
    for default in DEFAULTS:
        if default.key in have:
            continue
        rule = DeadlineRule(
            key=default.key,
            label=default.label,
            kind=default.kind,
            params=dict(default.params),
            remind_before_days=default.remind_before_days,
            remind_after=default.remind_after,
            legal_basis=default.legal_basis,
            enabled=True,
        )
        try:
            with session.begin_nested():
                session.add(rule)
                session.flush()
        except IntegrityError:
            continue  # seeded by someone else meanwhile
        state = audit.snapshot(rule, AUDITED)
        _audit(session, system_actor(), rule, "create", {name: [None, value] for name, value in state.items()})
        added += 1
    session.flush()
    return added


def _rule(session: Session, key: str) -> DeadlineRule:
    rule = session.scalar(select(DeadlineRule).where(DeadlineRule.key == key))
    if rule is None and seed(session):
        rule = session.scalar(select(DeadlineRule).where(DeadlineRule.key == key))
    if rule is None:
        raise NotFound("Không tìm thấy quy tắc thời hạn.")
    return rule


def rules_by_key(session: Session) -> dict[str, DeadlineRule]:
    """Every rule (the defaults seeded first), by key; for services that read several at once."""
    seed(session)
    return {rule.key: rule for rule in session.scalars(select(DeadlineRule))}


# ---- computing a due date -----------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it has fewer days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _next_in_cycle(anchor: date, months: int, on: date) -> date:
    """The first date anchor + k·months (k any integer) on or after `on`, each computed from the anchor."""
    k = ((on.year - anchor.year) * 12 + on.month - anchor.month) // months - 1
    while (candidate := add_months(anchor, k * months)) < on:
        k += 1
    return candidate


def _local(moment: datetime) -> date:
    """The day of `moment` in Vietnam (a moment without a time zone is Vietnam's time)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=VN)).astimezone(VN).date()


def compute(
    rule: DeadlineRule, *, year: int | None = None, event_at: datetime | None = None, on: date | None = None, session: Session | None = None
) -> date:
    """The due date by `rule`: see `due_date`."""
    p = rule.params
    if rule.kind == RuleKind.FIXED_DAY:
        return date(year or (on or today()).year, int(p["month"]), int(p["day"]))
    if rule.kind == RuleKind.EVERY_N_MONTHS:
        if event_at is not None:
            return add_months(_local(event_at), int(p["months"]))
        start = on or (date(year, 1, 1) if year else today())
        return _next_in_cycle(date.fromisoformat(p["anchor"]), int(p["months"]), start)
    if event_at is None:
        msg = "Thời hạn này tính từ một sự kiện: cần cho biết thời điểm xảy ra sự kiện."
        raise Invalid(msg, fields={"event_at": msg})
    if rule.kind == RuleKind.WORKING_DAYS:
        if session is None:
            raise ValueError("a working-days rule needs the session (for the calendar)")
        return WorkingDays(session).add(_local(event_at), int(p["days"]))
    return _local(event_at) + timedelta(days=int(p["days"]))


def due_date(session: Session, key: str, *, year: int | None = None, event_at: datetime | None = None, on: date | None = None) -> date:
    """The due date of the rule `key`:

    - a fixed day of the year: that day of `year` (default: this year);
    - every N months: N months after `event_at` (the last review) when given, else the first date of
      the cycle (anchor ± k·N months) on or after `on` (default: 1 January of `year`, or today);
    - N working days / N calendar days after an event: counted from the day after `event_at` (in
      Vietnam's time), working days on the working-day calendar (holidays, make-up days).
    """
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid("Năm phải từ {first_year} đến {last_year}.", values={"first_year": FIRST_YEAR, "last_year": LAST_YEAR}).on_field(
            "year"
        )
    return compute(_rule(session, key), year=year, event_at=event_at, on=on, session=session)


def describe(rule: DeadlineRule) -> str:
    """The rule in words, as the pages and the digest show it."""
    p = rule.params
    if rule.kind == RuleKind.FIXED_DAY:
        return f"Ngày {int(p['day']):02d}/{int(p['month']):02d} hằng năm"
    if rule.kind == RuleKind.EVERY_N_MONTHS:
        return f"Định kỳ {p['months']} tháng một lần (mốc {date.fromisoformat(p['anchor']):%d/%m/%Y})"
    if rule.kind == RuleKind.WORKING_DAYS:
        return f"{p['days']} ngày làm việc kể từ sự kiện"
    return f"{p['days']} ngày kể từ sự kiện"


# ---- the rules as the pages and the API read them -----------------------------------------------


@dataclass(frozen=True)
class RuleView:
    rule: DeadlineRule
    text: str  # describe(rule)
    next_due: date | None  # None: counted from an event


def next_due(session: Session, rule: DeadlineRule, day: date) -> date | None:
    if rule.kind == RuleKind.FIXED_DAY:
        this_year = compute(rule, year=day.year)
        return this_year if this_year >= day else compute(rule, year=day.year + 1)
    if rule.kind == RuleKind.EVERY_N_MONTHS:
        return compute(rule, on=day)
    return None


def list_rules(session: Session, *, actor: Actor, now: datetime | None = None) -> list[RuleView]:
    require_staff(actor)
    day = today(now)
    rules = sorted(rules_by_key(session).values(), key=lambda r: r.key)
    return [RuleView(rule, describe(rule), next_due(session, rule, day)) for rule in rules]


def get_rule(session: Session, *, actor: Actor, key: str, now: datetime | None = None) -> RuleView:
    require_staff(actor)
    rule = _rule(session, key)
    return RuleView(rule, describe(rule), next_due(session, rule, today(now)))


# ---- the administrator's edits ------------------------------------------------------------------


def _params(kind: str, data: RuleIn) -> dict[str, Any]:
    """The parameters of `kind` from the input, each checked, with a message at its field."""
    required = "Trường này là bắt buộc với loại thời hạn này."
    missing = {name: required for name in KIND_PARAMS[kind] if getattr(data, name) is None}
    if missing:
        raise Invalid("Dữ liệu không hợp lệ, vui lòng kiểm tra các trường được đánh dấu.", fields=missing)
    if kind == RuleKind.FIXED_DAY:
        assert data.day is not None and data.month is not None
        if data.day > calendar.monthrange(2023, data.month)[1]:  # a year without 29/2: the day must exist every year
            raise Invalid("Tháng {month} không có ngày {day} (trong mọi năm).", values={"month": data.month, "day": data.day}).on_field(
                "day"
            )
        return {"day": data.day, "month": data.month}
    if kind == RuleKind.EVERY_N_MONTHS:
        assert data.anchor is not None
        return {"months": data.months, "anchor": data.anchor.isoformat()}
    return {"days": data.days}


def update_rule(session: Session, *, actor: Actor, key: str, data: RuleIn) -> DeadlineRule:
    """Change a rule's label, parameters, reminders, legal basis or whether it is applied (the kind stays)."""
    require_admin(actor)
    rule = _rule(session, key)
    params = _params(rule.kind, data)
    before = audit.snapshot(rule, AUDITED)
    rule.label, rule.params, rule.legal_basis = data.label, params, data.legal_basis
    rule.remind_before_days, rule.remind_after, rule.enabled = data.remind_before_days, data.remind_after, data.enabled
    changes: dict[str, Any] = audit.diff(before, audit.snapshot(rule, AUDITED))
    if changes:
        rule.updated_by_id = actor.user_id
        if data.note:
            changes["note"] = [None, data.note]
        _audit(session, actor, rule, "update", changes)
    session.flush()
    return rule


def _audit(session: Session, actor: Actor, rule: DeadlineRule, action: str, changes: dict[str, Any]) -> None:
    audit.record(session, actor=actor, action=action, entity_type=ENTITY, entity_id=rule.id, entity_label=rule.label, changes=changes)


def history(session: Session, *, actor: Actor, key: str) -> list[Any]:
    require_staff(actor)
    rule = _rule(session, key)
    return list(audit.history(session, actor=actor, entity_type=ENTITY, entity_id=rule.id))
