"""Scheduled work claimed once, whatever the number of workers (harvest sources, data sources, peer nodes),
and the newest run of each source for their lists.

Each has `enabled` and a "next run" column. The periodic tick lists the enabled rows whose moment
has come (or was never set), then claims each in a transaction of its own with a conditional
UPDATE that moves the moment on only if nobody moved it first: a second worker (or the next
minute's tick) finds nothing left to take, and the job is queued in the same transaction as the
claim, so a claim never leaves without its job. The tick itself never waits on the work.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.jobs.queue import enqueue


def due(session: Session, model: Any, column: str, now: datetime, *where: ColumnElement[bool]) -> list[uuid.UUID]:
    """The enabled rows whose moment in `column` has come, the longest waiting first (the caller's
    transaction is only read, and ended here: each claim takes its own)."""
    moment = getattr(model, column)
    query = select(model.id).where(model.enabled.is_(True), or_(moment.is_(None), moment <= now), *where)
    found = list(session.scalars(query.order_by(moment, model.id)))
    session.rollback()
    return found


def claim(model: Any, row_id: uuid.UUID, column: str, now: datetime, *, every: timedelta, kind: str, params: Mapping[str, Any]) -> bool:
    """Move the row's moment on by `every` and queue its job, unless another worker did first."""
    moment = getattr(model, column)
    with unit_of_work() as session:
        row = session.get(model, row_id)
        was = getattr(row, column) if row is not None else None
        if row is None or not row.enabled or (was is not None and was > now):
            return False
        unchanged = moment.is_(None) if was is None else moment == was
        moved = session.execute(
            update(model).where(model.id == row_id, unchanged).values({column: now + every}).execution_options(synchronize_session=False)
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            return False
        enqueue(session, kind=kind, params=params, actor=system_actor())
        return True


def latest_runs(session: Session, run: Any, source_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The newest run of each source (`run`: a model with `source_id` and `started_at`), in one query."""
    if not source_ids:
        return {}
    newest = (
        select(run.source_id, func.max(run.started_at).label("at")).where(run.source_id.in_(source_ids)).group_by(run.source_id).subquery()
    )
    query = select(run).join(newest, and_(run.source_id == newest.c.source_id, run.started_at == newest.c.at))
    return {found.source_id: found for found in session.scalars(query)}
