"""The leader dashboard of the plan tracker: a year's instances counted by status per unit, per part,
per task and per period, and the geometry of their bar charts (SVG drawn by the template, no script).

The counts come from `plan.list_instances` (the same rows the list shows), so the dashboard, the list
and the API agree by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.governance import plan
from ketnoi.governance.plan import InstanceFilter, InstanceRow
from ketnoi.governance.plan_models import InstanceStatus
from ketnoi.governance.plan_seed import PARTS

STATUSES = (InstanceStatus.DONE.value, InstanceStatus.IN_PROGRESS.value, InstanceStatus.NOT_STARTED.value, InstanceStatus.OVERDUE.value)
COLOURS = {"done": "#2e7d32", "in_progress": "#1565c0", "not_started": "#9e9e9e", "overdue": "#c62828"}
PART_ORDER = {part: i for i, part in enumerate(PARTS)}

# the chart's geometry, in SVG user units
LABEL_W, BAR_W, COUNT_W, ROW_H, BAR_H = 300, 420, 60, 28, 18


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Bar:
    group: Group
    y: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_w: int = LABEL_W
    bar_w: int = BAR_W
    bar_h: int = BAR_H


@dataclass(frozen=True)
class Dashboard:
    year: int
    total: Group
    by_unit: list[Group]
    by_part: list[Group]
    by_task: list[Group]
    by_period: list[Group]

    def chart(self, groups: list[Group]) -> Chart:
        return chart(groups)


def _group(rows: list[InstanceRow], key: Callable[[InstanceRow], tuple[object, str, str]]) -> list[Group]:
    found: dict[str, tuple[object, str, dict[str, int]]] = {}
    for row in rows:
        order, ident, label = key(row)
        counts = found.setdefault(ident, (order, label, dict.fromkeys(STATUSES, 0)))[2]
        counts[row.status] += 1
    ordered = sorted(found.items(), key=lambda item: (str(item[1][0]), item[0]))
    return [Group(ident, label, counts) for ident, (_, label, counts) in ordered]


def _period_order(row: InstanceRow) -> str:
    """Periods by start, the longer first: the year before its halves."""
    return f"{row.instance.period_start.isoformat()}/{(date.max - row.instance.period_end).days:07d}"


def dashboard(session: Session, *, actor: Actor, year: int, now: datetime | None = None) -> Dashboard:
    rows = plan.list_instances(session, actor=actor, filters=InstanceFilter(year=year), now=now)
    total = dict.fromkeys(STATUSES, 0)
    for row in rows:
        total[row.status] += 1
    return Dashboard(
        year=year,
        total=Group("all", "Tổng số", total),
        by_unit=_group(rows, lambda r: (r.unit_name, str(r.instance.unit_id), r.unit_name)),
        by_part=_group(rows, lambda r: (f"{PART_ORDER.get(r.task.part, 9)}", r.task.part, f"{r.task.part}. {PARTS.get(r.task.part, '')}")),
        by_task=_group(rows, lambda r: (f"{r.task.position:03d}", r.task.code, f"{r.task.code}. {r.task.content[:80]}")),
        by_period=_group(rows, lambda r: (_period_order(r), r.instance.period_label, r.instance.period_label)),
    )


def chart(groups: list[Group]) -> Chart:
    """Horizontal stacked bars, one per group, scaled to the largest group."""
    largest = max((g.total for g in groups), default=0) or 1
    bars = []
    for i, group in enumerate(groups):
        x = float(LABEL_W)
        segments = []
        for status in STATUSES:
            count = group.counts.get(status, 0)
            if count:
                width = round(BAR_W * count / largest, 2)
                segments.append(Segment(status, count, round(x, 2), width, COLOURS[status]))
                x += width
        bars.append(Bar(group, i * ROW_H, segments))
    return Chart(bars, LABEL_W + BAR_W + COUNT_W, max(len(groups), 1) * ROW_H)
