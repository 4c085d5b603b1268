"""The working-day calendar's page: everyone reads a year; the administrator corrects it."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render
from ketnoi.workcal import service
from ketnoi.workcal.models import DayKind

router = APIRouter(include_in_schema=False)
WEEKDAYS = {0: "Thứ Hai", 1: "Thứ Ba", 2: "Thứ Tư", 3: "Thứ Năm", 4: "Thứ Sáu", 5: "Thứ Bảy", 6: "Chủ nhật"}
KINDS = {DayKind.HOLIDAY.value: "Ngày nghỉ", DayKind.WORKDAY.value: "Ngày làm bù (cuối tuần)"}


def _page(request: Request, db: DB, actor: Actor, year: int, form: forms.FormState | None = None) -> HTMLResponse:
    calendar = service.year_calendar(db, actor=actor, year=year)
    context = {
        "calendar": calendar,
        "weekdays": WEEKDAYS,
        "can_edit": authz.allowed(actor, Action.UPDATE, Kind.CALENDAR),
        "form": form or forms.prefill(kind=DayKind.HOLIDAY),
        "kinds": list(KINDS.items()),
    }
    return render(request, "workcal/year.html", context, status_code=form.status if form else 200)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, db: DB, actor: CurrentActor, year: int | None = None) -> HTMLResponse:
    return _page(request, db, actor, year or utcnow().astimezone(service.VN).year)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("Ngày không hợp lệ (dạng yyyy-mm-dd).", fields={"day": "Ngày không hợp lệ."}) from None


@router.post("/calendar/days", response_class=HTMLResponse)
def set_day(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    def save() -> service.YearCalendar:
        day = _date(str(form.get("day") or ""))
        return service.set_day(db, actor=actor, data=service.DayIn(day, str(form.get("kind") or ""), str(form.get("name") or "")))

    result = forms.attempt(db, form, save)
    if isinstance(result, forms.FormState):
        shown = str(form.get("day") or "")[:4]
        return _page(request, db, actor, int(shown) if shown.isdigit() else utcnow().year, result)
    return pages.redirect(f"/calendar?year={result.year}", done="saved")


@router.post("/calendar/days/{day}/delete")
def remove_day(form: forms.UserForm, db: DB, actor: CurrentActor, day: date) -> Response:
    service.remove_day(db, actor=actor, day=day)
    return pages.redirect(f"/calendar?year={day.year}", done="deleted")


@router.post("/calendar/{year}/reset")
def reset_year(form: forms.UserForm, db: DB, actor: CurrentActor, year: int) -> Response:
    service.reset_year(db, actor=actor, year=year)
    return pages.redirect(f"/calendar?year={year}", done="saved")
