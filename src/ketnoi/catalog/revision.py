"""The catalog's revision: a number every committed change of a dataset, its fields, tags or files moves.

Whoever keeps a copy of the catalog (the portal's in-memory index, portal.public_index) reads this
one row to know whether its copy is still the catalog: a timestamp cannot say so, since a
transaction may commit after another that wrote a later time. The number is raised in the
writing transaction itself (before each flush that touches those tables, and before each bulk
UPDATE or DELETE of them, which bypass the flush), so it moves exactly when the change becomes visible.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, event, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ketnoi.catalog.models import DataItem, Dataset, DatasetTag, Resource
from ketnoi.db import Base

WATCHED = (Dataset, DataItem, DatasetTag, Resource)


class CatalogRevision(Base):
    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # one row, id 1 (made by the migration)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def bump(session: Session) -> None:
    """Raise the revision in the session's transaction (on its connection: no autoflush, no recursion)."""
    session.connection().execute(update(CatalogRevision).where(CatalogRevision.id == 1).values(value=CatalogRevision.value + 1))


def current(session: Session) -> int:
    return session.scalar(select(CatalogRevision.value).where(CatalogRevision.id == 1)) or 0


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_changes(state: ORMExecuteState) -> None:
    """A bulk UPDATE or DELETE of a watched table (`session.execute(update(Dataset)…)`) bypasses the flush."""
    if (state.is_update or state.is_delete) and any(mapper.class_ in WATCHED for mapper in state.all_mappers):
        bump(state.session)


@event.listens_for(Session, "before_flush")
def _bump_on_catalog_changes(session: Session, _context: Any, _instances: Any) -> None:
    touched = (*session.new, *session.deleted, *(obj for obj in session.dirty if session.is_modified(obj)))
    if any(isinstance(obj, WATCHED) for obj in touched):
        bump(session)
