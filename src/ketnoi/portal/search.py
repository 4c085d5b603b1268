"""Searching the open-data catalog: what the portal's home page and CKAN's `package_search` share.

Only public datasets are ever found. Criteria are CKAN's facet fields, so a portal URL
(`?organization=vu-khtc&tags=lua`) and a CKAN filter query (`fq=organization:vu-khtc tags:lua`)
mean the same thing:

  organization      the owning unit's slug            groups            the topic (CKAN's groups)
  tags              a tag                             res_format        a resource's format (CSV, XLSX…)
  license_id        the licence code                  update_frequency  the declared frequency
  name / id         the dataset's slug / UUID

Values of one field are all required (AND, as CKAN's facets do); `exclude` removes matches. The
words of `q` match as everywhere in ketnoi (kit.search): each must start a word of the name,
description or tags, with or without diacritics. The search runs over portal.public_index, the
public catalog held in memory; facet counts are taken over the whole result, before paging, and
only the page's rows are read from the database.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog import codelists as cl
from ketnoi.catalog import datasets
from ketnoi.catalog.models import Dataset
from ketnoi.kit.errors import Invalid
from ketnoi.kit.search import terms_of
from ketnoi.org.models import Organization
from ketnoi.portal import public_index
from ketnoi.portal.public_index import Entry

FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "update_frequency")
FIELDS = (*FACET_FIELDS, "name", "id")
FACET_LIMIT = 50
_BY_MODIFIED: Callable[[Entry], Any] = lambda e: (e.updated_at, e.id)  # noqa: E731
_BY_CREATED: Callable[[Entry], Any] = lambda e: (e.created_at, e.id)  # noqa: E731
_BY_TITLE: Callable[[Entry], Any] = lambda e: (e.name, e.id)  # noqa: E731
_BY_NAME: Callable[[Entry], Any] = lambda e: e.slug  # noqa: E731
SORTS: dict[str, tuple[Callable[[Entry], Any], bool]] = {  # the key, and whether it is descending
    "metadata_modified desc": (_BY_MODIFIED, True),
    "metadata_modified asc": (_BY_MODIFIED, False),
    "metadata_created desc": (_BY_CREATED, True),
    "metadata_created asc": (_BY_CREATED, False),
    "name asc": (_BY_NAME, False),
    "name desc": (_BY_NAME, True),
    "title_string asc": (_BY_TITLE, False),
    "title_string desc": (_BY_TITLE, True),
}
# Without a relevance score, "score desc" (CKAN's default) ranks by freshness: what changed last first.
DEFAULT_SORT = "metadata_modified desc"


@dataclass
class Criteria:
    q: str | None = None
    include: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    modified_since: datetime | None = None
    modified_until: datetime | None = None

    def key(self, sort: str) -> tuple[Any, ...]:
        """What makes two searches the same search (for portal.public_index's result cache)."""
        include = tuple(sorted((name, tuple(sorted(values))) for name, values in self.include.items()))
        exclude = tuple(sorted((name, tuple(sorted(values))) for name, values in self.exclude.items()))
        return (sort, tuple(terms_of(self.q)), include, exclude, self.modified_since, self.modified_until)

    def add(self, name: str, value: str, *, negated: bool = False) -> None:
        if name not in FIELDS:
            raise Invalid(
                "Không lọc được theo «{field}»; chọn một trong: {choices}.",
                fields={"fq": name},
                values={"field": name, "choices": ", ".join(FIELDS)},
            )
        target = self.exclude if negated else self.include
        values = target.setdefault(name, [])
        if value not in values:
            values.append(value)


@dataclass(frozen=True)
class FacetItem:
    name: str
    display_name: str
    count: int


@dataclass
class SearchResult:
    count: int
    rows: list[Any]  # plain rows of the list columns (Dataset without search_text)
    facets: dict[str, list[FacetItem]]
    sort: str
    entries: list[Entry] = field(default_factory=list)  # the page's entries of the index, in the rows' order


LIST_COLUMNS = datasets.LIST_COLUMNS


def _org_slugs(session: Session) -> dict[str, uuid.UUID]:
    return dict(session.execute(select(Organization.slug, Organization.id)).tuples().all())


def _predicate(name: str, value: str, units: dict[str, uuid.UUID]) -> Callable[[Entry], bool]:
    match name:
        case "organization":
            unit = units.get(value)
            key = unit.hex if unit else None
            return lambda e: e.owner_key == key
        case "groups":
            return lambda e: e.topic == value
        case "tags":
            tag = value.strip().lower()
            return lambda e: tag in e.tags
        case "res_format":
            fmt = value.strip().upper()
            return lambda e: fmt in e.formats
        case "license_id":
            return lambda e: e.license_id == value
        case "update_frequency":
            return lambda e: e.update_frequency == value
        case "name":
            return lambda e: e.slug == value
    return lambda e: str(e.id) == value.lower()


def _matching(session: Session, criteria: Criteria, entries: list[Entry]) -> list[Entry]:
    """The entries that meet every criterion, in their order: one pass per criterion, words first
    (the narrowest, usually), each pass over what the one before kept."""
    found = entries
    for needle in (" " + term for term in terms_of(criteria.q)):  # kit.search.matches, in Python
        found = [e for e in found if needle in e.search_text]
    units = _org_slugs(session) if "organization" in (*criteria.include, *criteria.exclude) else {}
    for name, values in criteria.include.items():
        for value in values:
            test = _predicate(name, value, units)
            found = [e for e in found if test(e)]
    for name, values in criteria.exclude.items():
        for value in values:
            test = _predicate(name, value, units)
            found = [e for e in found if not test(e)]
    if criteria.modified_since:
        since = criteria.modified_since
        found = [e for e in found if e.updated_at >= since]
    if criteria.modified_until:
        until = criteria.modified_until
        found = [e for e in found if e.updated_at <= until]
    return found


def search(
    session: Session,
    criteria: Criteria,
    *,
    start: int = 0,
    rows: int = 20,
    sort: str | None = None,
    facet_fields: tuple[str, ...] = FACET_FIELDS,
    facet_limit: int = FACET_LIMIT,
) -> SearchResult:
    chosen = normalised_sort(sort)
    for name in facet_fields:
        if name not in FACET_FIELDS:
            raise Invalid(
                "Không có nhóm «{field}»; chọn một trong: {choices}.",
                fields={"facet.field": name},
                values={"field": name, "choices": ", ".join(FACET_FIELDS)},
            )
    index = public_index.current(session)
    cached = index.results.get(criteria.key(chosen))
    if cached is None:
        key, reverse = SORTS[chosen]
        cached = index.results.put(criteria.key(chosen), _matching(session, criteria, index.ordered(chosen, key, reverse)))
    found = cached.found
    facets = {name: _named(session, name, cached.facet(name, _count)[:facet_limit]) for name in facet_fields}
    page = [e.id for e in found[start : start + rows]] if rows > 0 else []

    # Read by id, and public still: the index is the catalog as of this transaction, but never trusted for access.
    shown = select(*LIST_COLUMNS).where(Dataset.id.in_(page), datasets.visible(PUBLIC))
    by_id = {row.id: row for row in session.execute(shown)} if page else {}
    shown_entries = [e for e in found[start : start + rows] if e.id in by_id] if rows > 0 else []
    return SearchResult(len(found), [by_id[e.id] for e in shown_entries], facets, chosen, shown_entries)


_SINGLE = {"organization": "owner_key", "groups": "topic", "license_id": "license_id", "update_frequency": "update_frequency"}


def _count(found: list[Entry], name: str) -> list[tuple[Any, int]]:
    """How many of `found` have each value of the facet: counted in C (map, chain, Counter), since
    the whole public catalog may be `found`."""
    if name in _SINGLE:
        tally = Counter(map(attrgetter(_SINGLE[name]), found))
        tally.pop(None, None)
    else:
        tally = Counter(chain.from_iterable(map(attrgetter("tags" if name == "tags" else "formats"), found)))
    return sorted(tally.items(), key=lambda pair: (-pair[1], str(pair[0])))


def _named(session: Session, name: str, counted: list[tuple[Any, int]]) -> list[FacetItem]:
    labels = _labels(session, name, [value for value, _ in counted])
    return [FacetItem(*labels(value), n) for value, n in counted]


def normalised_sort(sort: str | None) -> str:
    """CKAN's sort parameter: `field direction`, the first of a comma list; "score" ranks by freshness."""
    first = " ".join((sort or "").split(",")[0].split()).lower()
    if not first or first.startswith("score"):
        return DEFAULT_SORT
    if first in SORTS:
        return first
    if first in {name.split()[0] for name in SORTS}:
        return first + " asc"
    names = ", ".join(sorted({name.split()[0] for name in SORTS}))
    raise Invalid(
        "Không sắp xếp được theo «{sort}»; dùng một trong: {choices} (asc|desc).",
        fields={"sort": sort or ""},
        values={"sort": sort, "choices": names},
    )


def _labels(session: Session, name: str, values: list[Any]) -> Callable[[Any], tuple[str, str]]:
    """(name, display name) of each facet value: an organization's slug and name, a code's label."""
    if name == "organization":  # the values are owner_key: the unit's id as 32 hex digits
        orgs = {o.id.hex: o for o in session.scalars(select(Organization).where(Organization.id.in_([uuid.UUID(v) for v in values])))}
        return lambda value: (orgs[value].slug, orgs[value].name)
    codes = {"groups": cl.TOPICS, "license_id": cl.LICENSES, "update_frequency": cl.FREQUENCIES}.get(name, {})
    return lambda value: (str(value), codes.get(value, str(value)))
