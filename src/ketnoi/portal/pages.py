"""What the portal's pages show, read as the public reads it (whoever is signed in).

The portal is the catalog's public face: a steward who opens it sees what a citizen sees, so
that what is published can be checked by looking at it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog.models import DataItem, Dataset, SharingForm, Visibility
from ketnoi.datastore import query
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError
from ketnoi.org.models import Organization, OrgKind
from ketnoi.portal import published, search
from ketnoi.portal.freshness import Freshness, freshness

PAGE_SIZE = 20
PREVIEW_ROWS = 10


@dataclass
class Preview:
    fields: list[Any]
    rows: list[dict[str, Any]]
    total: int


@dataclass
class DatasetPage:
    dataset: Dataset
    owner: Organization
    published: published.Published
    dictionary: list[DataItem]  # the open data items: what the public's columns mean
    previews: dict[uuid.UUID, Preview] = field(default_factory=dict)  # by resource id
    freshness: Freshness | None = None
    stale: bool = False


def dataset_page(session: Session, slug: str) -> DatasetPage:
    ds = published.public_dataset(session, slug)
    shown = published.load(session, [ds])
    items = session.scalars(
        select(DataItem)
        .where(DataItem.dataset_id == ds.id, DataItem.sharing_form == SharingForm.OPEN)
        .where(DataItem.is_personal.is_(False), DataItem.is_sensitive.is_(False))
        .order_by(DataItem.position, DataItem.name)
    )
    page = DatasetPage(ds, shown.owners[ds.owner_unit_id], shown, list(items))
    updates = [ds.updated_at]
    for offered in shown.resources_of(ds):
        updates.append(offered.resource.updated_at)
        if offered.table is not None:
            updates.append(offered.table.version.finished_at or offered.table.version.created_at)
            page.previews[offered.resource.id] = _preview(session, offered)
    page.freshness = freshness(max(updates), ds.update_frequency)
    page.stale = page.freshness.overdue(utcnow())
    return page


def _preview(session: Session, offered: published.PublicResource) -> Preview:
    assert offered.table is not None
    try:
        rows = query.read_rows(session, actor=PUBLIC, resource_id=offered.resource.id, params=[("limit", str(PREVIEW_ROWS))])
    except DomainError:  # a table the public cannot read after all: no preview rather than no page
        return Preview(offered.table.shown, [], 0)
    return Preview(rows.fields, rows.rows, offered.table.version.row_count)


@dataclass(frozen=True)
class Card:
    """A dataset as a result of the portal's search shows it."""

    slug: str
    title: str
    unit: str
    notes: str | None
    formats: tuple[str, ...]
    tags: list[str]
    updated_at: datetime


def cards(session: Session, found: search.SearchResult) -> list[Card]:
    """The page's results as cards: from the search's rows and index entries, and one query for the units' names."""
    owners = {row.owner_unit_id for row in found.rows}
    names = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(owners))).tuples().all())
    return [
        Card(row.slug, row.name, names.get(row.owner_unit_id, ""), row.description, entry.formats, list(row.tags or []), row.updated_at)
        for row, entry in zip(found.rows, found.entries, strict=True)
    ]


def organizations(session: Session) -> list[tuple[Organization, int]]:
    """The units that publish, with how many public datasets each has (the ones with none last)."""
    counts = published.public_counts(session, Dataset.owner_unit_id)
    units = session.scalars(select(Organization).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name))
    return sorted(((u, counts.get(u.id, 0)) for u in units), key=lambda pair: (-pair[1], pair[0].name))


def sitemap_entries(session: Session) -> list[tuple[str, datetime]]:
    """(path, last modified) of every public page worth indexing: datasets and publishing units."""
    rows = session.execute(select(Dataset.slug, Dataset.updated_at).where(Dataset.visibility == Visibility.PUBLIC).order_by(Dataset.slug))
    entries = [(f"/open/datasets/{slug}", modified) for slug, modified in rows.tuples()]
    for unit, count in organizations(session):
        if count:
            entries.append((f"/open/organizations/{unit.slug}", unit.updated_at))
    return entries


def criteria_of(params: dict[str, list[str]], q: str | None) -> search.Criteria:
    """The portal's query string as search criteria: `?q=…&organization=…&tags=…` (each repeatable)."""
    criteria = search.Criteria(q=q or None)
    for name in search.FACET_FIELDS:
        for value in params.get(name, []):
            if value:
                criteria.add(name, value)
    return criteria
