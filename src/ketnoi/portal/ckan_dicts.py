"""Our catalog in the shapes CKAN clients read: package, resource, organization, group and tag dicts.

The fields are CKAN 2.10's, with their types: ids are strings, timestamps naive UTC ISO-8601
(`2026-11-27T09:00:00.123456`), empty text is "" where CKAN gives "". What CKAN has and we do
not (author, version) is null. Our own fields with no CKAN home go in `extras`.
Dicts for many datasets are built from a handful of queries, never one per dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog import codelists as cl
from ketnoi.catalog.models import Database, Resource
from ketnoi.org.models import Organization
from ketnoi.portal import links, published
from ketnoi.portal.dcat import LICENCES

OPEN_LICENSES = frozenset(LICENCES)  # every licence but "internal" lets the public reuse the data


def timestamp(moment: datetime | None) -> str | None:
    """CKAN's form: naive UTC, microseconds, no offset."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def license_url(license_id: str | None) -> str:
    licence = LICENCES.get(license_id or "")
    return licence.address if licence else ""


def license_dicts() -> list[dict[str, Any]]:
    return [
        {
            "id": code,
            "title": title,
            "url": license_url(code),
            "od_conformance": "approved" if code in OPEN_LICENSES else "not reviewed",
            "osd_conformance": "not reviewed",
            "status": "active",
            "is_okd_compliant": code in OPEN_LICENSES,
        }
        for code, title in cl.LICENSES.items()
    ]


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    found = {
        "id": str(org.id),
        "name": org.slug,
        "title": org.name,
        "display_name": org.name,
        "description": org.description or "",
        "image_url": "",
        "image_display_url": "",
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "created": timestamp(org.created_at),
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def group_dict(topic: str, package_count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": topic,
        "name": topic,
        "title": cl.TOPICS.get(topic, topic),
        "display_name": cl.TOPICS.get(topic, topic),
        "description": "",
        "image_display_url": "",
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def tag_dict(tag: str) -> dict[str, Any]:
    return {"id": tag, "name": tag, "display_name": tag, "state": "active", "vocabulary_id": None}


def resource_dict(resource: Resource, position: int, in_datastore: bool) -> dict[str, Any]:
    return {
        "id": str(resource.id),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description or "",
        "format": (resource.format or "").upper(),
        "mimetype": resource.media_type,
        "size": resource.size,
        "hash": resource.sha256 or "",
        "created": timestamp(resource.created_at),
        "last_modified": timestamp(resource.updated_at),
        "metadata_modified": timestamp(resource.updated_at),
        "url": links.resource_url(resource, in_datastore=in_datastore),
        "url_type": None if resource.url else "upload",
        "datastore_active": in_datastore,
        "position": position,
        "state": "active",
    }


class PackageBuilder:
    """Builds package dicts for a set of datasets with one query per related table (portal.published)."""

    def __init__(self, session: Session, datasets: Sequence[Any]) -> None:
        self.shown = published.load(session, datasets)
        databases = {ds.database_id for ds in datasets}
        self.databases = dict(session.execute(select(Database.id, Database.name).where(Database.id.in_(databases))).tuples().all())

    def package(self, ds: Any) -> dict[str, Any]:
        org = self.shown.owners[ds.owner_unit_id]
        offered = self.shown.resources.get(ds.id, [])
        resources = [resource_dict(o.resource, n, o.table is not None) for n, o in enumerate(offered)]
        tags = list(ds.tags or [])
        return {
            "id": str(ds.id),
            "name": ds.slug,
            "title": ds.name,
            "notes": ds.description or "",
            "type": "dataset",
            "state": "active",
            "private": False,
            "owner_org": str(ds.owner_unit_id),
            "organization": organization_dict(org),
            "license_id": ds.license_id or "",
            "license_title": cl.LICENSES.get(ds.license_id or "", ds.license_id or ""),
            "license_url": license_url(ds.license_id),
            "isopen": ds.license_id in OPEN_LICENSES,
            "tags": [tag_dict(t) for t in tags],
            "num_tags": len(tags),
            "groups": [group_dict(ds.topic)] if ds.topic else [],
            "extras": self._extras(ds),
            "resources": resources,
            "num_resources": len(resources),
            "metadata_created": timestamp(ds.created_at),
            "metadata_modified": timestamp(ds.updated_at),
            "url": links.dataset_page(ds.slug),
            "author": None,
            "author_email": None,
            "maintainer": org.name,
            "maintainer_email": org.email,
            "version": None,
        }

    def _extras(self, ds: Any) -> list[dict[str, str]]:
        extras = {
            "data_class": ds.data_class,
            "update_frequency": ds.update_frequency,
            "database": self.databases.get(ds.database_id),
            "publisher_uri": published.organization_uri(ds.owner_unit_id),
            "uri": published.dataset_uri(ds.id),
        }
        return [{"key": key, "value": str(value)} for key, value in extras.items() if value]


def packages(session: Session, datasets: Iterable[Any]) -> list[dict[str, Any]]:
    found = list(datasets)
    if not found:
        return []
    builder = PackageBuilder(session, found)
    return [builder.package(ds) for ds in found]
