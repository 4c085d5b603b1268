"""A harvest run: read a source from its high water mark, import each dataset, record the run.

Unlike a request, a run owns its transactions (it is called only from a job, the scheduler or the
CLI, never inside another unit of work): one to open the run, one per remote dataset, one to
close it. A dataset is imported whole or not at all; the run's row says "running" to the pages
while it goes on; and SQLite's single writer is never held while the network is waited on.

What a run may not do is lose a dataset: the high water mark moves only to the newest change
actually read, never past one that failed (it is read again next time), and not at all when a
source that does not page by modification (DCAT) was cut off halfway. A source that cannot be
reached fails the run with the reason, changing nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ketnoi.db import unit_of_work
from ketnoi.harvest import importer
from ketnoi.harvest.ckan import CkanReader
from ketnoi.harvest.dcat import DcatReader
from ketnoi.harvest.importer import Outcome, Target
from ketnoi.harvest.models import HarvestedDataset, HarvestRun, HarvestSource, SourceKind
from ketnoi.harvest.remote import Fetcher, HarvestError, Reader, RemoteDataset, moment
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, DomainError, NotFound
from ketnoi.settings import get_settings

log = logging.getLogger("ketnoi.harvest")

MAX_MESSAGES = 500  # kept on one run; a source with thousands of broken records says so in the last one


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Started:
    run_id: uuid.UUID
    source_id: uuid.UUID
    kind: str
    url: str
    since: str | None
    target: Target


@dataclass
class Tally:
    counts: dict[Outcome | str, int] = field(default_factory=lambda: dict.fromkeys([*Outcome, "failed"], 0))
    messages: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0
    read: list[tuple[datetime, str]] = field(default_factory=list)  # the change times of datasets read well
    failed_at: list[datetime] = field(default_factory=list)  # … and of those that failed and will be tried again

    def say(self, remote: RemoteDataset | None, text: str, level: str = "note") -> None:
        if len(self.messages) >= MAX_MESSAGES:
            self.dropped += 1
            return
        who = {"remote_id": remote.remote_id, "title": remote.title} if remote else {"remote_id": None, "title": None}
        self.messages.append(who | {"level": level, "text": text})

    def done(self, remote: RemoteDataset, outcome: Outcome) -> None:
        self.counts[outcome] += 1
        when = moment(remote.modified)
        if when is not None:
            self.read.append((when, remote.modified or ""))
        if outcome is not Outcome.UNCHANGED:
            for note in remote.notes:
                self.say(remote, note)

    def fail(self, remote: RemoteDataset, text: str, *, retry: bool) -> None:
        """A dataset not stored. `retry`: for a passing cause (the database), so the mark stays before it and
        the next run reads it again; a dataset refused for what it is (no title…) would be refused forever,
        and holding the mark for it would make every later run read everything after it again."""
        self.counts["failed"] += 1
        when = moment(remote.modified)
        if when is not None and retry:
            self.failed_at.append(when)
        self.say(remote, text, "error")

    def high_water(self, previous: str | None) -> str | None:
        """The newest change read, short of the oldest failure; never earlier than the mark it started from."""
        limit = min(self.failed_at, default=None)
        kept = [(when, text) for when, text in self.read if limit is None or when < limit]
        newest = max(kept, default=None)
        before = moment(previous)
        if newest is None or (before is not None and newest[0] <= before):
            return previous
        return newest[1]


def make_reader(kind: str, fetcher: Fetcher, url: str, since: str | None) -> Reader:
    if kind == SourceKind.CKAN:
        return CkanReader(fetcher, url, since)
    return DcatReader(fetcher, url, since)


def run_source(source_id: uuid.UUID, *, full: bool = False, progress: Callable[[int], None] | None = None) -> uuid.UUID:
    """Run one source now (`full`: from the beginning, ignoring the high water mark); the run's id."""
    started = _start(source_id, full=full)
    tally = Tally()
    error: str | None = None
    complete = False
    reader: Reader | None = None
    try:
        with Fetcher() as fetcher:
            reader = make_reader(started.kind, fetcher, started.url, started.since)
            for n, remote in enumerate(reader.datasets(), start=1):
                _import_one(started, remote, tally)
                if progress:
                    progress(n)
            complete = True
            _withdraw_missing(started, reader.all_ids(), tally)
    except HarvestError as exc:
        error = exc.message
    except Exception as exc:  # a bug or the database gone: the run must still be closed, with the reason
        log.exception("harvest run %s of source %s failed", started.run_id, source_id)
        error = f"Lỗi không mong đợi khi thu thập: {type(exc).__name__}."
    keep_mark = complete or (reader is not None and reader.ordered)
    _finish(started, tally, error, keep_mark)
    return started.run_id


