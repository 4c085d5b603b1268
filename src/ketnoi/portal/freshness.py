"""Is a dataset up to date? Its last update against the frequency its unit declared.

A dataset declared monthly and last updated 50 days ago is overdue: the portal shows a "stale"
badge (the data-quality checks' timeliness dimension asks the same question). Each frequency
allows its period plus a grace for the work of publishing; "irregular" is never overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ALLOWED = {
    "realtime": timedelta(days=1),
    "daily": timedelta(days=2),
    "weekly": timedelta(days=10),
    "monthly": timedelta(days=38),
    "quarterly": timedelta(days=100),
    "semiannual": timedelta(days=195),
    "annual": timedelta(days=380),
}


@dataclass(frozen=True)
class Freshness:
    last_update: datetime
    due_by: datetime | None  # None: no declared period

    def overdue(self, now: datetime) -> bool:
        return self.due_by is not None and now > self.due_by


def freshness(last_update: datetime, frequency: str | None) -> Freshness:
    allowed = ALLOWED.get(frequency or "")
    return Freshness(last_update, last_update + allowed if allowed else None)
