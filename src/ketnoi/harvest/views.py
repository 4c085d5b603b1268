"""Pages of harvesting: the sources, one source with its runs and datasets and its form, "run now".

The source's page holds its edit form (for those who may manage it), so a refused change is
shown there again with the values typed and each field's message.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi import authz
from ketnoi.authz import Actor
from ketnoi.harvest import service
from ketnoi.harvest.models import SourceKind
from ketnoi.harvest.schemas import SourceIn
from ketnoi.kit.errors import Forbidden
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/harvest", response_class=HTMLResponse)
def source_list(request: Request, db: DB, actor: CurrentActor, cursor: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    page = service.list_sources(db, actor=actor, cursor=cursor, limit=PAGE_SIZE)
    context = {
        "rows": page.items,
        "links": pages.list_links(request, {}, page.next_cursor),
        "can_create": authz.editable_units(actor) != frozenset(),
    }
    return pages.render_list(request, "harvest/list.html", "harvest/_results.html", context)


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState) -> HTMLResponse:
    context = {"form": form, "databases": service.editable_databases(db, actor=actor)}
    return render(request, "harvest/form.html", context, status_code=form.status)


@router.get("/harvest/new", response_class=HTMLResponse)
def new_source(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    if authz.editable_units(actor) == frozenset():
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    return _form_page(request, db, actor, forms.prefill(kind=SourceKind.CKAN, interval_minutes=1440, enabled=True))


@router.post("/harvest/new", response_class=HTMLResponse)
def create_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, SourceIn, form, lambda data: service.create_source(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result)
    return pages.redirect(f"/harvest/{result.id}", done="created")


def _detail_page(
    request: Request,
    db: DB,
    actor: Actor,
    source_id: uuid.UUID,
    *,
    form: forms.FormState | None = None,
    refused: forms.FormState | None = None,
) -> HTMLResponse:
    """The source's page; `form`: its edit form as typed and refused, `refused`: a run that could not start."""
    view = service.source_view(db, actor=actor, source_id=source_id)
    context = {
        "view": view,
        "source": view.source,
        "form": form or forms.prefill(view.source, service.FIELDS),
        "refused": refused,
        "databases": service.editable_databases(db, actor=actor) if view.can_manage else [],
        "started": request.query_params.get("started") == "1",
    }
    shown = form or refused
    return render(request, "harvest/detail.html", context, status_code=shown.status if shown else 200)


@router.get("/harvest/{source_id}", response_class=HTMLResponse)
def source_detail(request: Request, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _detail_page(request, db, actor, source_id)


@router.post("/harvest/{source_id}/edit", response_class=HTMLResponse)
def update_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    result = forms.submit(db, SourceIn, form, lambda data: service.update_source(db, actor=actor, source_id=source_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, source_id, form=result)
    return pages.redirect(f"/harvest/{source_id}", done="saved")


@router.post("/harvest/{source_id}/run", response_class=HTMLResponse)
def run_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: service.request_run(db, actor=actor, source_id=source_id))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, source_id, refused=result)
    return pages.redirect(f"/harvest/{source_id}?started=1")


@router.post("/harvest/{source_id}/delete", response_class=HTMLResponse)
def delete_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    service.delete_source(db, actor=actor, source_id=source_id)
    return pages.redirect("/harvest", done="deleted")
