"""The administrators' page of the national registration: the target, the pushes, "đẩy ngay", downloads.

The whole-catalog downloads are built on each request (every page of the catalog at once), so they
are the administrators' (to check what is pushed); the public reads the same data paged at
/catalog.ttl and the service listing at /api/v1/national/services.json.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.national import export, service
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, db: DB, actor: CurrentActor, refused: forms.FormState | None = None) -> HTMLResponse:
    context = {
        "status": service.status(db, actor=actor),
        "refused": refused,
        "started": request.query_params.get("started") == "1",
    }
    return render(request, "national/page.html", context, status_code=refused.status if refused else 200)


@router.get("/national", response_class=HTMLResponse)
def national_page(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    return _page(request, db, actor)


@router.post("/national/push", response_class=HTMLResponse)
def push_now(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    force = form.get("force") == "1"
    result = forms.attempt(db, form, lambda: service.request_push(db, actor=actor, force=force))
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, refused=result)
    return pages.redirect("/national?started=1")


@router.get("/national/catalog.ttl")
def catalog_turtle(db: DB, actor: CurrentActor) -> Response:
    service.require_admin(actor)
    return pages.download(export.dcat_catalog(db), "text/turtle; charset=utf-8", "catalog.ttl")


@router.get("/national/catalog.jsonld")
def catalog_jsonld(db: DB, actor: CurrentActor) -> Response:
    service.require_admin(actor)
    body = export.serialize(export.catalog_graph(db), "json-ld")
    return pages.download(body, "application/ld+json; charset=utf-8", "catalog.jsonld")
