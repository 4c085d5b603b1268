"""A year's days off by the rules of the Labour Code 2019 (Law 45/2019/QH14), before any decision.

Art. 112(1): New Year's Day (1/1), Tết (5 days), Victory Day (30/4), International Labour Day
(1/5), National Day (2/9 and one day before or after it), the Hùng Kings' Commemoration (10/3 of
the lunar year). Art. 111(3): a holiday on a weekly day off (Saturday, Sunday for the civil service)
is compensated by the next working day.

The Government sets each year's Tết days and the day next to 2/9, and often swaps a bridge day
for a Saturday worked: these defaults (Tết from the last day of the lunar year to the 4th day of
the new one; 1/9 when 2/9 is a Tuesday, 3/9 otherwise) are what the administrator starts from
and corrects to the year's official notice (workcal.service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lunar_vn import LunarDate, lunar_to_solar

WEEKEND = (5, 6)  # Saturday, Sunday


@dataclass(frozen=True)
class RuleDay:
    day: date
    name: str


def default_days_off(year: int) -> list[RuleDay]:
    """The year's days off (holidays, then compensations), in date order."""
    holidays = _statutory(year)
    taken = {h.day for h in holidays}
    compensations = []
    for holiday in holidays:
        if holiday.day.weekday() not in WEEKEND:
            continue
        substitute = holiday.day + timedelta(days=1)
        while substitute.weekday() in WEEKEND or substitute in taken:
            substitute += timedelta(days=1)
        taken.add(substitute)
        compensations.append(RuleDay(substitute, f"Nghỉ bù {holiday.name}, ngày {holiday.day:%d/%m}"))
    return sorted([*holidays, *compensations], key=lambda d: d.day)


def _statutory(year: int) -> list[RuleDay]:
    new_year = lunar_to_solar(LunarDate(1, 1, year))
    tet = [RuleDay(new_year - timedelta(days=1), "Tết Nguyên đán (ngày cuối năm âm lịch)")]
    tet += [RuleDay(new_year + timedelta(days=n), f"Tết Nguyên đán (mùng {n + 1})") for n in range(4)]
    national = date(year, 9, 2)
    beside = national - timedelta(days=1) if national.weekday() == 1 else national + timedelta(days=1)
    return [
        RuleDay(date(year, 1, 1), "Tết Dương lịch"),
        *tet,
        RuleDay(lunar_to_solar(LunarDate(10, 3, year)), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
        RuleDay(date(year, 4, 30), "Ngày Chiến thắng (30/4)"),
        RuleDay(date(year, 5, 1), "Ngày Quốc tế lao động (1/5)"),
        RuleDay(national, "Quốc khánh (2/9)"),
        RuleDay(beside, f"Quốc khánh (ngày liền kề, {beside:%d/%m})"),
    ]
