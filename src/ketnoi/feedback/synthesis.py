"""The six-monthly synthesis of the public's feedback on open data (Plan II.8).

For a half-year (`2026-H1`: 1 January to 30 June, `2026-H2`: 1 July to 31 December, in Vietnam's
time) it counts what was received by kind, status and unit; the response rate (the share of the
feedback not rejected that has a public reply) and the median time from receipt to reply; the
error reports per dataset; and it ranks the published dataset requests twice:

- by votes: the number of votes a request has when the synthesis is made;
- by demand: votes + the number of *similar* feedback items received in the same half-year and
  not rejected (other requests, comments, error reports). An item is similar to a request when its
  title and text contain at least two thirds (rounded up, and at least two when the request has
  two or more) of the request title's *key syllables*: its words folded without diacritics, less
  common words ("dữ liệu", "đề nghị", "công bố", "các", "của"…, see STOP_SYLLABLES). Syllables
  rather than phrases, so "số liệu nhãn hiệu đăng ký theo tỉnh" is like "đăng ký nhãn hiệu theo tỉnh".

Ties go to the older request. The proposals to amend the open-data catalog are the requests with
the highest demand that no public dataset answers yet: a request is answered once a moderator,
replying, names the public dataset that meets it.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor, Role
from ketnoi.catalog.models import Dataset
from ketnoi.catalog.models import Visibility as DatasetVisibility
from ketnoi.feedback.models import Feedback, FeedbackKind, FeedbackStatus
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid, Unauthenticated
from ketnoi.kit.vn import fold
from ketnoi.notify.models import Notification
from ketnoi.notify.service import notify
from ketnoi.org.models import Organization
from ketnoi.workcal.service import VN

PROPOSALS = 10
REMIND_DAYS = 15
# Words too common in requests to tell one from another (folded: "dữ liệu" is "du lieu").
STOP_SYLLABLES = frozenset(
    re.findall(
        r"\w+",
        "du lieu so de nghi xin cong bo cung cap mo cac cua va ve cho theo tu la co duoc nhung mot trong tren voi tai khi nay do "
        "da se can muon danh sach thong tin bang hon nua",
    )
)
_PERIOD = re.compile(r"^(\d{4})-H([12])$")
_WORD = re.compile(r"\w+")
NO_UNIT = "Không chỉ định đơn vị (Trung tâm Công nghệ thông tin xem xét)"


@dataclass(frozen=True, order=True)
class Period:
    """A half-year: 1 is January to June, 2 is July to December (Vietnam's time)."""

    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        found = _PERIOD.match(text.strip())
        if found is None or not 2000 <= int(found[1]) <= 2100:
            msg = "Kỳ tổng hợp có dạng NĂM-H1 (6 tháng đầu năm) hoặc NĂM-H2 (6 tháng cuối năm), ví dụ 2026-H1."
            raise Invalid(msg, fields={"period": msg})
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def current(cls, now: datetime | None = None) -> Period:
        local = (now or utcnow()).astimezone(VN)
        return cls(local.year, 1 if local.month <= 6 else 2)

    @classmethod
    def last_completed(cls, now: datetime | None = None) -> Period:
        return cls.current(now).previous()

    @property
    def code(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=VN)

    @property
    def end(self) -> datetime:
        return datetime(self.year, 7, 1, tzinfo=VN) if self.half == 1 else datetime(self.year + 1, 1, 1, tzinfo=VN)

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    @property
    def label(self) -> str:
        return f"6 tháng {'đầu' if self.half == 1 else 'cuối'} năm {self.year}"

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def recent(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, the latest first (a choice list)."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods


@dataclass(frozen=True)
class Ranked:
    """A published request in a ranking."""

    rank: int
    feedback: Feedback
    unit_name: str | None
    similar: int
    answered_by: str | None  # the name of the public dataset that answers it

    @property
    def demand(self) -> int:
        return self.feedback.votes + self.similar


@dataclass(frozen=True)
class UnitCount:
    unit_name: str
    comments: int
    errors: int
    requests: int

    @property
    def total(self) -> int:
        return self.comments + self.errors + self.requests


@dataclass(frozen=True)
class Synthesis:
    period: Period
    made_at: datetime
    counts: Counter[tuple[str, str]]  # (kind, status) → number received in the period
    by_unit: list[UnitCount]
    answerable: int  # received and not rejected
    replied: int
    median_reply_days: float | None
    by_votes: list[Ranked]
    by_demand: list[Ranked]
    errors_by_dataset: list[tuple[str, str, int]]  # dataset, its unit, error reports
    proposals: list[Ranked]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, *, kind: str | None = None, status: str | None = None) -> int:
        return sum(n for (k, s), n in self.counts.items() if kind in (None, k) and status in (None, s))

    @property
    def response_rate(self) -> float | None:
        """Replied / received and not rejected, in per cent (one decimal); None when nothing was."""
        return round(100 * self.replied / self.answerable, 1) if self.answerable else None


def key_syllables(text: str | None) -> frozenset[str]:
    return frozenset(word for word in _WORD.findall(fold(text or "")) if word not in STOP_SYLLABLES and not word.isdigit())


def is_similar(request_keys: frozenset[str], other: frozenset[str]) -> bool:
    if not request_keys:
        return False
    need = max(min(2, len(request_keys)), math.ceil(len(request_keys) * 2 / 3))
    return len(request_keys & other) >= need


def require_staff(actor: Actor) -> None:
    """Any account of the ministry (administrator, steward, leader) and the platform itself: not the public."""
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")


def build(session: Session, *, actor: Actor, period: Period, now: datetime | None = None) -> Synthesis:
    """The synthesis of one half-year, for the ministry's staff (a leader reads it too)."""
    require_staff(actor)
    received = list(session.scalars(select(Feedback).where(Feedback.created_at >= period.start, Feedback.created_at < period.end)))
    kept = [item for item in received if item.status != FeedbackStatus.REJECTED]
    replied = [item for item in kept if item.replied_at is not None]
    units = _names(session, Organization, {item.organization_id for item in received if item.organization_id})
    by_votes, by_demand = _rankings(session, received, kept, units)
    return Synthesis(
        period=period,
        made_at=now or utcnow(),
        counts=Counter((item.kind, item.status) for item in received),
        by_unit=_by_unit(received, units),
        answerable=len(kept),
        replied=len(replied),
        median_reply_days=_median_days(replied),
        by_votes=by_votes,
        by_demand=by_demand,
        errors_by_dataset=_errors_by_dataset(session, kept),
        proposals=[_renumbered(i, r) for i, r in enumerate(islice((r for r in by_demand if r.answered_by is None), PROPOSALS), 1)],
    )


def _names(session: Session, model: type[Organization] | type[Dataset], ids: Iterable[object]) -> dict[object, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(wanted))).tuples().all())


