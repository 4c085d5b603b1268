"""Pages of federation: the peers, registering one, a peer's page (keys, services, requests, grants),
and the form asking a peer for access to one of its services.

A refused action on a peer's page (a listing that failed, a grant twice) is shown on that page
again with its message; a refused form is shown again with the values typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ketnoi.authz import Actor
from ketnoi.federation import access, service
from ketnoi.federation.client import PeerError
from ketnoi.federation.models import PeerKind
from ketnoi.federation.schemas import AccessIn, GrantIn, PeerEdit, PeerIn
from ketnoi.harvest import service as harvest
from ketnoi.kit.errors import Forbidden
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
PAGE_SIZE = 50
EDIT_FIELDS = ("name", "base_url", "client_id", "enabled")


@router.get("/peers", response_class=HTMLResponse)
def peer_list(request: Request, db: DB, actor: CurrentActor, cursor: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    page = service.list_peers(db, actor=actor, cursor=cursor, limit=PAGE_SIZE)
    context = {"peers": page.items, "links": pages.list_links(request, {}, page.next_cursor), "can_create": service.may_manage(actor)}
    return render(request, "federation/list.html", context)


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState) -> HTMLResponse:
    context = {"form": form, "databases": harvest.editable_databases(db, actor=actor)}
    return render(request, "federation/form.html", context, status_code=form.status)


@router.get("/peers/new", response_class=HTMLResponse)
def new_peer(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    if not service.may_manage(actor):
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    return _form_page(request, db, actor, forms.prefill(kind=PeerKind.KETNOI, enabled=True))


@router.post("/peers/new", response_class=HTMLResponse)
def create_peer(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    service.require_admin(actor)
    result = forms.submit(db, PeerIn, form, lambda data: service.register_peer(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result)
    return pages.redirect(f"/peers/{result.id}", done="created")


def _detail_page(
    request: Request,
    db: DB,
    actor: Actor,
    peer_id: uuid.UUID,
    *,
    form: forms.FormState | None = None,
    refused: forms.FormState | None = None,
) -> HTMLResponse:
    view = service.peer_view(db, actor=actor, peer_id=peer_id)
    context = {
        "view": view,
        "peer": view.peer,
        "form": form or forms.prefill(view.peer, EDIT_FIELDS),
        "refused": refused,
        "synced": request.query_params.get("synced"),
    }
    shown = form or refused
    return render(request, "federation/detail.html", context, status_code=shown.status if shown else 200)


@router.get("/peers/{peer_id}", response_class=HTMLResponse)
def peer_detail(request: Request, db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _detail_page(request, db, actor, peer_id)


@router.post("/peers/{peer_id}/edit", response_class=HTMLResponse)
def update_peer(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> Response:
    service.require_admin(actor)
    result = forms.submit(db, PeerEdit, form, lambda data: service.update_peer(db, actor=actor, peer_id=peer_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, peer_id, form=result)
    return pages.redirect(f"/peers/{peer_id}", done="saved")


def _acted(request: Request, db: DB, actor: Actor, form: object, peer_id: uuid.UUID, done: str) -> Response:
    if isinstance(form, forms.FormState):
        return _detail_page(request, db, actor, peer_id, refused=form)
    return pages.redirect(f"/peers/{peer_id}?synced={done}")


def _attempt_any(db: DB, form: FormData, action: Callable[[], T]) -> T | forms.FormState:
    """As forms.attempt; and a peer that cannot be reached, or is disabled, is told on the page too (not an error page)."""
    try:
        return forms.attempt(db, form, action)
    except (PeerError, access.PeerDisabled) as exc:
        db.rollback()
        return forms.FormState.refused(exc)


@router.post("/peers/{peer_id}/sync", response_class=HTMLResponse)
def sync_peer(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> Response:
    service.require_admin(actor)

    def both() -> int:
        service.sync_services(db, actor=actor, peer_id=peer_id)
        return access.sync_requests(db, actor=actor, peer_id=peer_id)

    return _acted(request, db, actor, _attempt_any(db, form, both), peer_id, "services")


@router.post("/peers/{peer_id}/keys", response_class=HTMLResponse)
def refresh_keys(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> Response:
    service.require_admin(actor)
    result = _attempt_any(db, form, lambda: service.refresh_keys(db, actor=actor, peer_id=peer_id))
    return _acted(request, db, actor, result, peer_id, "keys")


@router.post("/peers/{peer_id}/services/{service_id}/grants", response_class=HTMLResponse)
def grant_app(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, peer_id: uuid.UUID, service_id: uuid.UUID) -> Response:
    service.require_admin(actor)
    result = forms.submit(db, GrantIn, form, lambda data: access.grant(db, actor=actor, peer_service_id=service_id, app_id=data.app_id))
    return _acted(request, db, actor, result, peer_id, "granted")


@router.post("/peers/{peer_id}/grants/{grant_id}/revoke", response_class=HTMLResponse)
def revoke_grant(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, peer_id: uuid.UUID, grant_id: uuid.UUID) -> Response:
    access.revoke(db, actor=actor, grant_id=grant_id)
    return pages.redirect(f"/peers/{peer_id}", done="revoked")


def _request_page(request: Request, db: DB, actor: Actor, service_id: uuid.UUID, form: forms.FormState) -> HTMLResponse:
    peer, listed = access.peer_service(db, actor=actor, peer_service_id=service_id)
    context = {"peer": peer, "service": listed, "form": form}
    return render(request, "federation/request.html", context, status_code=form.status)


@router.get("/peers/{peer_id}/services/{service_id}/request", response_class=HTMLResponse)
def request_form(request: Request, db: DB, actor: CurrentActor, peer_id: uuid.UUID, service_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    if not service.may_request(actor):
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    _, listed = access.peer_service(db, actor=actor, peer_service_id=service_id)
    return _request_page(request, db, actor, service_id, forms.prefill(frequency="daily", data_items=listed.data_items))


@router.post("/peers/{peer_id}/services/{service_id}/request", response_class=HTMLResponse)
def send_request(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, peer_id: uuid.UUID, service_id: uuid.UUID
) -> Response:
    if not service.may_request(actor):
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    result = _attempt_any(
        db, form, lambda: access.request_access(db, actor=actor, peer_service_id=service_id, data=forms.to_input(AccessIn, form))
    )
    if isinstance(result, forms.FormState):
        return _request_page(request, db, actor, service_id, result)
    return pages.redirect(f"/peers/{peer_id}#requests-title", done="created")
