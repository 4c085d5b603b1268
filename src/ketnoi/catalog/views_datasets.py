"""Pages of datasets, their data items (fields) and resources (files)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog import databases, datasets, items
from ketnoi.catalog.models import DataClass, DataItem, Resource, Visibility
from ketnoi.catalog.schemas import DataItemIn, DatasetIn, DatasetPatch
from ketnoi.connectors import service as connectors
from ketnoi.datastore import ingest as datastore_ingest
from ketnoi.kit.errors import Forbidden, Invalid, NotFound
from ketnoi.org import service as org
from ketnoi.settings import get_settings
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

TOTAL_CAP = 1000
router = APIRouter(include_in_schema=False)
DATASET_FIELDS = ("database_id", "name", "description", "license_id", "topic", "update_frequency", "data_class", "visibility")


@router.get("/datasets", response_class=HTMLResponse)
def dataset_list(
    request: Request,
    db: DB,
    actor: CurrentActor,
    q: str | None = None,
    organization_id: str | None = None,
    database_id: str | None = None,
    topic: str | None = None,
    tag: str | None = None,
    data_class: str | None = None,
    visibility: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    filters = datasets.DatasetFilters(
        q=q,
        organization_id=pages.opt_uuid(organization_id, "organization_id"),
        database_id=pages.opt_uuid(database_id, "database_id"),
        topic=topic or None,
        tag=tag or None,
        data_class=data_class or None,
        visibility=visibility or None,
    )
    page = datasets.list_datasets(db, actor=actor, filters=filters, cursor=cursor, limit=get_settings().page_size)
    shown = {
        "q": q,
        "organization_id": organization_id,
        "database_id": database_id,
        "topic": topic,
        "tag": tag,
        "data_class": data_class,
        "visibility": visibility,
    }
    context = {
        "datasets": page.items,
        "filters": shown,
        # Counted up to a cap: an exact count of 40,000 matches costs a full scan on every page.
        "total": datasets.count_datasets(db, actor=actor, filters=filters, cap=TOTAL_CAP),
        "total_cap": TOTAL_CAP,
        "units": {u.id: u for u in org.all_units(db)},
        "links": pages.list_links(request, shown, page.next_cursor),
        "staff": actor.is_authenticated,
        "can_create": authz.editable_units(actor) != frozenset(),
    }
    return pages.render_list(request, "catalog/dataset_list.html", "catalog/_dataset_results.html", context)


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState, view: datasets.DatasetView | None) -> HTMLResponse:
    choices = [(d.id, d.name) for d in databases.databases_for_choice(db, actor=actor)]
    context = {"form": form, "view": view, "choices": choices}
    return render(request, "catalog/dataset_form.html", context, status_code=form.status)


@router.get("/datasets/new", response_class=HTMLResponse)
def new_dataset(request: Request, db: DB, actor: CurrentActor, database_id: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    if authz.editable_units(actor) == frozenset():
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    choices = databases.databases_for_choice(db, actor=actor)  # empty: the page says to create a database first
    chosen = pages.opt_uuid(database_id, "database_id") or (choices[0].id if len(choices) == 1 else None)
    form = forms.prefill(database_id=chosen, data_class=DataClass.OTHER, visibility=Visibility.INTERNAL)
    return _form_page(request, db, actor, form, None)


@router.post("/datasets/new", response_class=HTMLResponse)
def create_dataset(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, DatasetIn, form, lambda data: datasets.create_dataset(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, None)
    return pages.redirect(f"/datasets/{result.dataset.id}", done="created")


def _detail_page(
    request: Request,
    db: DB,
    actor: Actor,
    dataset_id: uuid.UUID,
    item_form: forms.FormState | None = None,
    resource_form: forms.FormState | None = None,
) -> HTMLResponse:
    view = datasets.dataset_view(db, actor=actor, dataset_id=dataset_id)
    ds = view.dataset
    try:
        database = databases.get_database(db, actor=actor, database_id=ds.database_id)
    except NotFound:  # a public dataset of an internal database: the database stays out of sight
        database = None
    owner = ds.owner_unit_id
    context = {
        "view": view,
        "ds": ds,
        "database": database,
        "owner": org.get_organization(db, actor=actor, org_id=owner),
        "events": audit.history(db, actor=actor, entity_type="dataset", entity_id=ds.id),
        "can_edit": authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=owner),
        "can_delete": authz.allowed(actor, Action.DELETE, Kind.DATASET, owner_unit_id=owner),
        "can_upload": authz.allowed(actor, Action.CREATE, Kind.RESOURCE, owner_unit_id=owner),
        "can_delete_resource": authz.allowed(actor, Action.DELETE, Kind.RESOURCE, owner_unit_id=owner),
        "item_form": item_form or forms.prefill(sharing_form="specific_request", data_type="string", position=len(view.items) + 1),
        "resource_form": resource_form or forms.prefill(load="on"),
        "max_upload_mb": get_settings().max_upload_mb,
        "lineage": connectors.lineage(db, actor=actor, dataset_id=ds.id),  # "Nguồn đồng bộ": where synced resources come from
    }
    status = (item_form or resource_form or forms.FormState()).status
    return render(request, "catalog/dataset_detail.html", context, status_code=status)


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_detail(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> HTMLResponse:
    return _detail_page(request, db, actor, dataset_id)


@router.get("/datasets/{dataset_id}/edit", response_class=HTMLResponse)
def edit_dataset(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    view = datasets.dataset_view(db, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=view.dataset.owner_unit_id)
    return _form_page(request, db, actor, forms.prefill(view.dataset, DATASET_FIELDS, tags=view.tags), view)


@router.post("/datasets/{dataset_id}/edit", response_class=HTMLResponse)
def update_dataset(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    result = forms.submit(
        db,
        DatasetPatch,
        form,
        lambda patch: datasets.update_dataset(db, actor=actor, dataset_id=dataset_id, patch=patch),
    )
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, datasets.dataset_view(db, actor=actor, dataset_id=dataset_id))
    return pages.redirect(f"/datasets/{dataset_id}", done="saved")


def _confirm(request: Request, label: str, action: str, back: str, form: forms.FormState | None = None) -> HTMLResponse:
    context = {"label": label, "action": action, "back": back, "form": form}
    return render(request, "confirm_delete.html", context, status_code=form.status if form else 200)


@router.get("/datasets/{dataset_id}/delete", response_class=HTMLResponse)
def confirm_delete_dataset(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    ds = datasets.get_dataset(db, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.DELETE, Kind.DATASET, owner_unit_id=ds.owner_unit_id)
    return _confirm(request, ds.name, f"/datasets/{ds.id}/delete", f"/datasets/{ds.id}")


@router.post("/datasets/{dataset_id}/delete")
def delete_dataset(form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    datasets.delete_dataset(db, actor=actor, dataset_id=dataset_id)
    return pages.redirect("/datasets", done="deleted")


@router.post("/datasets/{dataset_id}/items", response_class=HTMLResponse)
def add_item(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    result = forms.submit(db, DataItemIn, form, lambda data: items.add_item(db, actor=actor, dataset_id=dataset_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, dataset_id, item_form=result)
    return pages.redirect(f"/datasets/{dataset_id}#items", done="saved")


def _item_of(view: datasets.DatasetView, item_id: uuid.UUID) -> DataItem:
    for item in view.items:
        if item.id == item_id:
            return item
    raise NotFound("Không tìm thấy trường dữ liệu.")


def _item_page(request: Request, view: datasets.DatasetView, item: DataItem, form: forms.FormState) -> HTMLResponse:
    return render(request, "catalog/item_form.html", {"view": view, "item": item, "form": form}, status_code=form.status)


@router.get("/datasets/{dataset_id}/items/{item_id}/edit", response_class=HTMLResponse)
def edit_item(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID, item_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    view = datasets.dataset_view(db, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=view.dataset.owner_unit_id)
    item = _item_of(view, item_id)
    return _item_page(request, view, item, forms.prefill(item, items.ITEM_FIELDS))


@router.post("/datasets/{dataset_id}/items/{item_id}/edit", response_class=HTMLResponse)
def update_item(
    request: Request,
    form: forms.UserForm,
    db: DB,
    actor: CurrentActor,
    dataset_id: uuid.UUID,
    item_id: uuid.UUID,
) -> Response:
    result = forms.submit(
        db,
        DataItemIn,
        form,
        lambda data: items.update_item(db, actor=actor, dataset_id=dataset_id, item_id=item_id, data=data),
    )
    if isinstance(result, forms.FormState):
        view = datasets.dataset_view(db, actor=actor, dataset_id=dataset_id)
        return _item_page(request, view, _item_of(view, item_id), result)
    return pages.redirect(f"/datasets/{dataset_id}#items", done="saved")


@router.get("/datasets/{dataset_id}/items/{item_id}/delete", response_class=HTMLResponse)
def confirm_delete_item(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID, item_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    view = datasets.dataset_view(db, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=view.dataset.owner_unit_id)
    item = _item_of(view, item_id)
    base = f"/datasets/{dataset_id}"
    return _confirm(request, f"{item.title} ({item.name})", f"{base}/items/{item_id}/delete", base)


@router.post("/datasets/{dataset_id}/items/{item_id}/delete")
def delete_item(form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID, item_id: uuid.UUID) -> Response:
    items.delete_item(db, actor=actor, dataset_id=dataset_id, item_id=item_id)
    return pages.redirect(f"/datasets/{dataset_id}#items", done="deleted")


@router.post("/datasets/{dataset_id}/resources", response_class=HTMLResponse)
def upload_resource(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    upload = form.get("file")

    def add() -> object:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("Dữ liệu không hợp lệ.", fields={"file": "Vui lòng chọn tệp."})
        return items.add_resource(
            db,
            actor=actor,
            dataset_id=dataset_id,
            name=str(form.get("name") or ""),
            description=str(form.get("description") or ""),
            filename=upload.filename,
            stream=upload.file,
            max_bytes=get_settings().max_upload_mb << 20,
        )

    result = forms.attempt(db, form, add)
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, dataset_id, resource_form=result)
    assert isinstance(result, Resource)
    if forms.FormState(values=forms.typed_values(form)).checked("load") and datastore_ingest.loadable(result):
        options = datastore_ingest.IngestOptions()
        queued = datastore_ingest.queue_ingest(db, actor=actor, resource_id=result.id, upload=None, options=options)
        return pages.redirect(f"/resources/{result.id}?job={queued.id}#load-status", done="queued")
    return pages.redirect(f"/datasets/{dataset_id}#resources", done="uploaded")


@router.get("/resources/{resource_id}/delete", response_class=HTMLResponse)
def confirm_delete_resource(request: Request, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    resource = items.get_resource(db, actor=actor, resource_id=resource_id)
    ds = datasets.get_dataset(db, actor=actor, dataset_id=resource.dataset_id)
    authz.require(actor, Action.DELETE, Kind.RESOURCE, owner_unit_id=ds.owner_unit_id)
    return _confirm(request, resource.name, f"/resources/{resource.id}/delete", f"/datasets/{ds.id}#resources")


@router.post("/resources/{resource_id}/delete")
def delete_resource(form: forms.UserForm, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> Response:
    dataset_id = items.get_resource(db, actor=actor, resource_id=resource_id).dataset_id
    items.delete_resource(db, actor=actor, resource_id=resource_id)
    return pages.redirect(f"/datasets/{dataset_id}#resources", done="deleted")