def _median_days(replied: list[Feedback]) -> float | None:
    waits = [(item.replied_at - item.created_at).total_seconds() / 86400 for item in replied if item.replied_at]
    return round(statistics.median(waits), 1) if waits else None


def _by_unit(received: list[Feedback], units: dict[object, str]) -> list[UnitCount]:
    counted: Counter[tuple[object, str]] = Counter((item.organization_id, item.kind) for item in received)
    rows = [
        UnitCount(
            units.get(unit_id, NO_UNIT) if unit_id else NO_UNIT,
            counted[(unit_id, FeedbackKind.COMMENT)],
            counted[(unit_id, FeedbackKind.ERROR)],
            counted[(unit_id, FeedbackKind.REQUEST)],
        )
        for unit_id in {unit_id for unit_id, _ in counted}
    ]
    return sorted(rows, key=lambda row: (-row.total, row.unit_name))


def _rankings(
    session: Session, received: list[Feedback], kept: list[Feedback], units: dict[object, str]
) -> tuple[list[Ranked], list[Ranked]]:
    requests = [item for item in received if item.kind == FeedbackKind.REQUEST and item.status == FeedbackStatus.PUBLISHED]
    texts = {item.id: key_syllables(f"{item.title or ''} {item.body}") for item in kept}
    answering = {item.dataset_id for item in requests if item.dataset_id}
    public = select(Dataset.id, Dataset.name).where(Dataset.id.in_(answering), Dataset.visibility == DatasetVisibility.PUBLIC)
    answered = dict(session.execute(public).tuples().all()) if answering else {}
    found = []
    for item in requests:
        keys = key_syllables(item.title)
        similar = sum(1 for other in kept if other.id != item.id and is_similar(keys, texts[other.id]))
        unit = units.get(item.organization_id) if item.organization_id else None
        found.append(Ranked(0, item, unit, similar, answered.get(item.dataset_id) if item.dataset_id else None))
    by_age = sorted(found, key=lambda r: (r.feedback.created_at, str(r.feedback.id)))
    by_votes = sorted(by_age, key=lambda r: -r.feedback.votes)  # stable: the older first among equals
    by_demand = sorted(by_age, key=lambda r: (-r.demand, -r.feedback.votes))
    return [_renumbered(i, r) for i, r in enumerate(by_votes, 1)], [_renumbered(i, r) for i, r in enumerate(by_demand, 1)]


def _renumbered(rank: int, ranked: Ranked) -> Ranked:
    return Ranked(rank, ranked.feedback, ranked.unit_name, ranked.similar, ranked.answered_by)


def _errors_by_dataset(session: Session, kept: list[Feedback]) -> list[tuple[str, str, int]]:
    counted = Counter(item.dataset_id for item in kept if item.kind == FeedbackKind.ERROR and item.dataset_id)
    datasets = {
        row.id: row for row in session.execute(select(Dataset.id, Dataset.name, Dataset.owner_unit_id).where(Dataset.id.in_(counted)))
    }
    owners = _names(session, Organization, {row.owner_unit_id for row in datasets.values()})
    rows = [(datasets[i].name, owners.get(datasets[i].owner_unit_id, ""), n) for i, n in counted.items() if i in datasets]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def remind(session: Session, now: datetime | None = None) -> int:
    """In the first days after a half-year ends, tell the administrators (the IT Center) once that
    its synthesis is due (run every minute by a worker: jobs.queue.PERIODIC); how many were told."""
    now = now or utcnow()
    period = Period.last_completed(now)
    if now - period.end > timedelta(days=REMIND_DAYS):
        return 0
    link = f"/feedback/synthesis?period={period.code}"
    admins = list(session.scalars(select(User.id).where(User.is_active.is_(True), User.role == Role.ADMIN)))
    told = select(Notification.id).where(Notification.user_id.in_(admins), Notification.created_at >= period.end, Notification.link == link)
    if not admins or session.scalar(told.limit(1)) is not None:
        return 0
    notify(
        session,
        actor=system_actor(),
        user_ids=admins,
        subject=f"Đến kỳ tổng hợp ý kiến phản hồi về dữ liệu mở {period.label}",
        body="Kế hoạch II.8: tổng hợp ý kiến của tổ chức, cá nhân định kỳ 6 tháng một lần, xác định mức độ ưu tiên và "
        "đề xuất điều chỉnh danh mục dữ liệu mở. Báo cáo DOCX và bảng XLSX có sẵn trên trang Tổng hợp.",
        link=link,
    )
    return len(admins)
