"""The daily reminder digest: one in-app notification and one e-mail per person per day, whatever is due.

Modules contribute *due items* (who must act, on what, by when, where): a contributor is a function
`(session, day) -> Iterable[DueItem]` named in CONTRIBUTORS ("module:function", imported when the
digest runs, like jobs.queue.PERIODIC). `send_digests` keeps the items inside the reminder window of
their rule (deadlines: from `remind_before_days` before the due date to the due date, then every
day while overdue when `remind_after`, else only the day after), groups them by person and sends
each person one message listing every item with its due date, "còn N ngày" or "quá hạn N ngày" and
an absolute link to act. A `ReminderDigest` row per person and day (unique) makes a second run the
same day send nothing, even when two workers run at once. Run every minute by a worker.
"""

from __future__ import annotations

import importlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketnoi.governance import deadlines
from ketnoi.governance.deadlines_models import DeadlineRule, ReminderDigest
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.notify.service import notify
from ketnoi.settings import get_settings


@dataclass(frozen=True)
class DueItem:
    user_id: uuid.UUID
    rule_key: str  # the deadline rule whose reminder window applies
    title: str
    due: date
    link: str  # a path on this site ("/quality/inspections/2026/units/…")


Contributor = Callable[[Session, date], Iterable[DueItem]]

CONTRIBUTORS: tuple[str, ...] = (
    "ketnoi.governance.reminder_sources:inspection_unit_reports",
    "ketnoi.governance.reminder_sources:inspection_ministry_report",
    "ketnoi.governance.reminder_sources:survey_answers",
    "ketnoi.governance.reminder_sources:catalog_reviews",
    "ketnoi.governance.reminder_sources:plan_tasks",
    "ketnoi.governance.reminder_sources:service_publications",
)


def contributors() -> list[Contributor]:
    found: list[Contributor] = []
    for path in CONTRIBUTORS:
        module, _, name = path.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return found


def in_window(rule: DeadlineRule, due: date, day: date) -> bool:
    """Whether an item due on `due` is reminded on `day` by `rule`."""
    if not rule.enabled:
        return False
    if day <= due:
        return day >= due - timedelta(days=rule.remind_before_days)
    return rule.remind_after or day == due + timedelta(days=1)


def when(due: date, day: date) -> str:
    left = (due - day).days
    if left > 0:
        return f"còn {left} ngày"
    if left == 0:
        return "hôm nay là hạn cuối"
    return f"quá hạn {-left} ngày"


def absolute(link: str) -> str:
    return get_settings().base_url.rstrip("/") + "/" + link.lstrip("/")


def due_items(session: Session, day: date) -> dict[uuid.UUID, list[DueItem]]:
    """Each person's items reminded on `day`, once each, the most urgent first."""
    rules = deadlines.rules_by_key(session)
    by_user: dict[uuid.UUID, dict[tuple[str, str, date], DueItem]] = defaultdict(dict)
    for contribute in contributors():
        for item in contribute(session, day):
            rule = rules.get(item.rule_key)
            if rule is not None and in_window(rule, item.due, day):
                by_user[item.user_id].setdefault((item.rule_key, item.link, item.due), item)
    return {user: sorted(items.values(), key=lambda i: (i.due, i.title)) for user, items in by_user.items()}


def _message(items: list[DueItem], day: date) -> tuple[str, str]:
    overdue = sum(1 for item in items if item.due < day)
    subject = f"Nhắc việc ngày {day:%d/%m/%Y}: {len(items)} việc đến hạn" + (f", {overdue} việc quá hạn" if overdue else "")
    lines = [f"Các việc cần thực hiện (tính đến ngày {day:%d/%m/%Y}):", ""]
    for n, item in enumerate(items, 1):
        lines += [
            f"{n}. {item.title}",
            f"   Hạn: {item.due:%d/%m/%Y} ({when(item.due, day)})",
            f"   Thực hiện tại: {absolute(item.link)}",
            "",
        ]
    lines.append("Thông báo này được gửi tối đa một lần mỗi ngày, gộp mọi việc đến hạn của bạn.")
    return subject, "\n".join(lines)


def send_digests(session: Session, today: date | None = None) -> int:
    """Send today's digest to each person who has something in a reminder window and has not had
    one today; how many people were sent one."""
    day = today or deadlines.today()
    sent_today = set(session.scalars(select(ReminderDigest.user_id).where(ReminderDigest.day == day)))
    sent = 0
    for user_id, items in sorted(due_items(session, day).items(), key=lambda entry: str(entry[0])):
        if user_id in sent_today:
            continue
        digest = ReminderDigest(
            user_id=user_id,
            day=day,
            items=[{"rule": i.rule_key, "title": i.title, "due": i.due.isoformat(), "link": i.link} for i in items],
            sent_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(digest)
                session.flush()
        except IntegrityError:
            continue  # another worker sent this person's digest meanwhile
        subject, body = _message(items, day)
        (notification,) = notify(session, actor=system_actor(), user_ids=[user_id], subject=subject, body=body, link=items[0].link)
        session.flush()  # the notification's row first: the digest refers to it
        digest.notification_id = notification.id
        sent += 1
    session.flush()
    return sent
