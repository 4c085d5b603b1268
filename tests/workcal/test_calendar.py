"""The working-day calendar: the Labour Code's rules, the administrator's corrections, time limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Forbidden, Invalid, Unauthenticated
from ketnoi.workcal import rules, service
from ketnoi.workcal.service import DayIn, WorkingDays
from tests import factories as f


def _off(year: int) -> dict[date, str]:
    return {d.day: d.name for d in rules.default_days_off(year)}


def test_the_rules_place_tet_and_the_hung_kings_day_by_the_lunar_calendar() -> None:
    # Lunar New Year's Day: 10/02/2024, 29/01/2025, 17/02/2026; 10/3 lunar: 18/04/2024, 07/04/2025.
    assert _off(2025)[date(2025, 1, 29)] == "Tết Nguyên đán (mùng 1)"
    assert date(2025, 1, 28) in _off(2025) and date(2025, 2, 1) in _off(2025)  # last day of the year .. mùng 4
    assert _off(2026)[date(2026, 2, 17)] == "Tết Nguyên đán (mùng 1)"
    assert _off(2024)[date(2024, 4, 18)].startswith("Giỗ Tổ Hùng Vương")
    assert _off(2025)[date(2025, 4, 7)].startswith("Giỗ Tổ Hùng Vương")
    assert len([d for d in _off(2026) if "Tết Nguyên đán" in _off(2026)[d]]) == 5


def test_a_holiday_on_a_weekend_is_compensated_by_the_next_working_day() -> None:
    off = _off(2024)  # Tết: mùng 1 and 2 on Saturday 10/02 and Sunday 11/02
    assert off[date(2024, 2, 14)] == "Nghỉ bù Tết Nguyên đán (mùng 1), ngày 10/02"
    assert off[date(2024, 2, 15)] == "Nghỉ bù Tết Nguyên đán (mùng 2), ngày 11/02"
    assert _off(2026)[date(2026, 4, 27)].startswith("Nghỉ bù Giỗ Tổ Hùng Vương")  # 10/3 lunar is Sunday 26/04/2026
    # National Day: 2/9 and the day before when it is a Tuesday (a bridge), else the day after.
    assert date(2025, 9, 1) in _off(2025) and date(2024, 9, 3) in _off(2024)


def test_time_limits_count_working_days_after_the_event_in_vietnams_time(db: Session) -> None:
    days = WorkingDays(db)
    friday_evening = datetime(2025, 3, 14, 16, 0, tzinfo=UTC)  # 23:00 in Hà Nội, still Friday
    assert days.deadline(friday_evening, 2) == datetime(2025, 3, 18, 17, 0, tzinfo=UTC)  # end of Tuesday 18/03, Hà Nội
    saturday_in_hanoi = datetime(2025, 3, 14, 18, 0, tzinfo=UTC)  # 01:00 on Saturday in Hà Nội
    assert days.add(saturday_in_hanoi.astimezone(service.VN).date(), 1) == date(2025, 3, 17)
    assert days.add(date(2025, 1, 24), 1) == date(2025, 1, 27)  # Friday before Tết: Monday 27/01 still works
    assert days.add(date(2025, 1, 27), 1) == date(2025, 2, 4)  # Tết 28/01-01/02, its compensation Monday 03/02
    assert days.add(date(2025, 4, 29), 1) == date(2025, 5, 2)  # 30/4 and 1/5


def test_the_administrator_corrects_a_year_and_the_limits_follow(db: Session, api: TestClient) -> None:
    admin = f.actor(db, "admin")
    # The official 2025 notice: 27/01 off too, made up on Saturday 08/02.
    service.set_day(db, actor=admin, data=DayIn(date(2025, 1, 27), "holiday", "Nghỉ Tết (đổi ngày làm việc 08/02)"))
    year = service.set_day(db, actor=admin, data=DayIn(date(2025, 2, 8), "workday", "Làm bù ngày 27/01"))
    db.commit()
    assert year.edited and date(2025, 1, 28) in year.days_off()  # the rule days were kept when the year was stored
    days = WorkingDays(db)
    assert days.add(date(2025, 1, 24), 1) == date(2025, 2, 4)
    assert days.is_working_day(date(2025, 2, 8))
    body = api.get("/api/v1/calendar/2025").json()
    assert body["edited"] is True and {"date": "2025-02-08", "kind": "workday", "name": "Làm bù ngày 27/01"} in body["days"]
    reset = service.reset_year(db, actor=admin, year=2025)
    assert not reset.edited and date(2025, 1, 27) not in reset.days_off()


def test_only_the_administrator_edits_and_bad_input_is_refused(db: Session) -> None:
    steward = f.actor(db, "steward", f.unit(db))
    with pytest.raises(Forbidden):
        service.set_day(db, actor=steward, data=DayIn(date(2025, 5, 2), "holiday", "Nghỉ"))
    with pytest.raises(Unauthenticated):
        service.reset_year(db, actor=PUBLIC, year=2025)
    admin = system_actor()
    with pytest.raises(Invalid, match="ngày thường"):
        service.set_day(db, actor=admin, data=DayIn(date(2025, 5, 2), "workday", "Làm bù"))  # a Friday works anyway
    with pytest.raises(Invalid, match="Năm phải"):
        service.year_calendar(db, actor=PUBLIC, year=1999)
    with pytest.raises(Invalid, match="không có trong lịch"):
        service.remove_day(db, actor=admin, day=date(2025, 6, 10))


def test_the_api_gives_a_deadline_and_the_page_shows_the_year(api: TestClient, db: Session) -> None:
    response = api.get("/api/v1/calendar/deadline", params={"start": "2025-04-29T09:00:00+07:00", "working_days": "1"})
    assert response.status_code == 200 and response.json()["deadline"] == "2025-05-02T17:00:00Z"
    naive = api.get("/api/v1/calendar/deadline", params={"start": "2025-04-29T09:00:00", "working_days": "1"})
    assert naive.status_code == 422  # a moment without its time zone is ambiguous
    page = api.get("/calendar?year=2026")
    assert page.status_code == 200 and "Tết Nguyên đán (mùng 1)" in page.text and "Bộ luật Lao động" in page.text
    assert "Lưu ngày" not in page.text  # the public reads, does not edit


def test_the_administrator_edits_the_year_on_its_page(db: Session) -> None:
    from tests.apps import shared_app
    from tests.web.conftest import login, post

    f.user(db, "admin", username="quantri")
    db.commit()
    with TestClient(shared_app()) as client:
        login(client, "quantri", f.PASSWORD)
        assert "Lưu ngày" in client.get("/calendar?year=2025").text
        saved = post(client, "/calendar/days", {"day": "2025-02-08", "kind": "workday", "name": "Làm bù ngày 27/01"})
        assert saved.status_code == 303 and saved.headers["location"] == "/calendar?year=2025&done=saved"
        page = client.get("/calendar?year=2025").text
        assert "08/02/2025" in page and "Làm bù ngày 27/01" in page and "Trở lại lịch theo quy tắc" in page
        wrong = post(client, "/calendar/days", {"day": "2025-02-30", "kind": "holiday", "name": "x"})
        assert wrong.status_code == 422 and "Ngày không hợp lệ" in wrong.text and 'aria-invalid="true"' in wrong.text
        assert post(client, "/calendar/days/2025-02-08/delete").status_code == 303
        assert "Làm bù ngày 27/01" not in client.get("/calendar?year=2025").text
        assert post(client, "/calendar/2025/reset").status_code == 303
        assert "theo quy tắc của Bộ luật Lao động" in client.get("/calendar?year=2025").text
