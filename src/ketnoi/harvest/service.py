"""Harvest sources: who may set them up, the list and a source's record, and asking for a run.

Who may do what (deny by default):
- staff (any signed-in account: administrator, steward, leader) read the sources, their runs and
  what they brought in, as they read the audit trail: the record of how the catalog was filled;
- an administrator, or a steward of the unit that owns the target database, creates, changes,
  deletes and runs a source: the harvested datasets land in that unit's catalog and the unit
  answers for them, as for datasets it types itself. A source is checked against the actor
  each time it is changed; a run afterwards files datasets as the source's harvester.
Deleting a source keeps the datasets it brought in (they are catalog entries now); only the
link to the source and the run history go.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.databases import get_database
from ketnoi.catalog.models import Database, Dataset
from ketnoi.harvest import tasks
from ketnoi.harvest.models import HarvestedDataset, HarvestRun, HarvestSource
from ketnoi.harvest.runner import RunStatus
from ketnoi.harvest.schemas import SourceIn
from ketnoi.jobs import queue, schedule
from ketnoi.jobs.models import Job
from ketnoi.kit.errors import Conflict, NotFound
from ketnoi.kit.pagination import Page, keyset_page

FIELDS = ("name", "url", "kind", "database_id", "interval_minutes", "enabled")
RUNS_SHOWN = 20
DATASETS_SHOWN = 100


@dataclass
class SourceRow:
    source: HarvestSource
    database_name: str
    last_run: HarvestRun | None


@dataclass
class SourceView:
    source: HarvestSource
    database: Database
    runs: list[HarvestRun]
    datasets: list[Row[Any]]  # (HarvestedDataset, Dataset.name, Dataset.slug, Dataset.visibility)
    dataset_count: int
    can_manage: bool


def _require_staff(actor: Actor) -> None:
    authz.require(actor, Action.VIEW, Kind.AUDIT)


def may_manage(actor: Actor, database: Database) -> bool:
    return authz.allowed(actor, Action.UPDATE, Kind.DATABASE, owner_unit_id=database.owner_unit_id)


def _managed_database(session: Session, actor: Actor, database_id: uuid.UUID) -> Database:
    database = get_database(session, actor=actor, database_id=database_id)
    authz.require(actor, Action.UPDATE, Kind.DATABASE, owner_unit_id=database.owner_unit_id)
    return database


def editable_databases(session: Session, *, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """The databases the actor may file harvested datasets into (a form's choices)."""
    units = authz.editable_units(actor)
    query = select(Database.id, Database.name).order_by(Database.name, Database.id).limit(2000)
    if units is not None:
        query = query.where(Database.owner_unit_id.in_(units))
    return [(row.id, row.name) for row in session.execute(query)]


def list_sources(session: Session, *, actor: Actor, cursor: str | None, limit: int) -> Page[SourceRow]:
    """Sources by name, each with its database's name and its last run: three queries for a page."""
    _require_staff(actor)
    page = keyset_page(session, select(HarvestSource), [HarvestSource.name, HarvestSource.id], cursor=cursor, limit=limit)
    sources: list[HarvestSource] = page.items
    names_of = select(Database.id, Database.name).where(Database.id.in_({s.database_id for s in sources}))
    names = dict(session.execute(names_of).tuples().all())
    last = _last_runs(session, [s.id for s in sources])
    rows = [SourceRow(s, names.get(s.database_id, ""), last.get(s.id)) for s in sources]
    return Page(items=rows, next_cursor=page.next_cursor)


def _last_runs(session: Session, source_ids: list[uuid.UUID]) -> dict[uuid.UUID, HarvestRun]:
    return schedule.latest_runs(session, HarvestRun, source_ids)


def get_source(session: Session, *, actor: Actor, source_id: uuid.UUID) -> HarvestSource:
    _require_staff(actor)
    source = session.get(HarvestSource, source_id)
    if source is None:
        raise NotFound("Không tìm thấy nguồn thu thập.")
    return source


def source_view(session: Session, *, actor: Actor, source_id: uuid.UUID) -> SourceView:
    source = get_source(session, actor=actor, source_id=source_id)
    database = session.get_one(Database, source.database_id)
    runs = session.scalars(
        select(HarvestRun).where(HarvestRun.source_id == source.id).order_by(HarvestRun.started_at.desc(), HarvestRun.id).limit(RUNS_SHOWN)
    )
    harvested = (
        select(HarvestedDataset, Dataset.name, Dataset.slug, Dataset.visibility)
        .join(Dataset, Dataset.id == HarvestedDataset.dataset_id)
        .where(HarvestedDataset.source_id == source.id)
    )
    count = session.scalar(select(func.count()).select_from(harvested.subquery())) or 0
    shown = list(session.execute(harvested.order_by(Dataset.name, Dataset.id).limit(DATASETS_SHOWN)).all())
    return SourceView(source, database, list(runs), shown, count, may_manage(actor, database))


def _record(session: Session, actor: Actor, action: str, source: HarvestSource, changes: dict[str, list[Any]]) -> None:
    audit.record(
        session, actor=actor, action=action, entity_type="harvest_source", entity_id=source.id, entity_label=source.name, changes=changes
    )


def create_source(session: Session, *, actor: Actor, data: SourceIn) -> HarvestSource:
    _managed_database(session, actor, data.database_id)
    source = HarvestSource(id=uuid.uuid4(), created_by_id=actor.user_id, **data.model_dump())
    session.add(source)
    session.flush()
    _record(session, actor, "create", source, audit.diff({}, audit.snapshot(source, FIELDS)))
    return source


def update_source(session: Session, *, actor: Actor, source_id: uuid.UUID, data: SourceIn) -> HarvestSource:
    source = get_source(session, actor=actor, source_id=source_id)
    _managed_database(session, actor, source.database_id)
    if data.database_id != source.database_id:
        _managed_database(session, actor, data.database_id)
    before = audit.snapshot(source, FIELDS)
    for name, value in data.model_dump().items():
        setattr(source, name, value)
    if before["url"] != source.url or before["kind"] != source.kind:
        source.high_water = None  # another catalog: its marks mean nothing here, read it whole once
    changes = audit.diff(before, audit.snapshot(source, FIELDS))
    if changes:
        _record(session, actor, "update", source, changes)
    return source


def delete_source(session: Session, *, actor: Actor, source_id: uuid.UUID) -> None:
    source = get_source(session, actor=actor, source_id=source_id)
    _managed_database(session, actor, source.database_id)
    _record(session, actor, "delete", source, audit.diff(audit.snapshot(source, FIELDS), dict.fromkeys(FIELDS)))
    session.delete(source)


def request_run(session: Session, *, actor: Actor, source_id: uuid.UUID, full: bool = False) -> Job:
    """Queue a run of the source now ("Chạy ngay"); it starts once this transaction commits."""
    source = get_source(session, actor=actor, source_id=source_id)
    _managed_database(session, actor, source.database_id)
    running = select(HarvestRun.id).where(HarvestRun.source_id == source.id, HarvestRun.status == RunStatus.RUNNING)
    if session.scalar(running.limit(1)) is not None:
        raise Conflict("Nguồn này đang được thu thập; hãy chờ lần chạy hiện tại kết thúc.")
    return queue.enqueue(session, kind=tasks.RUN_JOB, params={"source_id": str(source.id), "full": full}, actor=actor)
