"""Pages of the acting account: log in, log out, API tokens."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.auth import service, totp
from ketnoi.auth.models import User
from ketnoi.auth.throttle import TooManyAttempts
from ketnoi.kit.errors import Unauthenticated
from ketnoi.settings import get_settings
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor, CurrentPrincipal
from ketnoi.web.security import CSRF_COOKIE, SESSION_COOKIE, new_csrf_token, set_cookie
from ketnoi.web.templating import error_text, render

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "ketnoi_2fa"  # a right password waiting for its code (auth.totp): names the account, signed, 5 minutes


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
        state = forms.FormState.refused(exc, values={"username": username, "next": target}, status=status)
        refused = render(request, "auth/login.html", {"form": state}, status_code=status)
        if "retry_after" in exc.params:
            refused.headers["retry-after"] = str(exc.params["retry_after"])
        return refused
    step = totp.next_step(user)
    if step is not None:  # not signed in yet: a code first (or, for an administrator, enrolment first)
        pending = pages.redirect(f"/login/2fa{'/setup' if step == totp.ENROL else ''}?{urlencode({'next': target})}")
        set_cookie(pending, PENDING_COOKIE, totp.pending_token(user, step), max_age=totp.PENDING_SECONDS)
        return pending
    return _signed_in(request, db, user, target)


def _signed_in(request: Request, db: DB, user: User, target: str) -> Response:
    """A new session for the user, never one the browser already held (session fixation): the session
    cookie it sent, whoever's it was, is ended, and the CSRF token is replaced, so no value planted
    before the sign-in (by a shared computer or a sibling subdomain's cookie) is worth anything after."""
    if earlier := request.cookies.get(SESSION_COOKIE):
        service.end_session(db, secret=earlier)
    hours = get_settings().session_hours
    secret = service.start_session(db, user=user, hours=hours)
    response = pages.redirect(target)
    set_cookie(response, SESSION_COOKIE, secret, max_age=hours * 3600)
    set_cookie(response, CSRF_COOKIE, new_csrf_token())
    response.delete_cookie(PENDING_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().cookie_secure)
    return response


def _pending_user(request: Request, db: DB, step: str) -> User:
    user = db.get(User, totp.read_pending(request.cookies.get(PENDING_COOKIE), step))
    if user is None or not user.is_active:
        raise Unauthenticated("Phiên đăng nhập đã hết hạn: hãy nhập lại tên đăng nhập và mật khẩu.")
    return user


def _expired(request: Request, exc: Unauthenticated) -> HTMLResponse:
    state = forms.FormState.refused(exc, status=400)
    return render(request, "auth/login.html", {"form": state}, status_code=400)


@router.get("/login/2fa", response_class=HTMLResponse)
def code_form(request: Request, db: DB, next: str | None = None) -> HTMLResponse:
    try:
        _pending_user(request, db, totp.VERIFY)
    except Unauthenticated as exc:
        return _expired(request, exc)
    return render(request, "auth/totp.html", {"form": forms.prefill(next=pages.local_path(next)), "enrol": None})


@router.post("/login/2fa", response_class=HTMLResponse)
def code_check(request: Request, form: forms.CsrfForm, db: DB) -> Response:
    target = pages.local_path(str(form.get("next") or ""))
    try:
        user = _pending_user(request, db, totp.VERIFY)
    except Unauthenticated as exc:
        return _expired(request, exc)
    try:
        totp.verify(db, user, str(form.get("code") or ""))
    except Unauthenticated as exc:  # counted towards the lock: this handler returns, so the count is kept
        state = forms.FormState(
            values={"next": target}, errors={"code": error_text(request, exc)}, message=error_text(request, exc), status=400
        )
        return render(request, "auth/totp.html", {"form": state, "enrol": None}, status_code=400)
    return _signed_in(request, db, user, target)


@router.get("/login/2fa/setup", response_class=HTMLResponse)
def enrol_form(request: Request, db: DB, next: str | None = None) -> HTMLResponse:
    try:
        user = _pending_user(request, db, totp.ENROL)
    except Unauthenticated as exc:
        return _expired(request, exc)
    enrolment = totp.begin_enrolment(user)  # a new secret each time the page is opened
    return render(request, "auth/totp.html", {"form": forms.prefill(next=pages.local_path(next)), "enrol": enrolment})


@router.post("/login/2fa/setup", response_class=HTMLResponse)
def enrol_check(request: Request, form: forms.CsrfForm, db: DB) -> Response:
    target = pages.local_path(str(form.get("next") or ""))
    try:
        user = _pending_user(request, db, totp.ENROL)
    except Unauthenticated as exc:
        return _expired(request, exc)
    try:
        totp.confirm_enrolment(db, user, str(form.get("code") or ""))
    except Unauthenticated as exc:
        state = forms.FormState(
            values={"next": target}, errors={"code": error_text(request, exc)}, message=error_text(request, exc), status=400
        )
        return render(request, "auth/totp.html", {"form": state, "enrol": totp.shown_enrolment(user)}, status_code=400)
    return _signed_in(request, db, user, target)


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
