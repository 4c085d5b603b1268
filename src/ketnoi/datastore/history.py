"""The table of a version that an incremental sync changed in place, rebuilt after the sync.

Every version keeps a table of its own, never changed once served: the gateway's `as_of=T` and
`changed_since=T` read them. A file load or a full sync writes a new table; an incremental sync of
a large table would have to copy it whole and index it again (a million rows: 15 s here) to do
the same. So it changes the served table in place (in one transaction: readers see it before or
after) and hands that table to the new version; the version it supersedes keeps what it needs to
get its own table back: the keys the sync wrote (`touched`) and their rows as they were (`was`).
`rebuild` puts them together (the new table without the touched keys, plus the rows as they were)
in a job right after the sync, and, should that job not have run yet, at the start of the next
sync of the same table, before it changes the table again.

Until it is rebuilt, such a version is served by nobody: `as_of` or `changed_since` reaching back
to it answer "try again in a moment" (HistoryPending), never rows of another version.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Index, Table, and_, exists, insert, select, union_all
from sqlalchemy.orm import Session

from ketnoi.datastore import tables
from ketnoi.datastore.infer import Field, field_of
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.kit.errors import DomainError

SAMPLE_ROWS = 2000


class HistoryPending(DomainError):
    status = 503
    type = "history_pending"
    fault = "platform"


def require_built(version: DatastoreVersion) -> None:
    """Refuse to read a version whose table is still being rebuilt."""
    if version.rebuild is not None:
        raise HistoryPending(
            "Phiên bản {version} vừa được thay bằng một lần đồng bộ gia tăng, bảng của nó đang được dựng lại: hãy thử lại sau ít giây.",
            values={"version": version.version},
        )


def fields_of(version: DatastoreVersion) -> list[Field]:
    return [field_of(d) for d in version.table_schema["fields"]]


def _table(session: Session, name: str, version: DatastoreVersion) -> Table:
    return tables.table_for(session.connection(), name, fields_of(version), search=bool(version.table_schema.get("ketnoiSearch")))


def rebuild(session: Session, version: DatastoreVersion) -> bool:
    """Build the version's own table from its `rebuild` recipe, in the caller's transaction; False when there was nothing to do."""
    recipe = version.rebuild
    if recipe is None:
        return False
    base, was = _table(session, recipe["base"], version), _table(session, recipe["was"], version)
    touched = tables.table_for(
        session.connection(), recipe["touched"], fields_of(version), search=bool(version.table_schema.get("ketnoiSearch"))
    )
    keys: list[str] = recipe["keys"]
    target = _table(session, version.table_name, version)
    tables.create(session.connection(), target)
    untouched = select(*base.c).where(~exists().where(and_(*(touched.c[k] == base.c[k] for k in keys))))
    session.execute(insert(target).from_select([c.name for c in target.columns], union_all(untouched, select(*was.c))))
    _index(session, target, version, keys)
    for name in (recipe["touched"], recipe["was"]):
        tables.drop(session.connection(), name)
    version.rebuild = None
    return True


def _index(session: Session, table: Table, version: DatastoreVersion, keys: list[str]) -> None:
    """The indexes the version's table had when it was served: the source's key, and the filter columns."""
    connection = session.connection()
    Index(f"{table.name}_key"[:63], *(table.c[k] for k in keys), unique=True).create(connection)
    fields = fields_of(version)
    sample = [list(row[1 : 1 + len(fields)]) for row in session.execute(select(table).limit(SAMPLE_ROWS))]
    tables.index(connection, table, [name for name in tables.filter_columns(fields, sample) if name not in keys[:1]])


def rebuild_pending(session: Session, base_table: str) -> int:
    """Rebuild every version waiting on `base_table` (before that table is changed again); how many."""
    waiting = session.scalars(select(DatastoreVersion).where(DatastoreVersion.rebuild.is_not(None))).all()
    return sum(rebuild(session, v) for v in waiting if v.rebuild is not None and v.rebuild.get("base") == base_table)


def discard(session: Session, version: DatastoreVersion) -> None:
    """Drop a version's tables, rebuilt or still waiting (pruning history)."""
    connection = session.connection()
    tables.drop(connection, version.table_name)
    if version.rebuild is not None:
        for name in (version.rebuild["touched"], version.rebuild["was"]):
            tables.drop(connection, name)


def rebuild_by_id(session: Session, version_id: uuid.UUID) -> bool:
    version = session.get(DatastoreVersion, version_id)
    return version is not None and rebuild(session, version)


__all__ = ["HistoryPending", "discard", "rebuild", "rebuild_by_id", "rebuild_pending", "require_built"]
