"""The public catalog held in memory: what the portal's search, facets and package_search read.

A search engine (CKAN has Solr) answers a faceted search from an index built for it, not by
grouping the database's rows on every request. Here the index is each process's copy of the few
fields a search looks at, for the public datasets only: the folded search text, the unit, topic,
licence, frequency, tags, formats and dates. With 15,000 public datasets it holds about 10 MB
and answers a search with facets in milliseconds of Python, where SQL took hundreds (six GROUP
BYs over the matches, and a common word matching most of the catalog).

It is never stale: every request first reads the catalog's revision (catalog.revision: one row),
and when it moved, the index catches up in the request's own transaction: the public datasets'
ids, then the rows of those changed lately or not yet held.
"Lately" reaches back REREAD before the newest change held, for a transaction that committed
after another one that wrote a later time. Only the first request of a process builds it all.
The last searches of a revision are kept with their facet counts (`Results`), as exact as the
index since they go with it.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.catalog import revision
from ketnoi.catalog.models import Dataset, Resource, Visibility
from ketnoi.portal import published


@dataclass(frozen=True, slots=True)
class Entry:
    id: uuid.UUID
    slug: str
    name: str
    owner_key: str  # the owning unit's id as 32 hex digits: hashed in C when facets are counted (a UUID is not)
    topic: str | None
    license_id: str | None
    update_frequency: str | None
    created_at: datetime
    updated_at: datetime
    search_text: str  # folded words, each after a space (kit.search.search_text)
    tags: tuple[str, ...]
    formats: tuple[str, ...]  # upper case, each once


REREAD = timedelta(minutes=10)
RESULTS_KEPT = 128  # searches remembered per revision (a portal's home page and popular facets come back)


@dataclass
class Result:
    """One search's matches, in order, and its facet counts as they are asked for."""

    found: list[Entry]
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)

    def facet(self, name: str, count: Callable[[list[Entry], str], list[tuple[Any, int]]]) -> list[tuple[Any, int]]:
        if name not in self.facets:
            self.facets[name] = count(self.found, name)
        return self.facets[name]


class Results:
    """The last RESULTS_KEPT searches of this revision of the catalog: exact, since a new revision
    starts with none (Solr keeps a query result cache the same way, per searcher)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Any, ...], Result] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Result | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], found: list[Entry]) -> Result:
        result = Result(found)
        with self._lock:
            self._kept[key] = result
            if len(self._kept) > RESULTS_KEPT:
                self._kept.popitem(last=False)
        return result


FETCH_CHUNK = 500  # ids per IN (...) when rows are read by id


@dataclass
class PublicIndex:
    revision: int
    entries: dict[uuid.UUID, Entry]
    results: Results = field(default_factory=Results)
    _ordered: dict[str, list[Entry]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ordered(self, name: str, key: Any, reverse: bool) -> list[Entry]:
        """The entries sorted one way, sorted once per revision and kept."""
        found = self._ordered.get(name)
        if found is None:
            with self._lock:
                found = self._ordered.setdefault(name, sorted(self.entries.values(), key=key, reverse=reverse))
        return found

    @property
    def newest(self) -> datetime | None:
        return max((e.updated_at for e in self.entries.values()), default=None)


_indexes: dict[str, PublicIndex] = {}  # by database URL: tests and tools may open more than one
_build_lock = threading.Lock()


def current(session: Session) -> PublicIndex:
    """The index of the public catalog as this session's transaction sees it."""
    key = str(session.get_bind().engine.url)
    number = revision.current(session)
    index = _indexes.get(key)
    if index is not None and index.revision == number:
        return index
    with _build_lock:  # one refresh at a time: the requests that arrive meanwhile wait for it
        index = _indexes.get(key)
        if index is None or index.revision != number:
            index = _refreshed(session, index, number)
            _indexes[key] = index
    return index


def _refreshed(session: Session, old: PublicIndex | None, number: int) -> PublicIndex:
    public = Dataset.visibility == Visibility.PUBLIC
    if old is None or old.newest is None:
        return PublicIndex(number, {e.id: e for e in _read(session, public)})
    ids = set(session.scalars(select(Dataset.id).where(public)))
    entries = {i: e for i, e in old.entries.items() if i in ids}
    changed = _read(session, public, Dataset.updated_at >= old.newest - REREAD)
    missing = list(ids - entries.keys() - {e.id for e in changed})
    for start in range(0, len(missing), FETCH_CHUNK):
        changed += _read(session, public, Dataset.id.in_(missing[start : start + FETCH_CHUNK]))
    entries.update((e.id, e) for e in changed)
    return PublicIndex(number, entries)


def _read(session: Session, *conditions: Any) -> list[Entry]:
    names = ("id", "slug", "name", "owner_unit_id", "topic", "license_id", "update_frequency", "created_at", "updated_at")
    query = select(*(Dataset.__table__.c[n] for n in names), Dataset.search_text, Dataset.tags).where(*conditions)
    rows = session.execute(query).all()
    formats = _formats(session, [row.id for row in rows]) if rows else {}
    return [
        Entry(
            id=row.id,
            slug=row.slug,
            name=row.name,
            owner_key=row.owner_unit_id.hex,
            topic=row.topic,
            license_id=row.license_id,
            update_frequency=row.update_frequency,
            created_at=row.created_at,
            updated_at=row.updated_at,
            search_text=row.search_text,
            tags=tuple(row.tags or ()),
            formats=tuple(sorted(formats.get(row.id, ()))),
        )
        for row in rows
    ]


def _formats(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """The formats of the files the public is offered (portal.published): a table with no public column is not."""
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    query = select(Resource.id, Resource.dataset_id, func.upper(Resource.format)).where(Resource.format.is_not(None))
    if len(ids) > FETCH_CHUNK:  # the whole catalog: one join rather than thousands of ids
        query = query.join(Dataset, Dataset.id == Resource.dataset_id).where(Dataset.visibility == Visibility.PUBLIC)
        wanted = set(ids)
        rows = [row for row in session.execute(query).tuples() if row[1] in wanted]
        hidden = published.withheld(session)
    else:
        rows = list(session.execute(query.where(Resource.dataset_id.in_(ids))).tuples())
        hidden = published.withheld(session, ids)
    for resource_id, dataset_id, fmt in rows:
        if resource_id not in hidden:
            found[dataset_id].add(fmt)
    return found
