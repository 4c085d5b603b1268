"""What the public sees of some datasets, loaded together: the DCAT catalog and the Data Package read it.

Every export reads as the anonymous public, whoever calls: an open data catalog lists open data
only, and a steward signed in must not publish more by fetching it. For a page of datasets the
owners, focal points, resources, active datastore versions and data items are each read by one
`IN (...)` query, never one per dataset.

A resource loaded in the datastore is offered as the CSV export of the columns the public may see
(`datastore.access` decides, as for the data API; the original file may hold the others), and a
table with no column open to the public is not offered at all. Any other resource is offered as
its file or its link (`portal.links`, which the portal and the CKAN API follow too).

The addresses here are stable URIs built from `base_url`, with ids, never slugs (a slug can be
renamed); only the portal page (the landing page, for people) is addressed by slug.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog.datasets import visible
from ketnoi.catalog.models import DataItem, Dataset, Resource
from ketnoi.datastore import access
from ketnoi.datastore.infer import Field, field_of
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.kit.errors import NotFound
from ketnoi.org.models import FocalPoint, Organization, OrgKind
from ketnoi.org.service import current_focal_points
from ketnoi.portal import links


def dataset_uri(dataset_id: uuid.UUID) -> str:
    return f"{links.base()}/dataset/{dataset_id}"


def distribution_uri(resource: Resource) -> str:
    return f"{dataset_uri(resource.dataset_id)}/resource/{resource.id}"


def organization_uri(org_id: uuid.UUID) -> str:
    return f"{links.base()}/organization/{org_id}"


def service_uri(service_id: uuid.UUID) -> str:
    return f"{links.base()}/service/{service_id}"


def csv_export_url(resource_id: uuid.UUID) -> str:
    """The columns the public may see, as CSV: what a table's schema describes."""
    return f"{links.base()}/api/v1/resources/{resource_id}/export?format=csv"


@dataclass(frozen=True)
class PublicTable:
    """A resource's active table as the public reads it."""

    version: DatastoreVersion
    shown: list[Field]  # the columns the public may see, in order


@dataclass(frozen=True)
class PublicResource:
    resource: Resource
    table: PublicTable | None  # None: not loaded in the datastore

    @property
    def download_url(self) -> str:
        return links.resource_url(self.resource, in_datastore=self.table is not None)

    @property
    def as_stored(self) -> bool:
        """What is downloaded is the file (or link) as kept, so its format, size and checksum describe it."""
        return self.table is None or bool(self.resource.url)


@dataclass
class Published:
    datasets: list[Dataset]
    owners: dict[uuid.UUID, Organization]
    focal_points: dict[uuid.UUID, FocalPoint]
    resources: dict[uuid.UUID, list[PublicResource]] = field(default_factory=dict)  # by dataset id

    def resources_of(self, dataset: Dataset) -> list[PublicResource]:
        return self.resources.get(dataset.id, [])


def public_dataset(session: Session, ref: str) -> Dataset:
    """A public dataset by its id or its slug (never shaped like an id: kit.slug); any other is not found."""
    try:
        condition = Dataset.id == uuid.UUID(ref)
    except ValueError:
        condition = Dataset.slug == ref
    dataset = session.scalar(select(Dataset).where(visible(PUBLIC), condition))
    if dataset is None:
        raise NotFound("Không tìm thấy bộ dữ liệu.")
    return dataset


def publishing_unit(session: Session, ref: str) -> Organization:
    """A unit of the ministry (the publishers of open data) by its id or its slug."""
    try:
        condition = Organization.id == uuid.UUID(ref)
    except ValueError:
        condition = Organization.slug == ref
    unit: Organization | None = session.scalar(select(Organization).where(Organization.kind == OrgKind.UNIT, condition))
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def public_counts(session: Session, column: Any) -> dict[Any, int]:
    """How many public datasets have each value of a column of `datasets` (a unit, a topic)."""
    counted = select(column, func.count()).where(visible(PUBLIC)).group_by(column)
    return dict(session.execute(counted).tuples().all())


def load(session: Session, datasets: Sequence[Dataset]) -> Published:
    """The public datasets given, with what the exports show beside them (one query per kind)."""
    owner_ids = list({d.owner_unit_id for d in datasets})
    owners = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(owner_ids)))} if owner_ids else {}
    published = Published(list(datasets), owners, current_focal_points(session, owner_ids) if owner_ids else {})
    for offered in _public_resources(session, [d.id for d in datasets]):
        published.resources.setdefault(offered.resource.dataset_id, []).append(offered)
    return published


def _public_resources(session: Session, dataset_ids: list[uuid.UUID]) -> list[PublicResource]:
    if not dataset_ids:
        return []
    resources = list(
        session.scalars(select(Resource).where(Resource.dataset_id.in_(dataset_ids)).order_by(Resource.created_at, Resource.id))
    )
    versions = _active_versions(session, [r.id for r in resources])
    items = _items_by_dataset(session, {r.dataset_id for r in resources if r.id in versions})
    offered = []
    for resource in resources:
        version = versions.get(resource.id)
        table = _public_table(version, items.get(resource.dataset_id, {})) if version else None
        if version is None or table is not None:
            offered.append(PublicResource(resource, table))
    return offered


def withheld(session: Session, dataset_ids: list[uuid.UUID] | None = None) -> set[uuid.UUID]:
    """The resources of these datasets (None: of every public one) that the public is not offered:
    tables in the datastore with no column open to it. Few have a table: read them, not every file."""
    query = select(DatastoreVersion, Resource.dataset_id).join(Resource, Resource.id == DatastoreVersion.resource_id)
    query = query.where(DatastoreVersion.status == VersionStatus.ACTIVE)
    if dataset_ids is None:
        query = query.join(Dataset, Dataset.id == Resource.dataset_id).where(visible(PUBLIC))
    else:
        query = query.where(Resource.dataset_id.in_(dataset_ids))
    tables = list(session.execute(query).tuples())
    items = _items_by_dataset(session, {dataset_id for _, dataset_id in tables})
    return {version.resource_id for version, dataset_id in tables if _public_table(version, items.get(dataset_id, {})) is None}


def _active_versions(session: Session, resource_ids: list[uuid.UUID]) -> dict[uuid.UUID, DatastoreVersion]:
    if not resource_ids:
        return {}
    query = select(DatastoreVersion).where(DatastoreVersion.resource_id.in_(resource_ids), DatastoreVersion.status == VersionStatus.ACTIVE)
    return {v.resource_id: v for v in session.scalars(query)}


def _items_by_dataset(session: Session, dataset_ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, DataItem]]:
    by_dataset: dict[uuid.UUID, dict[str, DataItem]] = {}
    if dataset_ids:
        for item in session.scalars(select(DataItem).where(DataItem.dataset_id.in_(dataset_ids))):
            by_dataset.setdefault(item.dataset_id, {})[item.name] = item
    return by_dataset


def _public_table(version: DatastoreVersion, items: dict[str, DataItem]) -> PublicTable | None:
    fields = [field_of(d) for d in version.table_schema["fields"]]
    # The data API's own rule (access._may_see), not a copy of it: what the export lists is what the API serves.
    shown = [f for f in fields if access._may_see(PUBLIC, f, items)]
    if not shown:
        return None  # nothing of it is open: the public is offered neither the table nor the file
    return PublicTable(version, shown)
