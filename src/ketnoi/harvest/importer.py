"""One remote dataset brought into the catalog, through the catalog's own services.

`datasets.create_dataset` / `update_dataset` make the slug, the search text, the tags and the audit
trail, and check the publication gate, as for a dataset typed by a person; the actor is the
harvester of the source (`harvester`), so the history says where a change came from. Resources are
links (`Resource.url`, no bytes here), matched to the remote's by address: a new address is
added, a changed name or format updated, an address the remote no longer lists removed. Files a
person uploaded to a harvested dataset (no `url`) are left alone.

The caller gives each dataset its own transaction (harvest.runner), so a failure never leaves a
dataset half written.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.authz import Actor, Role
from ketnoi.catalog import datasets, items
from ketnoi.catalog.models import Dataset, Resource, Visibility
from ketnoi.catalog.schemas import DatasetIn, DatasetPatch
from ketnoi.harvest.models import HarvestedDataset
from ketnoi.harvest.remote import RemoteDataset, RemoteResource
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.kit.slug import unique_slug
from ketnoi.kit.validation import parse

RESOURCE_FIELDS = ("name", "description", "format", "media_type", "size", "sha256", "url")


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Target:
    """Where a source's datasets go, and who files them."""

    source_id: uuid.UUID
    database_id: uuid.UUID
    actor: Actor


def harvester(source_name: str) -> Actor:
    """The platform acting for one source. Whoever set the source up was checked then (harvest.service)."""
    return Actor(role=Role.ADMIN, label=f"harvest:{source_name}"[:255])


def _link(session: Session, target: Target, remote_id: str) -> HarvestedDataset | None:
    query = select(HarvestedDataset).where(HarvestedDataset.source_id == target.source_id, HarvestedDataset.remote_id == remote_id)
    return session.scalar(query)


def apply(session: Session, target: Target, remote: RemoteDataset) -> Outcome:
    if remote.problem:
        raise Invalid(remote.problem)
    link = _link(session, target, remote.remote_id)
    if link is not None and link.remote_modified == remote.version:
        return Outcome.UNCHANGED
    if link is None:
        view = _create(session, target, remote)
        link = HarvestedDataset(source_id=target.source_id, remote_id=remote.remote_id, dataset_id=view.dataset.id)
        session.add(link)
        outcome = Outcome.CREATED
    else:
        view = _update(session, target, link.dataset_id, remote, back=link.remote_modified is None)  # None: withdrawn
        outcome = Outcome.UPDATED
    sync_resources(session, target.actor, view.dataset, remote.resources)
    link.remote_url = remote.remote_url
    link.remote_modified = remote.version
    link.harvested_at = utcnow()
    session.flush()
    return outcome


def _values(remote: RemoteDataset) -> dict[str, object]:
    return {
        "name": remote.title,
        "description": remote.description,
        "license_id": remote.license_id,
        "topic": remote.topic,
        "tags": remote.tags,
        "update_frequency": remote.update_frequency,
    }


def _slug(session: Session, remote: RemoteDataset) -> str:
    """The remote's URL name as it is when it is free here (links keep working across portals), else a free variant."""

    def taken(slug: str) -> bool:
        return session.scalar(select(Dataset.id).where(Dataset.slug == slug)) is not None

    if remote.slug and not taken(remote.slug):
        return remote.slug
    return unique_slug(remote.slug or remote.title, taken)


def _create(session: Session, target: Target, remote: RemoteDataset) -> datasets.DatasetView:
    # Open data on the source, open data here; later runs leave where it is filed and whether it is
    # public to the stewards (a copy withdrawn by the source and brought back is published again).
    values = {"database_id": target.database_id, "slug": _slug(session, remote), "visibility": Visibility.PUBLIC}
    data = parse(DatasetIn, values | _values(remote))
    return datasets.create_dataset(session, actor=target.actor, data=data)


def _update(session: Session, target: Target, dataset_id: uuid.UUID, remote: RemoteDataset, *, back: bool) -> datasets.DatasetView:
    patch = parse(DatasetPatch, _values(remote) | ({"visibility": Visibility.PUBLIC} if back else {}))
    return datasets.update_dataset(session, actor=target.actor, dataset_id=dataset_id, patch=patch)


def sync_resources(session: Session, actor: Actor, ds: Dataset, remotes: list[RemoteResource]) -> None:
    """The dataset's links made the remote's: matched by address, in the remote's order."""
    query = select(Resource).where(Resource.dataset_id == ds.id, Resource.url.is_not(None)).order_by(Resource.created_at, Resource.id)
    pool: dict[str, list[Resource]] = defaultdict(list)
    for resource in session.scalars(query):
        pool[resource.url or ""].append(resource)
    changed = False
    for remote in remotes:
        found = pool[remote.url].pop(0) if pool.get(remote.url) else None
        if found is None:
            _add_link(session, actor, ds, remote)
            changed = True
        else:
            changed = _change_link(session, actor, ds, found, remote) or changed
    for leftovers in pool.values():
        for resource in leftovers:
            items.delete_resource(session, actor=actor, resource_id=resource.id)
            changed = True
    if changed:
        ds.updated_at = utcnow()  # the dataset's description changed (CKAN's metadata_modified), as catalog.items does


def _add_link(session: Session, actor: Actor, ds: Dataset, remote: RemoteResource) -> None:
    resource = Resource(id=uuid.uuid4(), dataset_id=ds.id, **{name: getattr(remote, name) for name in RESOURCE_FIELDS})
    session.add(resource)
    session.flush()
    _record(session, actor, "create", resource, resource.name, audit.diff({}, audit.snapshot(resource, RESOURCE_FIELDS)))


def _change_link(session: Session, actor: Actor, ds: Dataset, resource: Resource, remote: RemoteResource) -> bool:
    before = audit.snapshot(resource, RESOURCE_FIELDS)
    for name in RESOURCE_FIELDS:
        setattr(resource, name, getattr(remote, name))
    changes = audit.diff(before, audit.snapshot(resource, RESOURCE_FIELDS))
    if changes:
        _record(session, actor, "update", resource, f"{ds.name}: {resource.name}", changes)
    return bool(changes)


def _record(session: Session, actor: Actor, action: str, resource: Resource, label: str, changes: dict[str, list[object]]) -> None:
    audit.record(session, actor=actor, action=action, entity_type="resource", entity_id=resource.id, entity_label=label, changes=changes)


def withdraw(session: Session, target: Target, link_id: uuid.UUID) -> str | None:
    """A dataset the source no longer lists (deleted, or made private there): our copy stops being public.

    It is kept (its history, links to it) but made internal: what the source took back is not
    published here in its name. Its mark is forgotten, so if it comes back it is imported again.
    Returns the dataset's name when it was public until now.
    """
    link = session.get(HarvestedDataset, link_id)
    ds = session.get(Dataset, link.dataset_id) if link else None
    if link is None or ds is None:
        return None
    link.remote_modified = None
    if ds.visibility != Visibility.PUBLIC:
        return None
    datasets.update_dataset(session, actor=target.actor, dataset_id=ds.id, patch=DatasetPatch(visibility=Visibility.INTERNAL))
    return ds.name
