"""Pages of data sources: the list, the form (new and edit), a source with its runs, "Kiểm tra kết
nối", "Đồng bộ ngay" / "Đồng bộ toàn bộ", and delete.

The form's fields are the source's settings side by side (a database's URL, object, table or
query; a REST source's settings as JSON), turned here into one `SourceIn`. The password field is
never filled back: a refused form shows everything typed except the secret, and the edit form
only says that one is kept (left empty: kept; "xoá mật khẩu": removed).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ketnoi import authz
from ketnoi.authz import Actor
from ketnoi.connectors import service
from ketnoi.connectors.models import DataSource, SourceKind
from ketnoi.connectors.schemas import SourceIn
from ketnoi.kit.errors import DomainError, Forbidden, Invalid
from ketnoi.kit.validation import parse
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
DATABASE_FIELDS = ("url", "object", "table", "query")
SECRET_FIELDS = ("secret", "clear_secret")  # never shown back
REST_EXAMPLE = {
    "url": "https://",
    "auth": "none",
    "paging": "page",
    "page_size": 100,
    "items_path": "",
    "columns": {},
}  # see connectors.rest
FORM_FIELDS = (*DATABASE_FIELDS, "rest_config", *SECRET_FIELDS, *SourceIn.model_fields)


def _text(form: FormData, name: str) -> str:
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    return values[-1].strip() if values else ""


def _rest_config(raw: str) -> dict[str, Any]:
    try:
        config = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise Invalid("Cấu hình REST phải là một đối tượng JSON hợp lệ.", fields={"rest_config": f"JSON lỗi: {exc.msg}"}) from None
    if not isinstance(config, dict):
        raise Invalid("Cấu hình REST phải là một đối tượng JSON hợp lệ.", fields={"rest_config": "Phải là một đối tượng JSON."})
    return config


def source_in(form: FormData) -> SourceIn:
    """The form as the service's input: the kind's settings gathered into `config`, the secret as the service means it."""
    data = forms.form_data(SourceIn, form)
    if data.get("kind") == SourceKind.REST:
        data["config"] = _rest_config(_text(form, "rest_config"))
    else:
        data["config"] = {name: _text(form, name) or None for name in DATABASE_FIELDS}
    secret = [v for v in form.getlist("secret") if isinstance(v, str)]
    if "on" in form.getlist("clear_secret"):
        data["secret"] = ""  # removed
    elif secret and secret[-1]:
        data["secret"] = secret[-1]
    else:
        data["secret"] = None  # kept as it is (none for a new source)
    return parse(SourceIn, data)


def _shown(state: forms.FormState) -> forms.FormState:
    """A refused form as it is shown again: no secret, and an error of a REST setting next to its JSON box."""
    for name in SECRET_FIELDS:
        state.values.pop(name, None)
    own = FORM_FIELDS if state.values.get("kind") != SourceKind.REST else (*SECRET_FIELDS, *SourceIn.model_fields)
    errors: dict[str, str] = {}
    for name, message in state.errors.items():
        errors.setdefault(name if name in own else "rest_config", message)
    state.errors = errors
    return state


def _prefilled(source: DataSource) -> forms.FormState:
    state = forms.prefill(source, service.FIELDS)
    config = source.config or {}
    if source.kind == SourceKind.REST:
        state.values["rest_config"] = json.dumps(config, ensure_ascii=False, indent=2)
    else:
        state.values.update({name: config.get(name) or "" for name in DATABASE_FIELDS})
    return state


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState, source: DataSource | None = None) -> HTMLResponse:
    datasets = [(str(i), name) for i, name in service.editable_datasets(db, actor=actor)]
    context = {
        "form": form,
        "source": source,
        "kind": source.kind if source else form.value("kind") or SourceKind.DATABASE,
        "datasets": datasets,
        "dataset_name": dict(datasets).get(str(source.dataset_id)) if source else None,
        "has_secret": bool(source and source.secret),
    }
    return render(request, "connectors/form.html", context, status_code=form.status)


@router.get("/sources", response_class=HTMLResponse)
def source_list(request: Request, db: DB, actor: CurrentActor, cursor: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    page = service.list_sources(db, actor=actor, cursor=cursor, limit=PAGE_SIZE)
    context = {
        "rows": page.items,
        "links": pages.list_links(request, {}, page.next_cursor),
        "can_create": authz.editable_units(actor) != frozenset(),
    }
    return pages.render_list(request, "connectors/list.html", "connectors/_results.html", context)


@router.get("/sources/new", response_class=HTMLResponse)
def new_source(
    request: Request, db: DB, actor: CurrentActor, kind: str = SourceKind.DATABASE, dataset_id: str | None = None
) -> HTMLResponse:
    pages.require_login(actor)
    if authz.editable_units(actor) == frozenset():
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    chosen = SourceKind.REST if kind == SourceKind.REST else SourceKind.DATABASE
    form = forms.prefill(kind=chosen, mode="full", object="table", interval_minutes=1440, keep_versions=10, enabled=True)
    if chosen == SourceKind.REST:
        form.values["rest_config"] = json.dumps(REST_EXAMPLE, ensure_ascii=False, indent=2)
    if dataset_id:
        form.values["dataset_id"] = dataset_id
    return _form_page(request, db, actor, form)


@router.post("/sources/new", response_class=HTMLResponse)
def create_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.attempt(db, form, lambda: service.create_source(db, actor=actor, data=source_in(form)))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, _shown(result))
    return pages.redirect(f"/sources/{result.id}", done="created")


def _detail_page(
    request: Request,
    db: DB,
    actor: Actor,
    source_id: uuid.UUID,
    *,
    refused: forms.FormState | None = None,
    preview: service.Preview | None = None,
) -> HTMLResponse:
    """The source's page; `refused`: a sync or a preview that could not be done, `preview`: what the source gave."""
    view = service.source_view(db, actor=actor, source_id=source_id)
    context = {
        "view": view,
        "source": view.source,
        "refused": refused,
        "preview": preview,
        "started": request.query_params.get("started") == "1",
    }
    return render(request, "connectors/detail.html", context, status_code=refused.status if refused else 200)


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_detail(request: Request, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _detail_page(request, db, actor, source_id)


def _managed(db: DB, actor: Actor, source_id: uuid.UUID) -> DataSource:
    view = service.source_view(db, actor=actor, source_id=source_id)
    if not view.can_manage:
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    return view.source


@router.get("/sources/{source_id}/edit", response_class=HTMLResponse)
def edit_source(request: Request, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    source = _managed(db, actor, source_id)
    return _form_page(request, db, actor, _prefilled(source), source)


@router.post("/sources/{source_id}/edit", response_class=HTMLResponse)
def update_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: service.update_source(db, actor=actor, source_id=source_id, data=source_in(form)))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, _shown(result), _managed(db, actor, source_id))
    return pages.redirect(f"/sources/{source_id}", done="saved")


@router.post("/sources/{source_id}/sync", response_class=HTMLResponse)
def sync_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    full = "1" in form.getlist("full")
    result = forms.attempt(db, form, lambda: service.request_sync(db, actor=actor, source_id=source_id, full=full))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, source_id, refused=result)
    return pages.redirect(f"/sources/{source_id}?started=1#runs")


@router.post("/sources/{source_id}/preview", response_class=HTMLResponse)
def preview_source(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    """ "Kiểm tra kết nối": the source's columns and first rows; a source that refuses or is down says why."""
    try:
        shown = service.preview(db, actor=actor, source_id=source_id)
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        db.rollback()
        refused = forms.FormState.refused(exc, errors={})
        return _detail_page(request, db, actor, source_id, refused=refused)
    return _detail_page(request, db, actor, source_id, preview=shown)


@router.post("/sources/{source_id}/delete", response_class=HTMLResponse)
def delete_source(form: forms.UserForm, db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    service.delete_source(db, actor=actor, source_id=source_id)
    return pages.redirect("/sources", done="deleted")