def _start(source_id: uuid.UUID, *, full: bool) -> Started:
    now = utcnow()
    stale = now - timedelta(minutes=get_settings().job_timeout_minutes)
    with unit_of_work() as session:
        source = session.get(HarvestSource, source_id)
        if source is None:
            raise NotFound("Không tìm thấy nguồn thu thập.")
        for running in session.scalars(select(HarvestRun).where(HarvestRun.source_id == source_id, HarvestRun.status == RunStatus.RUNNING)):
            if running.started_at > stale:
                raise Conflict("Nguồn này đang được thu thập; hãy chờ lần chạy hiện tại kết thúc.")
            running.status, running.finished_at = RunStatus.FAILED, now
            running.error = "Lần chạy bị gián đoạn (tiến trình đã dừng trước khi xong)."
        run = HarvestRun(id=uuid.uuid4(), source_id=source.id, started_at=now, status=RunStatus.RUNNING, messages=[])
        session.add(run)
        target = Target(source.id, source.database_id, importer.harvester(source.name))
        return Started(run.id, source.id, source.kind, source.url, None if full else source.high_water, target)


def _import_one(started: Started, remote: RemoteDataset, tally: Tally) -> None:
    try:
        with unit_of_work() as session:
            outcome = importer.apply(session, started.target, remote)
    except DomainError as exc:
        details = "; ".join(f"{name}: {text}" for name, text in exc.fields.items())
        tally.fail(remote, exc.message + (f" ({details})" if details else ""), retry=False)
    except SQLAlchemyError as exc:
        log.warning("harvest: dataset %s of source %s not saved", remote.remote_id, started.source_id, exc_info=True)
        tally.fail(remote, f"Không lưu được vào cơ sở dữ liệu ({type(exc).__name__}).", retry=True)
    else:
        tally.done(remote, outcome)


def _withdraw_missing(started: Started, listed: set[str] | None, tally: Tally) -> None:
    """Our copies of datasets the source no longer lists stop being public (importer.withdraw)."""
    if listed is None:
        return
    if not listed:
        tally.say(None, "Nguồn không liệt kê bộ dữ liệu nào: không rút bộ dữ liệu nào về (nguồn có thể đang lỗi).")
        return
    with unit_of_work() as session:
        links = session.execute(
            select(HarvestedDataset.id, HarvestedDataset.remote_id).where(HarvestedDataset.source_id == started.source_id)
        ).all()
    for link_id, remote_id in links:
        if remote_id in listed:
            continue
        with unit_of_work() as session:
            name = importer.withdraw(session, started.target, link_id)
        if name:
            gone = RemoteDataset(remote_id=remote_id, title=name)
            tally.say(gone, "Nguồn không còn công bố bộ dữ liệu này: bản sao ở đây đã chuyển sang nội bộ.", "withdrawn")


def _finish(started: Started, tally: Tally, error: str | None, keep_mark: bool) -> None:
    now = utcnow()
    if tally.dropped:
        tally.messages.append({"remote_id": None, "title": None, "level": "note", "text": f"… và {tally.dropped} thông báo khác."})
    with unit_of_work() as session:
        run = session.get(HarvestRun, started.run_id)
        source = session.get(HarvestSource, started.source_id)
        if run is None or source is None:
            return  # the source was deleted while it ran: nothing left to record
        run.created, run.updated = tally.counts[Outcome.CREATED], tally.counts[Outcome.UPDATED]
        run.unchanged, run.failed = tally.counts[Outcome.UNCHANGED], tally.counts["failed"]
        run.messages = tally.messages
        run.error = error
        run.status = RunStatus.FAILED if error else RunStatus.DONE
        run.finished_at = now
        if keep_mark:
            source.high_water = tally.high_water(source.high_water)
        source.next_run_at = now + timedelta(minutes=source.interval_minutes)
