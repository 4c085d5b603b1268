"""Web pages of quality incidents: the list with its filters and counts, an incident with its status
form and history, and the form a civil servant reports a problem of a dataset with."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.audit import service as audit
from ketnoi.authz import Actor
from ketnoi.catalog.models import Visibility
from ketnoi.quality import incidents, labels
from ketnoi.quality.incidents import Filters, IncidentIn, StatusIn
from ketnoi.quality.service import readable_dataset
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def _filters(request: Request) -> Filters:
    query = request.query_params
    return Filters(
        status=query.get("status") or None,
        source=query.get("source") or None,
        unit_id=pages.opt_uuid(query.get("unit_id"), "unit_id"),
        dataset_id=pages.opt_uuid(query.get("dataset_id"), "dataset_id"),
    )


def _link(query: dict[str, str]) -> str:
    return "/quality/incidents" + (f"?{urlencode(query)}" if query else "")


@router.get("/quality/incidents", response_class=HTMLResponse)
def incident_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    filters = _filters(request)
    page = incidents.list_incidents(db, actor=actor, filters=filters, cursor=request.query_params.get("cursor"), limit=PAGE_SIZE)
    shown = {"status": filters.status, "source": filters.source, "unit_id": filters.unit_id, "dataset_id": filters.dataset_id}
    dataset = readable_dataset(db, actor=actor, dataset_id=filters.dataset_id) if filters.dataset_id else None
    kept = {k: str(v) for k, v in shown.items() if v is not None}
    context = {
        "entries": page.items,
        "filters": shown,
        "links": pages.list_links(request, shown, page.next_cursor),
        "counts": incidents.status_counts(db, actor=actor, filters=filters),
        "units": incidents.units(db),
        "dataset": dataset,
        "labels": labels,
        "statuses": incidents.ORDER,
        "count_links": {status: _link(kept | {"status": status}) for status in incidents.ORDER},
        "all_datasets_link": _link({k: v for k, v in kept.items() if k != "dataset_id"}),
    }
    return pages.render_list(request, "quality/incident_list.html", "quality/incident_results.html", context)


def _detail_page(request: Request, db: DB, actor: Actor, incident_id: uuid.UUID, form: forms.FormState | None = None) -> HTMLResponse:
    view = incidents.incident_view(db, actor=actor, incident_id=incident_id)
    context = {
        "view": view,
        "incident": view.incident,
        "form": form or forms.FormState(),
        "labels": labels,
        "public_dataset": view.dataset.visibility == Visibility.PUBLIC,
        "events": audit.history(db, actor=actor, entity_type=incidents.ENTITY, entity_id=view.incident.id),
        "done": request.query_params.get("done"),
    }
    return render(request, "quality/incident_detail.html", context, status_code=form.status if form else 200)


@router.get("/quality/incidents/{incident_id}", response_class=HTMLResponse)
def incident_detail(request: Request, db: DB, actor: CurrentActor, incident_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _detail_page(request, db, actor, incident_id)


@router.post("/quality/incidents/{incident_id}/status", response_class=HTMLResponse)
def incident_status(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, incident_id: uuid.UUID) -> Response:
    result = forms.submit(db, StatusIn, form, lambda data: incidents.change_status(db, actor=actor, incident_id=incident_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, incident_id, result)
    return pages.redirect(f"/quality/incidents/{incident_id}", done="saved")


def _new_page(request: Request, db: DB, actor: Actor, dataset_id: uuid.UUID, form: forms.FormState | None = None) -> HTMLResponse:
    dataset = readable_dataset(db, actor=actor, dataset_id=dataset_id)
    context = {"dataset": dataset, "form": form or forms.FormState()}
    return render(request, "quality/incident_form.html", context, status_code=form.status if form else 200)


@router.get("/datasets/{dataset_id}/incidents/new", response_class=HTMLResponse)
def incident_new(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _new_page(request, db, actor, dataset_id)


@router.post("/datasets/{dataset_id}/incidents/new", response_class=HTMLResponse)
def incident_create(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    result = forms.submit(db, IncidentIn, form, lambda data: incidents.create_incident(db, actor=actor, dataset_id=dataset_id, data=data))
    if isinstance(result, forms.FormState):
        return _new_page(request, db, actor, dataset_id, result)
    return pages.redirect(f"/quality/incidents/{result.id}", done="created")
