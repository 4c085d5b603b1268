"""The signed-in account's own two-factor sign-in (/account/2fa): turn it on with a scanned code, off with a code."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.auth import totp
from ketnoi.kit.errors import Conflict, Forbidden, Unauthenticated
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, db: DB, actor: CurrentActor, form: forms.FormState) -> HTMLResponse:
    user = totp.own_account(db, actor)
    enrol = None if totp.enrolled(user) else totp.own_enrolment(db, actor)
    context = {"form": form, "enrolled": totp.enrolled(user), "required": totp.required_for(user), "enrol": enrol}
    return render(request, "auth/account_2fa.html", context, status_code=form.status)


def _refused(exc: Unauthenticated | Conflict | Forbidden) -> forms.FormState:
    status = 400 if isinstance(exc, Unauthenticated) else exc.status  # a wrong code is the form's fault, not a sign-out
    return forms.FormState.refused(exc, errors={"code": exc.message}, status=status)


@router.get("/account/2fa", response_class=HTMLResponse)
def two_factor(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _page(request, db, actor, forms.FormState())


@router.post("/account/2fa", response_class=HTMLResponse)
def turn_on(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    try:
        totp.confirm_own(db, actor, str(form.get("code") or ""))
    except (Unauthenticated, Conflict) as exc:  # a wrong code counts towards the lock: returning keeps the count
        return _page(request, db, actor, _refused(exc))
    return pages.redirect("/account/2fa", done="totp_on")


@router.post("/account/2fa/off", response_class=HTMLResponse)
def turn_off(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    try:
        totp.turn_off_own(db, actor, str(form.get("code") or ""))
    except (Unauthenticated, Conflict, Forbidden) as exc:
        return _page(request, db, actor, _refused(exc))
    return pages.redirect("/account/2fa", done="totp_off")
