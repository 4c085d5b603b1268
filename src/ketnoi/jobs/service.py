"""Reading jobs: the jobs page and API show each person the jobs they may follow.

Who sees which job: administrators (and the platform itself) see every job; stewards and
leaders see the jobs they started. Staff may read the whole inventory, but a job's parameters,
messages and errors can name records and people of any unit and say nothing useful to someone
who did not start it, so jobs are not shared by unit. The rule is applied in SQL, so a list
never loads rows the reader may not see.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.jobs.queue import live_progress
from ketnoi.kit.errors import NotFound
from ketnoi.kit.pagination import Page, keyset_page

MAX_PAGE = 200


def _visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return true()
    if actor.user_id is None:
        # Without this, `created_by_id == None` would become IS NULL: the platform's own jobs.
        return false()
    return Job.created_by_id == actor.user_id


def list_jobs(session: Session, *, actor: Actor, cursor: str | None, limit: int) -> Page[Job]:
    """The jobs this actor may see, newest first, one keyset page at a time."""
    authz.require(actor, Action.VIEW, Kind.JOB)
    query = select(Job).where(_visible_to(actor))
    keys = [Job.created_at, Job.id]
    page = keyset_page(session, query, keys, cursor=cursor, limit=max(1, min(limit, MAX_PAGE)), descending=True)
    for row in page.items:
        _with_live_progress(row)
    return page


def get_job(session: Session, *, actor: Actor, job_id: uuid.UUID) -> Job:
    """One job; NotFound also when it exists but is not the actor's (its existence is not told)."""
    authz.require(actor, Action.VIEW, Kind.JOB)
    row = session.scalar(select(Job).where(Job.id == job_id, _visible_to(actor)))
    if row is None:
        raise NotFound("Không tìm thấy công việc.")
    return _with_live_progress(row)


def _with_live_progress(row: Job) -> Job:
    """A running job shows the count it last reported (its row is written only when it ends).

    Set as the loaded value, not as a change: the reader's transaction must not write it back.
    """
    if row.status == JobStatus.RUNNING and (done := live_progress(row.id)) is not None:
        set_committed_value(row, "progress", done)
    return row
