"""Searching the open-data catalog: what the portal's home page and CKAN's `package_search` share.

Only public datasets are ever found. Criteria are CKAN's facet fields, so a portal URL
(`?organization=vu-khtc&tags=lua`) and a CKAN filter query (`fq=organization:vu-khtc tags:lua`)
mean the same thing:

  organization      the owning unit's slug            groups            the topic (CKAN's groups)
  tags              a tag                             res_format        a resource's format (CSV, XLSX…)
  license_id        the licence code                  update_frequency  the declared frequency
  name / id         the dataset's slug / UUID

Values of one field are all required (AND, as CKAN's facets do); `exclude` removes matches.
Facet counts are taken over the whole result, before paging: one GROUP BY per facet.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, not_, select
from sqlalchemy.orm import Session

from ketnoi.catalog import codelists as cl
from ketnoi.catalog.models import Dataset, DatasetTag, Resource, Visibility
from ketnoi.kit.errors import Invalid
from ketnoi.kit.search import fts_filter, fts_sparse, matches
from ketnoi.org.models import Organization

FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "update_frequency")
FIELDS = (*FACET_FIELDS, "name", "id")
FACET_LIMIT = 50
SORTS = {
    "metadata_modified desc": (Dataset.updated_at.desc(), Dataset.id.desc()),
    "metadata_modified asc": (Dataset.updated_at, Dataset.id),
    "metadata_created desc": (Dataset.created_at.desc(), Dataset.id.desc()),
    "metadata_created asc": (Dataset.created_at, Dataset.id),
    "name asc": (Dataset.slug,),
    "name desc": (Dataset.slug.desc(),),
    "title_string asc": (Dataset.name, Dataset.id),
    "title_string desc": (Dataset.name.desc(), Dataset.id.desc()),
}
# Without a relevance score, "score desc" (CKAN's default) ranks by freshness: what changed last first.
DEFAULT_SORT = "metadata_modified desc"
SPARSE_MATCHES = 3000  # as catalog.datasets: below this many FTS matches, SQLite reads them by rowid


@dataclass
class Criteria:
    q: str | None = None
    include: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    modified_since: datetime | None = None
    modified_until: datetime | None = None

    def add(self, name: str, value: str, *, negated: bool = False) -> None:
        if name not in FIELDS:
            raise Invalid(f"Không lọc được theo «{name}»; chọn một trong: {', '.join(FIELDS)}.", fields={"fq": name})
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


LIST_COLUMNS = tuple(column for column in Dataset.__table__.columns if column.key != "search_text")


def _org_ids(slugs: list[str]) -> Select[Any]:
    return select(Organization.id).where(Organization.slug.in_(slugs))


def _condition(name: str, value: str) -> ColumnElement[bool]:
    match name:
        case "organization":
            return Dataset.owner_unit_id.in_(_org_ids([value]))
        case "groups":
            return Dataset.topic == value
        case "tags":
            return Dataset.id.in_(select(DatasetTag.dataset_id).where(DatasetTag.tag == value.strip().lower()))
        case "res_format":
            return Dataset.id.in_(select(Resource.dataset_id).where(func.upper(Resource.format) == value.strip().upper()))
        case "license_id":
            return Dataset.license_id == value
        case "update_frequency":
            return Dataset.update_frequency == value
        case "name":
            return Dataset.slug == value
    try:
        return Dataset.id == uuid.UUID(value)
    except ValueError:
        return Dataset.id.is_(None)  # not an id: nothing has it


def where(session: Session, criteria: Criteria) -> list[ColumnElement[bool]]:
    """The conditions of a search, public datasets only."""
    conditions: list[ColumnElement[bool]] = [Dataset.visibility == Visibility.PUBLIC, matches(Dataset.search_text, criteria.q)]
    if criteria.q and session.get_bind().dialect.name == "sqlite" and fts_sparse(session, "datasets_fts", criteria.q, below=SPARSE_MATCHES):
        conditions.append(fts_filter("datasets", "datasets_fts", criteria.q))
    for name, values in criteria.include.items():
        conditions.extend(_condition(name, value) for value in values)
    for name, values in criteria.exclude.items():
        conditions.extend(not_(_condition(name, value)) for value in values)
    if criteria.modified_since:
        conditions.append(Dataset.updated_at >= criteria.modified_since)
    if criteria.modified_until:
        conditions.append(Dataset.updated_at <= criteria.modified_until)
    return conditions


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
    conditions = where(session, criteria)
    count = session.scalar(select(func.count()).select_from(Dataset).where(*conditions)) or 0
    found: list[Any] = []
    if rows > 0 and count > start:
        query = select(*LIST_COLUMNS).where(*conditions).order_by(*SORTS[chosen]).offset(start).limit(rows)
        found = list(session.execute(query))
    facets = {name: facet(session, name, conditions, facet_limit) if count else [] for name in facet_fields}
    return SearchResult(count, found, facets, chosen)


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
    raise Invalid(f"Không sắp xếp được theo «{sort}»; dùng một trong: {names} (asc|desc).", fields={"sort": sort or ""})


def facet(session: Session, name: str, conditions: list[ColumnElement[bool]], limit: int = FACET_LIMIT) -> list[FacetItem]:
    if name not in FACET_FIELDS:
        raise Invalid(f"Không có nhóm «{name}»; chọn một trong: {', '.join(FACET_FIELDS)}.", fields={"facet.field": name})
    matching = select(Dataset.id).where(*conditions)
    key: Any
    match name:
        case "tags":
            key = DatasetTag.tag
            query = select(key, func.count()).where(DatasetTag.dataset_id.in_(matching))
        case "res_format":
            key = func.upper(Resource.format)
            query = select(key, func.count(Resource.dataset_id.distinct())).where(
                Resource.dataset_id.in_(matching), Resource.format.is_not(None)
            )
        case _:
            key = {"organization": Dataset.owner_unit_id, "groups": Dataset.topic}.get(name) or getattr(Dataset, name)
            query = select(key, func.count()).where(*conditions, key.is_not(None))
    counted = session.execute(query.group_by(key).order_by(func.count().desc(), key).limit(limit)).all()
    labels = _labels(session, name, [value for value, _ in counted])
    return [FacetItem(*labels(value), count) for value, count in counted]


def _labels(session: Session, name: str, values: list[Any]) -> Callable[[Any], tuple[str, str]]:
    """(name, display name) of each facet value: an organization's slug and name, a code's label."""
    if name == "organization":
        orgs = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(values)))}
        return lambda value: (orgs[value].slug, orgs[value].name)
    codes = {"groups": cl.TOPICS, "license_id": cl.LICENSES, "update_frequency": cl.FREQUENCIES}.get(name, {})
    return lambda value: (str(value), codes.get(value, str(value)))
