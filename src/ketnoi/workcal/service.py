"""Working days and legal time limits, on the year's calendar as the administrator set it.

A day is a working day when it is a weekday that is not a day off, or a weekend day marked as a
make-up working day. A year the administrator has not edited takes its days from the Labour
Code's rules (workcal.rules); the first edit stores the year whole (the rule days, then the
change), so every later reading sees exactly what was decided.

A time limit of N working days runs from the day after the event (in Vietnam's time) and ends at
the end of the N-th working day: a request made on Friday with 2 working days is due at the end of
Tuesday, or later when Monday is a holiday.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import nfc
from ketnoi.workcal import rules
from ketnoi.workcal.models import CalendarDay, CalendarYear, DayKind

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the lunar conversion is exact over this range and beyond
MAX_WORKING_DAYS = 366


@dataclass(frozen=True)
class Day:
    day: date
    kind: str  # DayKind
    name: str


@dataclass(frozen=True)
class YearCalendar:
    year: int
    days: list[Day]  # days off and make-up working days, in date order
    edited: bool  # False: the Labour Code's rules, not yet confirmed or corrected by the administrator

    def days_off(self) -> set[date]:
        return {d.day for d in self.days if d.kind == DayKind.HOLIDAY}

    def make_up_days(self) -> set[date]:
        return {d.day for d in self.days if d.kind == DayKind.WORKDAY}


def year_calendar(session: Session, *, actor: Actor, year: int) -> YearCalendar:
    authz.require(actor, Action.VIEW, Kind.CALENDAR, public=True)
    return _year(session, _checked(year))


def _checked(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(
            "Năm phải từ {first_year} đến {last_year}.",
            fields={"year": str(year)},
            values={"first_year": FIRST_YEAR, "last_year": LAST_YEAR},
        )
    return year


def _year(session: Session, year: int) -> YearCalendar:
    if session.get(CalendarYear, year) is None:
        return YearCalendar(year, [Day(d.day, DayKind.HOLIDAY, d.name) for d in rules.default_days_off(year)], edited=False)
    start, end = date(year, 1, 1), date(year, 12, 31)
    stored = session.scalars(select(CalendarDay).where(CalendarDay.day.between(start, end)).order_by(CalendarDay.day))
    return YearCalendar(year, [Day(d.day, d.kind, d.name) for d in stored], edited=True)


class WorkingDays:
    """Answers "is this a working day?" for a session, reading each year once."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._years: dict[int, tuple[set[date], set[date]]] = {}

    def is_working_day(self, day: date) -> bool:
        if day.year not in self._years:
            calendar = _year(self._session, _checked(day.year))
            self._years[day.year] = (calendar.days_off(), calendar.make_up_days())
        days_off, make_up = self._years[day.year]
        if day in make_up:
            return True
        return day.weekday() not in rules.WEEKEND and day not in days_off

    def add(self, start: date, working_days: int) -> date:
        """The `working_days`-th working day after `start` (not counting `start` itself)."""
        if not 0 <= working_days <= MAX_WORKING_DAYS:
            raise Invalid(
                "Số ngày làm việc phải từ 0 đến {limit}.", fields={"working_days": str(working_days)}, values={"limit": MAX_WORKING_DAYS}
            )
        day, left = start, working_days
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def deadline(self, event: datetime, working_days: int) -> datetime:
        """When a time limit of `working_days` counted from `event` (aware) runs out: the end of
        the last working day, in Vietnam's time (returned aware, in UTC)."""
        last = self.add(event.astimezone(VN).date(), working_days)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=VN).astimezone(ZoneInfo("UTC"))


def last_day(deadline: datetime) -> date:
    """The last day a limit from `WorkingDays.deadline` allows (the limit is the midnight after it)."""
    return (deadline - timedelta(microseconds=1)).astimezone(VN).date()


@dataclass(frozen=True)
class DayIn:
    day: date
    kind: str
    name: str


def set_day(session: Session, *, actor: Actor, data: DayIn) -> YearCalendar:
    """Mark a date a day off or a make-up working day (replacing what it was)."""
    authz.require(actor, Action.UPDATE, Kind.CALENDAR)
    name = nfc(data.name)
    if data.kind not in (DayKind.HOLIDAY, DayKind.WORKDAY):
        raise Invalid("Loại ngày phải là ngày nghỉ hoặc ngày làm bù.", fields={"kind": data.kind})
    if not name or len(name) > 255:
        raise Invalid("Tên ngày là bắt buộc, tối đa 255 ký tự.", fields={"name": "Bắt buộc, tối đa 255 ký tự."})
    if data.kind == DayKind.WORKDAY and data.day.weekday() not in rules.WEEKEND:
        raise Invalid(
            "Ngày {day:%d/%m/%Y} là ngày thường, đã là ngày làm việc.", fields={"day": data.day.isoformat()}, values={"day": data.day}
        )
    year = _stored(session, actor, _checked(data.day.year))
    before = session.get(CalendarDay, data.day)
    old = [before.kind, before.name] if before else None
    if before is None:
        session.add(CalendarDay(day=data.day, kind=data.kind, name=name))
    else:
        before.kind, before.name = data.kind, name
    _record(session, actor, year, {data.day.isoformat(): [old, [data.kind, name]]})
    session.flush()
    return _year(session, year)


def remove_day(session: Session, *, actor: Actor, day: date) -> YearCalendar:
    """The date becomes what its weekday makes it (a weekday works, a weekend day rests)."""
    authz.require(actor, Action.UPDATE, Kind.CALENDAR)
    year = _stored(session, actor, _checked(day.year))
    found = session.get(CalendarDay, day)
    if found is None:
        raise Invalid("Ngày {day:%d/%m/%Y} không có trong lịch.", fields={"day": day.isoformat()}, values={"day": day})
    _record(session, actor, year, {day.isoformat(): [[found.kind, found.name], None]})
    session.delete(found)
    session.flush()
    return _year(session, year)


def reset_year(session: Session, *, actor: Actor, year: int) -> YearCalendar:
    """Forget the year's edits: its days come from the rules again."""
    authz.require(actor, Action.UPDATE, Kind.CALENDAR)
    stored = session.get(CalendarYear, _checked(year))
    if stored is not None:
        session.execute(delete(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
        session.delete(stored)
        _record(session, actor, year, {"edited": [True, False]})
        session.flush()
    return _year(session, year)


def _stored(session: Session, actor: Actor, year: int) -> int:
    """The year in the table, starting from its rule days the first time it is edited."""
    stored = session.get(CalendarYear, year)
    if stored is None:
        session.add(CalendarYear(year=year, updated_by_id=actor.user_id))
        session.add_all(CalendarDay(day=d.day, kind=DayKind.HOLIDAY, name=d.name) for d in rules.default_days_off(year))
        session.flush()
    else:
        stored.updated_by_id = actor.user_id
    return year


def _record(session: Session, actor: Actor, year: int, changes: dict[str, list[object]]) -> None:
    audit.record(
        session,
        actor=actor,
        action="update",
        entity_type="calendar_year",
        entity_id=uuid.uuid5(uuid.NAMESPACE_URL, f"ketnoi:calendar:{year}"),
        entity_label=f"Lịch làm việc năm {year}",
        changes=changes,
    )
