"""The public addresses of open data: what the portal, the CKAN API, DCAT and sitemaps all link to."""

from __future__ import annotations

import uuid

from ketnoi.catalog.models import Resource
from ketnoi.settings import get_settings


def base() -> str:
    return get_settings().base_url.rstrip("/")


def dataset_page(slug: str) -> str:
    return f"{base()}/open/datasets/{slug}"


def organization_page(slug: str) -> str:
    return f"{base()}/open/organizations/{slug}"


def resource_url(resource: Resource, *, in_datastore: bool) -> str:
    """Where the public gets a resource's data.

    A link resource is its own address. A table in the datastore is downloaded as CSV from the
    data API, which leaves out the columns the public may not see; the original file may hold
    them. Any other file is downloaded as it was uploaded.
    """
    if resource.url:
        return resource.url
    if in_datastore:
        return f"{base()}/api/v1/resources/{resource.id}/export?format=csv"
    return f"{base()}/api/v1/resources/{resource.id}/download"


def rows_api(resource_id: uuid.UUID) -> str:
    return f"{base()}/api/v1/resources/{resource_id}/rows"
