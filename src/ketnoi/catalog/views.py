"""Pages of databases (CSDL). Datasets, data items and resources are in views_datasets.py."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog import databases, datasets
from ketnoi.catalog.models import Database, DatabaseStatus
from ketnoi.catalog.schemas import DatabaseIn, DatabasePatch
from ketnoi.kit.errors import Forbidden
from ketnoi.org import service as org
from ketnoi.settings import get_settings
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/databases", response_class=HTMLResponse)
def database_list(
    request: Request,
    db: DB,
    actor: CurrentActor,
    q: str | None = None,
    owner_unit_id: str | None = None,
    db_class: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    page = databases.list_databases(
        db,
        actor=actor,
        q=q,
        owner_unit_id=pages.opt_uuid(owner_unit_id, "owner_unit_id"),
        db_class=db_class or None,
        status=status or None,
        cursor=cursor,
        limit=get_settings().page_size,
    )
    filters = {"q": q, "owner_unit_id": owner_unit_id, "db_class": db_class, "status": status}
    context = {
        "databases": page.items,
        "filters": filters,
        "units": {u.id: u for u in org.all_units(db)},
        "links": pages.list_links(request, filters, page.next_cursor),
        "can_create": authz.editable_units(actor) != frozenset(),
    }
    return pages.render_list(request, "catalog/database_list.html", "catalog/_database_results.html", context)


def _owner_choices(db: DB, actor: Actor) -> list[tuple[uuid.UUID, str]]:
    """Units the actor may keep databases for (all of them for an administrator)."""
    editable = authz.editable_units(actor)
    return [(u.id, u.name) for u in org.all_units(db) if editable is None or u.id in editable]


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState, record: Database | None) -> HTMLResponse:
    context = {"form": form, "record": record, "owners": _owner_choices(db, actor)}
    return render(request, "catalog/database_form.html", context, status_code=form.status)


@router.get("/databases/new", response_class=HTMLResponse)
def new_database(request: Request, db: DB, actor: CurrentActor, owner_unit_id: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    if authz.editable_units(actor) == frozenset():
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    owners = _owner_choices(db, actor)
    owner = pages.opt_uuid(owner_unit_id, "owner_unit_id") or (owners[0][0] if len(owners) == 1 else None)
    form = forms.prefill(owner_unit_id=owner, status=DatabaseStatus.OPERATING)
    return _form_page(request, db, actor, form, None)


@router.post("/databases/new", response_class=HTMLResponse)
def create_database(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, DatabaseIn, form, lambda data: databases.create_database(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, None)
    return pages.redirect(f"/databases/{result.id}", done="created")


@router.get("/databases/{database_id}", response_class=HTMLResponse)
def database_detail(request: Request, db: DB, actor: CurrentActor, database_id: uuid.UUID) -> HTMLResponse:
    record = databases.get_database(db, actor=actor, database_id=database_id)
    filters = datasets.DatasetFilters(database_id=record.id)
    page = datasets.list_datasets(db, actor=actor, filters=filters, limit=100)
    context = {
        "record": record,
        "owner": org.get_organization(db, actor=actor, org_id=record.owner_unit_id),
        "datasets": page.items,
        "more_datasets": page.next_cursor is not None,
        "events": audit.history(db, actor=actor, entity_type="database", entity_id=record.id),
        "can_edit": authz.allowed(actor, Action.UPDATE, Kind.DATABASE, owner_unit_id=record.owner_unit_id),
        "can_delete": authz.allowed(actor, Action.DELETE, Kind.DATABASE, owner_unit_id=record.owner_unit_id),
        "can_add_dataset": authz.allowed(actor, Action.CREATE, Kind.DATASET, owner_unit_id=record.owner_unit_id),
    }
    return render(request, "catalog/database_detail.html", context)


@router.get("/databases/{database_id}/edit", response_class=HTMLResponse)
def edit_database(request: Request, db: DB, actor: CurrentActor, database_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    record = databases.get_database(db, actor=actor, database_id=database_id)
    authz.require(actor, Action.UPDATE, Kind.DATABASE, owner_unit_id=record.owner_unit_id)
    return _form_page(request, db, actor, forms.prefill(record, databases.FIELDS), record)


@router.post("/databases/{database_id}/edit", response_class=HTMLResponse)
def update_database(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, database_id: uuid.UUID) -> Response:
    result = forms.submit(
        db,
        DatabasePatch,
        form,
        lambda patch: databases.update_database(db, actor=actor, database_id=database_id, patch=patch),
    )
    if isinstance(result, forms.FormState):
        record = databases.get_database(db, actor=actor, database_id=database_id)
        return _form_page(request, db, actor, result, record)
    return pages.redirect(f"/databases/{database_id}", done="saved")


def _confirm_page(request: Request, record: Database, form: forms.FormState | None = None) -> HTMLResponse:
    context = {"label": record.name, "action": f"/databases/{record.id}/delete", "back": f"/databases/{record.id}", "form": form}
    return render(request, "confirm_delete.html", context, status_code=form.status if form else 200)


@router.get("/databases/{database_id}/delete", response_class=HTMLResponse)
def confirm_delete_database(request: Request, db: DB, actor: CurrentActor, database_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    record = databases.get_database(db, actor=actor, database_id=database_id)
    authz.require(actor, Action.DELETE, Kind.DATABASE, owner_unit_id=record.owner_unit_id)
    return _confirm_page(request, record)


@router.post("/databases/{database_id}/delete", response_class=HTMLResponse)
def delete_database(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, database_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: databases.delete_database(db, actor=actor, database_id=database_id))
    if isinstance(result, forms.FormState):
        return _confirm_page(request, databases.get_database(db, actor=actor, database_id=database_id), result)
    return pages.redirect("/databases", done="deleted")
