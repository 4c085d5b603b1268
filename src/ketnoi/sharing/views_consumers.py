"""The administrator's page of consumers: agencies' applications, their credentials (a secret shown
once), revocation and suspension."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.authz import Actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.sharing import client_keys, consumers, notices
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
KINDS = {
    "client_secret": "OAuth2 client secret (/oauth/token)",
    "private_key_jwt": "OAuth2 private_key_jwt (khoá công khai của ứng dụng)",
    "api_key": "API key (X-API-Key)",
}


def _page(
    request: Request, db: DB, actor: Actor, form: forms.FormState | None = None, issued: consumers.Issued | None = None
) -> HTMLResponse:
    context = {
        "apps": consumers.list_apps(db, actor=actor),
        "agencies": [(a.id, a.name) for a in consumers.agencies(db)],
        "kinds": list(KINDS.items()),
        "form": form or forms.FormState(),
        "issued": issued,
        "now": utcnow(),
    }
    response = render(request, "sharing/consumers.html", context, status_code=form.status if form else 200)
    if issued is not None:
        response.headers["cache-control"] = "no-store"  # the secret is on this page, once
    return response


@router.get("/consumers", response_class=HTMLResponse)
def consumer_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    return _page(request, db, actor)


@router.post("/consumers", response_class=HTMLResponse)
def register(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    def add() -> object:
        agency = pages.opt_uuid(str(form.get("organization_id") or "") or None, "organization_id")
        if agency is None:
            raise Invalid("Hãy chọn cơ quan.", fields={"organization_id": "Bắt buộc."})
        return consumers.register_app(db, actor=actor, organization_id=agency, name=str(form.get("name") or ""), description=None)

    result = forms.attempt(db, form, add)
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, result)
    return pages.redirect("/consumers", done="created")


@router.post("/consumers/{app_id}/credentials", response_class=HTMLResponse)
def issue(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, app_id: uuid.UUID) -> HTMLResponse:
    kind, certificate = str(form.get("kind") or ""), str(form.get("certificate") or "").strip() or None

    def add() -> consumers.Issued:
        if kind == consumers.CredentialKind.PRIVATE_KEY_JWT:
            public_key = str(form.get("public_key") or "")
            return client_keys.register_key(db, actor=actor, app_id=app_id, public_key_pem=public_key, certificate_pem=certificate)
        issued = consumers.issue_credential(db, actor=actor, app_id=app_id, kind=kind)
        if certificate:
            client_keys.bind_certificate(db, actor=actor, credential=issued.credential, certificate_pem=certificate)
        return issued

    # The request's transaction commits before this page is sent (web.deps), so a secret shown is a secret stored.
    result = forms.attempt(db, form, add)
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, result)
    return _page(request, db, actor, issued=result)


@router.post("/consumers/credentials/{credential_id}/rotate", response_class=HTMLResponse)
def rotate(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, credential_id: uuid.UUID) -> HTMLResponse:
    result = forms.attempt(db, form, lambda: consumers.rotate_credential(db, actor=actor, credential_id=credential_id))
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, result)
    return _page(request, db, actor, issued=result)


@router.post("/consumers/credentials/{credential_id}/revoke")
def revoke(form: forms.UserForm, db: DB, actor: CurrentActor, credential_id: uuid.UUID) -> Response:
    consumers.revoke_credential(db, actor=actor, credential_id=credential_id)
    return pages.redirect("/consumers", done="revoked")


@router.post("/consumers/{app_id}/status", response_class=HTMLResponse)
def status(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, app_id: uuid.UUID) -> Response:
    def change() -> object:
        wanted = str(form.get("status") or "")
        if wanted == consumers.AppStatus.SUSPENDED:  # with its reasons, told to the application at once
            return notices.suspend(db, actor=actor, app_id=app_id, reason=str(form.get("reason") or ""))
        return consumers.set_status(db, actor=actor, app_id=app_id, status=wanted)

    result = forms.attempt(db, form, change)
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, result)
    return pages.redirect("/consumers", done="saved")
