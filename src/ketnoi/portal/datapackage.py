"""A public dataset as a Frictionless Data Package (v1): `/dataset/{ref}/datapackage.json`.

A resource loaded in the datastore is given as the CSV export of the columns the public may see,
with a Table Schema of exactly those columns: the original file may hold others, and its cells
are written as the source had them (Vietnamese number and date formats), where the export writes
numbers plainly, dates and times in ISO 8601, booleans as True/False, and empty cells as nothing.
The package is a `tabular-data-package` when every resource is such a table.

Any other resource is its file (or link) as kept, with its size and SHA-256 when known. A table
with no column open to the public is left out, as everywhere the public reads (portal.published).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ketnoi.catalog import codelists as cl
from ketnoi.catalog.models import Dataset
from ketnoi.datastore.infer import Field
from ketnoi.kit.slug import unique_slug
from ketnoi.portal import links
from ketnoi.portal.dcat import LICENCES
from ketnoi.portal.published import PublicResource, Published, csv_export_url, dataset_uri, load, organization_uri, public_dataset


def datapackage(session: Session, *, ref: str) -> dict[str, Any]:
    dataset = public_dataset(session, ref)
    found = load(session, [dataset])
    offered = found.resources_of(dataset)
    tabular = bool(offered) and all(o.table is not None for o in offered)
    package: dict[str, Any] = {
        "profile": "tabular-data-package" if tabular else "data-package",
        "id": dataset_uri(dataset.id),
        "name": dataset.slug,
        "title": dataset.name,
        "homepage": links.dataset_page(dataset.slug),
        "created": _moment(dataset.created_at),
        "modified": _moment(dataset.updated_at),
        "keywords": list(dataset.tags),
    }
    if dataset.description:
        package["description"] = dataset.description
    licence = LICENCES.get(dataset.license_id or "")
    if licence is not None:
        package["licenses"] = [{"name": licence.name, "path": licence.address, "title": cl.LICENSES[dataset.license_id or ""]}]
    package["contributors"] = _publisher(dataset, found)
    package["resources"] = [_resource(o, name) for o, name in zip(offered, _names(offered), strict=True)]
    return package


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _publisher(dataset: Dataset, found: Published) -> list[dict[str, str]]:
    owner = found.owners.get(dataset.owner_unit_id)
    if owner is None:
        return []
    contributor = {"title": owner.name, "role": "publisher", "path": organization_uri(owner.id)}
    return [contributor | ({"email": owner.email} if owner.email else {})]


def _names(offered: list[PublicResource]) -> list[str]:
    """Each resource's name in the package: its title as a slug, unique within the package."""
    names: list[str] = []
    for resource in offered:
        names.append(unique_slug(resource.resource.name, names.__contains__, fallback="tai-nguyen"))
    return names


def _resource(offered: PublicResource, name: str) -> dict[str, Any]:
    resource = offered.resource
    out: dict[str, Any] = {"name": name, "title": resource.name}
    if resource.description:
        out["description"] = resource.description
    if offered.table is not None:
        schema = {"fields": [_export_field(f) for f in offered.table.shown], "missingValues": [""]}
        return out | {
            "profile": "tabular-data-resource",
            "path": csv_export_url(resource.id),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": schema,
        }
    out |= {"profile": "data-resource", "path": offered.download_url}
    for key, value in (
        ("format", (resource.format or "").lower()),
        ("mediatype", resource.media_type),
        ("bytes", resource.size),
        ("hash", f"sha256:{resource.sha256}" if resource.sha256 else None),
    ):
        if value not in (None, ""):
            out[key] = value
    return out


def _export_field(field: Field) -> dict[str, Any]:
    """A column as the CSV export writes it (not as the source file had it: no number or date pattern)."""
    out: dict[str, Any] = {"name": field.name, "title": field.title, "type": field.type}
    if field.description:
        out["description"] = field.description
    if field.type == "datetime":
        out["format"] = "any"  # ISO 8601 without an offset, which the default (with a Z) would refuse
    return out
