"""The portal's pages: search with facets, dataset and unit pages, terms of use, sitemap.xml.

No login anywhere here; every page reads as the public (portal.pages).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.catalog import codelists as cl
from ketnoi.feedback import views as feedback_views
from ketnoi.kit.errors import Invalid
from ketnoi.portal import ckan_dicts, links, pages, published, schemaorg, search
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
SORT_CHOICES = {
    "metadata_modified desc": "Mới cập nhật",
    "title_string asc": "Tên (A → Z)",
    "metadata_created desc": "Mới công bố",
}


def _page_number(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise Invalid("Số trang không hợp lệ.", fields={"page": raw})
    return int(raw)


def _link(params: dict[str, list[str]], **changes: Any) -> str:
    """The current search's URL with some parameters changed (None removes one)."""
    merged = {k: list(v) for k, v in params.items() if v}
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value if isinstance(value, list) else [value]
    return "/open" + ("?" + urlencode([(k, v) for k, vs in merged.items() for v in vs]) if merged else "")


@router.get("/open", response_class=HTMLResponse)
def portal_home(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    params = {name: request.query_params.getlist(name) for name in (*search.FACET_FIELDS, "q", "sort", "page")}
    q = (params.get("q") or [""])[0]
    sort = (params.get("sort") or ["metadata_modified desc"])[0]
    page = _page_number(request.query_params.get("page"))
    criteria = pages.criteria_of(params, q)
    found = search.search(db, criteria, start=(page - 1) * pages.PAGE_SIZE, rows=pages.PAGE_SIZE, sort=sort)
    chosen = {name: set(criteria.include.get(name, [])) for name in search.FACET_FIELDS}
    last_page = max(1, -(-found.count // pages.PAGE_SIZE))

    def toggle(name: str, value: str) -> str:
        values = [v for v in params.get(name, []) if v != value]
        return _link(params, **{name: values if value in params.get(name, []) else [*values, value], "page": None})

    context = {
        "q": q,
        "found": found,
        "cards": pages.cards(db, found),
        "chosen": chosen,
        "toggle": toggle,
        "sort": found.sort,
        "sort_choices": SORT_CHOICES,
        "page": page,
        "last_page": last_page,
        "page_link": lambda n: _link(params, page=str(n)),
        "params": params,
        "facet_titles": FACET_TITLES,
    }
    return render(request, "portal/home.html", context)


FACET_TITLES = {
    "organization": "Đơn vị",
    "groups": "Lĩnh vực",
    "tags": "Từ khoá",
    "res_format": "Định dạng",
    "license_id": "Giấy phép",
    "update_frequency": "Tần suất cập nhật",
}


@router.get("/open/datasets/{slug}", response_class=HTMLResponse)
def portal_dataset(request: Request, db: DB, actor: CurrentActor, slug: str) -> HTMLResponse:
    page = pages.dataset_page(db, slug)
    context = {
        "page": page,
        "ds": page.dataset,
        "jsonld": json.dumps(schemaorg.dataset(page), ensure_ascii=False).replace("</", "<\\/"),
        "license_url": ckan_dicts.license_url(page.dataset.license_id),
        "page_url": links.dataset_page(page.dataset.slug),
        "base": links.base(),
    } | feedback_views.dataset_panel(request, db, actor, page.dataset)
    return render(request, "portal/dataset.html", context)


@router.get("/open/organizations", response_class=HTMLResponse)
def portal_organizations(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return render(request, "portal/organizations.html", {"units": pages.organizations(db)})


@router.get("/open/organizations/{slug}", response_class=HTMLResponse)
def portal_organization(request: Request, db: DB, actor: CurrentActor, slug: str) -> HTMLResponse:
    unit = published.publishing_unit(db, slug)
    found = search.search(db, search.Criteria(include={"organization": [unit.slug]}), rows=100, facet_fields=("groups", "res_format"))
    context = {"unit": unit, "found": found, "cards": pages.cards(db, found)}
    return render(request, "portal/organization.html", context)


@router.get("/open/terms", response_class=HTMLResponse)
def portal_terms(request: Request, actor: CurrentActor) -> HTMLResponse:
    return render(request, "portal/terms.html", {"licenses": cl.LICENSES})


@router.get("/sitemap.xml")
def sitemap(db: DB) -> Response:
    base = links.base()
    urls = [f"<url><loc>{escape(base)}/open</loc></url>"]
    for path, modified in pages.sitemap_entries(db):
        urls.append(f"<url><loc>{escape(base + path)}</loc><lastmod>{modified.date().isoformat()}</lastmod></url>")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    body = head + "".join(urls) + "</urlset>"
    return Response(body, media_type="application/xml")


@router.get("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /open\nAllow: /dataset/\nDisallow: /api/\nSitemap: {links.base()}/sitemap.xml\n"
    return Response(body, media_type="text/plain")
