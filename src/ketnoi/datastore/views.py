"""The resource page: a served table's preview grid (filters, sort, pages), its data dictionary,
downloads, history, and the form that loads a file again.

The grid reads through the data API's own query (`query.read_rows`) with the page's query
string, so what a person sees is what `/api/v1/resources/{id}/rows` answers with the same
parameters, columns hidden from them included.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import UploadFile

from ketnoi import files
from ketnoi.authz import Actor
from ketnoi.catalog import codelists, items
from ketnoi.catalog.datasets import get_dataset
from ketnoi.datastore import access, dictionary, export, query
from ketnoi.datastore import ingest as ingest_service
from ketnoi.datastore.ingest import POLICIES, IngestOptions
from ketnoi.jobs import service as jobs
from ketnoi.kit.errors import DomainError, Invalid, NotFound
from ketnoi.settings import get_settings
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 50
PAGE_ONLY = frozenset({"job", "done"})  # parameters of this page, not of the data query
OPERATOR_LABELS = {"": "=", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "thuộc", "contains": "chứa"}
SYNCED_FORMATS = ("database", "rest")  # versions a data source made (connectors.sync): no file behind them
ENCODING_CHOICES = (("utf-8", "UTF-8"), ("utf-16", "UTF-16"), ("cp1258", "Windows-1258"), ("tcvn3", "TCVN3 (ABC)"), ("vni", "VNI-Windows"))


def _params(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if v != "" and k not in ("add_col", "add_op", "add_val")]


def _link(resource_id: uuid.UUID, params: list[tuple[str, str]], **changes: str | None) -> str:
    kept = [(k, v) for k, v in params if k not in changes and k not in PAGE_ONLY and k != "cursor"]  # a new query starts at its top
    kept += [(k, v) for k, v in changes.items() if v]
    return f"/resources/{resource_id}" + (f"?{urlencode(kept)}" if kept else "")


def _grid(db: DB, actor: Actor, resource_id: uuid.UUID, params: list[tuple[str, str]]) -> dict[str, Any]:
    """The preview: a page of rows for these parameters, or the reason there is none."""
    data_params = [(k, v) for k, v in params if k not in PAGE_ONLY and k != "limit"]
    try:
        asked = [*data_params, ("limit", str(PAGE_ROWS)), ("count", "estimate")]
        page = query.read_rows(db, actor=actor, resource_id=resource_id, params=asked)
    except Invalid as exc:
        db.rollback()
        return {"grid_error": exc.message, "grid_fields": exc.fields}
    except DomainError as exc:  # nothing loaded yet, or no column this reader may see
        db.rollback()
        return {"grid_empty": exc.message}
    filters = [(k, v) for k, v in data_params if k not in query.RESERVED]
    sort = dict(params).get("sort", "")
    return {
        "page": page,
        "filters": [_chip(resource_id, params, k, v) for k, v in filters],
        "sort": sort,
        "sort_links": {f.name: _link(resource_id, params, sort=f.name if sort != f.name else f"-{f.name}") for f in page.fields},
        "next_link": _link(resource_id, params, cursor=page.next_cursor) if page.next_cursor else None,
        "first_link": _link(resource_id, params) if dict(params).get("cursor") else None,
        "export_query": urlencode([(k, v) for k, v in data_params if k != "cursor"]),
        "q": dict(params).get("q", ""),
    }


def _chip(resource_id: uuid.UUID, params: list[tuple[str, str]], key: str, value: str) -> dict[str, str]:
    """A filter in force, in words, with the address of the page without it."""
    column, _, operator = key.partition("__")
    remove = _link(resource_id, [p for p in params if p != (key, value)])
    return {"column": column, "op": OPERATOR_LABELS.get(operator, operator), "value": value, "remove": remove}


def _page(request: Request, db: DB, actor: Actor, resource_id: uuid.UUID, load_form: forms.FormState | None = None) -> HTMLResponse:
    resource = items.get_resource(db, actor=actor, resource_id=resource_id)
    dataset = get_dataset(db, actor=actor, dataset_id=resource.dataset_id)
    params = _params(request)
    context: dict[str, Any] = {"resource": resource, "ds": dataset, "operators": OPERATOR_LABELS, "export_formats": export.FORMATS}
    context |= _grid(db, actor, resource_id, params)
    try:
        served = access.served(db, actor=actor, resource_id=resource_id)
    except DomainError:
        served = None
    context["served"] = served
    if served is not None:
        context["item_by_name"] = {i.name: i for i in access.dataset_items(db, dataset.id)}
        context["bad_rows"] = dictionary.bad_rows(db, served)
    context["versions"] = ingest_service.versions(db, actor=actor, resource_id=resource_id) if actor.is_authenticated else []
    job_id = pages.opt_uuid(request.query_params.get("job"), "job")
    if job_id is not None and actor.is_authenticated:
        with contextlib.suppress(NotFound):  # someone else's job, or an old link: the page without it
            context["job"] = jobs.get_job(db, actor=actor, job_id=job_id)
    context |= {
        "can_load": ingest_service.can_load(actor=actor, dataset=dataset),
        "load_form": load_form or forms.prefill(bad_rows="reject"),
        "encodings": ENCODING_CHOICES,
        "policies": POLICIES,
        "type_labels": dict(dictionary.TYPE_CHOICES),
        "sharing_forms": codelists.SHARING_FORMS,
        "max_upload_mb": get_settings().max_upload_mb,
    }
    status = load_form.status if load_form else 200
    return render(request, "datastore/resource.html", context, status_code=status)


@router.get("/resources/{resource_id}", response_class=HTMLResponse)
def resource_page(request: Request, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> Response:
    add = request.query_params.get("add_col")
    if add:  # the "add a filter" form: becomes one more col__op=value parameter of a clean address
        op = request.query_params.get("add_op", "")
        key = f"{add}__{op}" if op else add
        return pages.redirect(_link(resource_id, [*_params(request), (key, request.query_params.get("add_val", ""))]))
    return _page(request, db, actor, resource_id)


@router.post("/resources/{resource_id}/ingest", response_class=HTMLResponse)
def load_resource(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> Response:
    upload = form.get("file")

    def queue() -> object:
        options = IngestOptions(
            encoding=str(form.get("encoding") or "") or None,
            sheet=str(form.get("sheet") or "") or None,
            bad_rows=str(form.get("bad_rows") or "reject"),
        )
        given = (upload.filename, upload.file) if isinstance(upload, UploadFile) and upload.filename else None
        return ingest_service.queue_ingest(db, actor=actor, resource_id=resource_id, upload=given, options=options)

    result = forms.attempt(db, form, queue)
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, resource_id, load_form=result)
    return pages.redirect(f"/resources/{resource_id}?job={result.id}#load", done="queued")  # type: ignore[attr-defined]


@router.get("/resources/{resource_id}/dictionary", response_class=HTMLResponse)
def dictionary_form(request: Request, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    served = access.served(db, actor=actor, resource_id=resource_id)
    values: dict[str, Any] = {}
    for f in served.fields:
        values |= {f"title_{f.name}": f.title, f"description_{f.name}": f.description, f"type_{f.name}": dictionary.type_choice(f)}
        values[f"item_{f.name}"] = f.item or ""
    return _dictionary_page(request, db, served, forms.FormState(values=values))


def _dictionary_page(request: Request, db: DB, served: access.Served, form: forms.FormState) -> HTMLResponse:
    if not served.editable:
        raise NotFound("Không tìm thấy trang.")
    context = {
        "served": served,
        "form": form,
        "types": dictionary.TYPE_CHOICES,
        "item_choices": [(i.name, f"{i.name} — {i.title}") for i in access.dataset_items(db, served.dataset.id)],
    }
    return render(request, "datastore/dictionary.html", context, status_code=form.status)


@router.post("/resources/{resource_id}/dictionary", response_class=HTMLResponse)
def save_dictionary(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> Response:
    served = access.served(db, actor=actor, resource_id=resource_id)
    edits = [
        dictionary.FieldEdit(
            name=f.name,
            title=str(form.get(f"title_{f.name}") or ""),
            description=str(form.get(f"description_{f.name}") or ""),
            type_choice=str(form.get(f"type_{f.name}") or ""),
            item=str(form.get(f"item_{f.name}") or "") or None,
        )
        for f in served.fields
    ]
    result = forms.attempt(db, form, lambda: dictionary.edit(db, actor=actor, resource_id=resource_id, edits=edits))
    if isinstance(result, forms.FormState):
        return _dictionary_page(request, db, access.served(db, actor=actor, resource_id=resource_id), result)
    if result.reload is not None:
        return pages.redirect(f"/resources/{resource_id}?job={result.reload.id}#load", done="queued")
    return pages.redirect(f"/resources/{resource_id}#dictionary", done="saved")


@router.get("/resources/{resource_id}/versions/{number}/original")
def version_original(db: DB, actor: CurrentActor, resource_id: uuid.UUID, number: int) -> FileResponse:
    """The file a version was loaded from (the history keeps each one)."""
    version = ingest_service.version_of(db, actor=actor, resource_id=resource_id, number=number)
    if version.source_format in SYNCED_FORMATS:
        raise NotFound("Phiên bản này được đồng bộ từ nguồn, không có tệp gốc.")
    name = f"v{version.version}_{version.source_key.rsplit('/', 1)[-1]}.{version.source_format}"
    return FileResponse(files.path_of(version.source_key), filename=name)
