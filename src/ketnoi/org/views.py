"""Pages of organizations (units and external agencies) and their focal points."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog import databases
from ketnoi.kit.clock import utcnow
from ketnoi.org import service
from ketnoi.org.models import Organization, OrgKind
from ketnoi.org.schemas import FocalPointIn, OrganizationIn, OrganizationPatch
from ketnoi.settings import get_settings
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import VN_TZ, render

router = APIRouter(include_in_schema=False)
FORM_FIELDS = ("name", "short_name", "kind", "parent_id", "agency_code", "email", "phone", "website", "address", "description")


@router.get("/organizations", response_class=HTMLResponse)
def organization_list(
    request: Request,
    db: DB,
    actor: CurrentActor,
    q: str | None = None,
    kind: str | None = None,
    parent_id: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    parent = pages.opt_uuid(parent_id, "parent_id")
    page = service.list_organizations(
        db,
        actor=actor,
        q=q,
        kind=kind or None,
        parent_id=parent,
        cursor=cursor,
        limit=get_settings().page_size,
    )
    filters = {"q": q, "kind": kind, "parent_id": parent_id}
    context = {
        "organizations": page.items,
        "filters": filters,
        "units": {u.id: u for u in service.all_units(db)},
        "links": pages.list_links(request, filters, page.next_cursor),
        "can_create": authz.allowed(actor, Action.CREATE, Kind.ORGANIZATION),
    }
    return pages.render_list(request, "org/list.html", "org/_results.html", context)


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState, org: Organization | None) -> HTMLResponse:
    context = {
        "form": form,
        "org": org,
        "parents": [(u.id, u.name) for u in service.all_units(db) if org is None or u.id != org.id],
        # Moving a unit in the hierarchy is the administrator's call (the service checks it too).
        "can_move": authz.allowed(actor, Action.CREATE, Kind.ORGANIZATION),
    }
    return render(request, "org/form.html", context, status_code=form.status)


@router.get("/organizations/new", response_class=HTMLResponse)
def new_organization(request: Request, db: DB, actor: CurrentActor, parent_id: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    authz.require(actor, Action.CREATE, Kind.ORGANIZATION)
    form = forms.prefill(kind=OrgKind.UNIT, parent_id=pages.opt_uuid(parent_id, "parent_id"))
    return _form_page(request, db, actor, form, None)


@router.post("/organizations/new", response_class=HTMLResponse)
def create_organization(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, OrganizationIn, form, lambda data: service.create_organization(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, None)
    return pages.redirect(f"/organizations/{result.id}", done="created")


@router.get("/organizations/{org_id}", response_class=HTMLResponse)
def organization_detail(request: Request, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> HTMLResponse:
    org = service.get_organization(db, actor=actor, org_id=org_id)
    owned = databases.list_databases(db, actor=actor, owner_unit_id=org.id, limit=50)
    context = {
        "org": org,
        "parent": service.get_organization(db, actor=actor, org_id=org.parent_id) if org.parent_id else None,
        "focal_points": service.focal_points(db, actor=actor, org_id=org.id),
        "databases": owned.items,
        "more_databases": owned.next_cursor is not None,
        "sub_units": service.list_organizations(db, actor=actor, parent_id=org.id, limit=200).items,
        "events": audit.history(db, actor=actor, entity_type="organization", entity_id=org.id),
        "can_edit": authz.allowed(actor, Action.UPDATE, Kind.ORGANIZATION, owner_unit_id=org.id),
        "can_delete": authz.allowed(actor, Action.DELETE, Kind.ORGANIZATION, owner_unit_id=org.id),
        "can_appoint": authz.allowed(actor, Action.CREATE, Kind.FOCAL_POINT, owner_unit_id=org.id),
        "can_add_unit": authz.allowed(actor, Action.CREATE, Kind.ORGANIZATION),
    }
    return render(request, "org/detail.html", context)


@router.get("/organizations/{org_id}/edit", response_class=HTMLResponse)
def edit_organization(request: Request, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    org = service.get_organization(db, actor=actor, org_id=org_id)
    authz.require(actor, Action.UPDATE, Kind.ORGANIZATION, owner_unit_id=org.id)
    return _form_page(request, db, actor, forms.prefill(org, FORM_FIELDS), org)


@router.post("/organizations/{org_id}/edit", response_class=HTMLResponse)
def update_organization(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> Response:
    result = forms.submit(
        db,
        OrganizationPatch,
        form,
        lambda patch: service.update_organization(db, actor=actor, org_id=org_id, patch=patch),
    )
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, service.get_organization(db, actor=actor, org_id=org_id))
    return pages.redirect(f"/organizations/{org_id}", done="saved")


def _confirm_page(request: Request, org: Organization, form: forms.FormState | None = None) -> HTMLResponse:
    context = {"label": org.name, "action": f"/organizations/{org.id}/delete", "back": f"/organizations/{org.id}", "form": form}
    return render(request, "confirm_delete.html", context, status_code=form.status if form else 200)


@router.get("/organizations/{org_id}/delete", response_class=HTMLResponse)
def confirm_delete_organization(request: Request, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    org = service.get_organization(db, actor=actor, org_id=org_id)
    authz.require(actor, Action.DELETE, Kind.ORGANIZATION, owner_unit_id=org.id)
    return _confirm_page(request, org)


@router.post("/organizations/{org_id}/delete", response_class=HTMLResponse)
def delete_organization(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: service.delete_organization(db, actor=actor, org_id=org_id))
    if isinstance(result, forms.FormState):
        return _confirm_page(request, service.get_organization(db, actor=actor, org_id=org_id), result)
    return pages.redirect("/organizations", done="deleted")


def _focal_form_page(request: Request, org: Organization, form: forms.FormState) -> HTMLResponse:
    return render(request, "org/focal_point_form.html", {"org": org, "form": form}, status_code=form.status)


@router.get("/organizations/{org_id}/focal-points/new", response_class=HTMLResponse)
def new_focal_point(request: Request, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    org = service.get_organization(db, actor=actor, org_id=org_id)
    authz.require(actor, Action.CREATE, Kind.FOCAL_POINT, owner_unit_id=org.id)
    today = utcnow().astimezone(VN_TZ).date()  # the date as it is in Vietnam
    return _focal_form_page(request, org, forms.prefill(started_on=today))


@router.post("/organizations/{org_id}/focal-points/new", response_class=HTMLResponse)
def appoint_focal_point(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, org_id: uuid.UUID) -> Response:
    result = forms.submit(
        db,
        FocalPointIn,
        form,
        lambda data: service.appoint_focal_point(db, actor=actor, org_id=org_id, data=data),
    )
    if isinstance(result, forms.FormState):
        return _focal_form_page(request, service.get_organization(db, actor=actor, org_id=org_id), result)
    return pages.redirect(f"/organizations/{org_id}", done="appointed")
