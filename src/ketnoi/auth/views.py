"""Pages of the acting account: log in, log out, API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.auth import service
from ketnoi.auth.throttle import TooManyAttempts
from ketnoi.kit.errors import Unauthenticated
from ketnoi.settings import get_settings
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor, CurrentPrincipal
from ketnoi.web.security import SESSION_COOKIE, set_cookie
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: CurrentPrincipal, next: str | None = None) -> HTMLResponse:
    state = forms.prefill(next=pages.local_path(next))
    return render(request, "auth/login.html", {"form": state})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: forms.CsrfForm, db: DB, principal: CurrentPrincipal) -> Response:
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    target = pages.local_path(str(form.get("next") or ""))
    try:
        user = service.authenticate(db, username=username, password=password, address=request.client.host if request.client else None)
    except (Unauthenticated, TooManyAttempts) as exc:
        # The same message whichever part was wrong; the password is never sent back. The failure just
        # counted is kept: this handler returns normally, so its transaction commits.
        status = 429 if isinstance(exc, TooManyAttempts) else 400
        state = forms.FormState(values={"username": username, "next": target}, message=exc.message, status=status)
        refused = render(request, "auth/login.html", {"form": state}, status_code=status)
        if "retry_after" in exc.params:
            refused.headers["retry-after"] = str(exc.params["retry_after"])
        return refused
    hours = get_settings().session_hours
    secret = service.start_session(db, user=user, hours=hours)
    response = pages.redirect(target)
    set_cookie(response, SESSION_COOKIE, secret, max_age=hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, form: forms.CsrfForm, db: DB) -> Response:
    if secret := request.cookies.get(SESSION_COOKIE):
        service.end_session(db, secret=secret)
    response = pages.redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().cookie_secure)
    return response


def _tokens_page(request: Request, db: DB, actor: CurrentActor, form: forms.FormState, secret: str | None = None) -> HTMLResponse:
    tokens = service.list_tokens(db, actor=actor)
    context = {"tokens": tokens, "form": form, "new_secret": secret}
    return render(request, "auth/tokens.html", context, status_code=form.status)


@router.get("/tokens", response_class=HTMLResponse)
def tokens(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _tokens_page(request, db, actor, forms.FormState())


@router.post("/tokens", response_class=HTMLResponse)
def create_token(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> HTMLResponse:
    result = forms.attempt(db, form, lambda: service.create_token(db, actor=actor, name=str(form.get("name") or "")))
    if isinstance(result, forms.FormState):
        return _tokens_page(request, db, actor, result)
    # Shown once, on this response only: no redirect, and the page is not cached.
    response = _tokens_page(request, db, actor, forms.FormState(), secret=result[1])
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke")
def revoke_token(form: forms.UserForm, db: DB, actor: CurrentActor, token_id: uuid.UUID) -> Response:
    service.revoke_token(db, actor=actor, token_id=token_id)
    return pages.redirect("/tokens", done="revoked")
