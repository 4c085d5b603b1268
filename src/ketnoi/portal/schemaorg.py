"""schema.org `Dataset` JSON-LD for a dataset page: what search engines (Google Dataset Search) read."""

from __future__ import annotations

from typing import Any

from ketnoi.portal import ckan_dicts, links
from ketnoi.portal.pages import DatasetPage
from ketnoi.portal.published import dataset_uri


def dataset(page: DatasetPage) -> dict[str, Any]:
    ds, owner = page.dataset, page.owner
    found: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset_uri(ds.id),
        "name": ds.name,
        "description": ds.description or ds.name,
        "url": links.dataset_page(ds.slug),
        "identifier": str(ds.id),
        "keywords": list(ds.tags or []),
        "inLanguage": "vi",
        "isAccessibleForFree": True,
        "dateCreated": ds.created_at.isoformat(),
        "dateModified": (page.freshness.last_update if page.freshness else ds.updated_at).isoformat(),
        "publisher": {"@type": "GovernmentOrganization", "name": owner.name, "url": links.organization_page(owner.slug)},
        "creator": {"@type": "GovernmentOrganization", "name": owner.name},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": offered.resource.name,
                "encodingFormat": "text/csv" if offered.table is not None else (offered.resource.media_type or offered.resource.format),
                "contentUrl": offered.download_url,
            }
            for offered in page.published.resources_of(ds)
        ],
    }
    if ds.license_id:
        found["license"] = ckan_dicts.license_url(ds.license_id) or ds.license_id
    return found
