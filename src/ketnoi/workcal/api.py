"""JSON API of the working-day calendar: a year's days, a time limit's end, the administrator's edits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from ketnoi.web.deps import DB, CurrentActor
from ketnoi.workcal import service
from ketnoi.workcal.service import WorkingDays, YearCalendar

router = APIRouter(tags=["calendar"])


class DayOut(BaseModel):
    date: date
    kind: Literal["holiday", "workday"] = Field(description="holiday: ngày nghỉ; workday: ngày làm bù (cuối tuần vẫn làm việc)")
    name: str


class YearOut(BaseModel):
    year: int
    edited: bool = Field(description="false: theo quy tắc của Bộ luật Lao động, quản trị viên chưa đối chiếu thông báo chính thức")
    days: list[DayOut]


class DeadlineOut(BaseModel):
    start: datetime
    working_days: int
    deadline: datetime = Field(description="Hết ngày làm việc cuối cùng (giờ Việt Nam), ghi theo UTC")


class DayIn(BaseModel):
    kind: Literal["holiday", "workday"]
    name: str = Field(min_length=1, max_length=255)


def _out(calendar: YearCalendar) -> YearOut:
    days = [DayOut(date=d.day, kind=d.kind, name=d.name) for d in calendar.days]
    return YearOut(year=calendar.year, edited=calendar.edited, days=days)


@router.get("/calendar/deadline", response_model=DeadlineOut, summary="Thời hạn tính theo ngày làm việc")
def deadline(
    db: DB,
    actor: CurrentActor,
    start: Annotated[AwareDatetime, Query(description="Thời điểm bắt đầu, có múi giờ (ISO 8601)")],
    working_days: Annotated[int, Query(ge=0, le=service.MAX_WORKING_DAYS)],
) -> DeadlineOut:
    service.year_calendar(db, actor=actor, year=start.year)  # the rights, and the year's range
    return DeadlineOut(start=start, working_days=working_days, deadline=WorkingDays(db).deadline(start, working_days))


@router.get("/calendar/{year}", response_model=YearOut, summary="Ngày nghỉ và ngày làm bù của một năm")
def year(db: DB, actor: CurrentActor, year: int) -> YearOut:
    return _out(service.year_calendar(db, actor=actor, year=year))


@router.put("/calendar/days/{day}", response_model=YearOut, summary="Đặt một ngày là ngày nghỉ hoặc ngày làm bù (quản trị viên)")
def set_day(db: DB, actor: CurrentActor, day: date, body: DayIn) -> YearOut:
    return _out(service.set_day(db, actor=actor, data=service.DayIn(day, body.kind, body.name)))


@router.delete("/calendar/days/{day}", response_model=YearOut, summary="Bỏ một ngày khỏi lịch (quản trị viên)")
def remove_day(db: DB, actor: CurrentActor, day: date) -> YearOut:
    return _out(service.remove_day(db, actor=actor, day=day))


@router.post("/calendar/{year}/reset", response_model=YearOut, summary="Trở lại lịch theo quy tắc (quản trị viên)")
def reset(db: DB, actor: CurrentActor, year: int) -> YearOut:
    return _out(service.reset_year(db, actor=actor, year=year))
