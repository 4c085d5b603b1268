"""Request dependencies: the unit of work, the acting user, the locale."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.authz import PUBLIC, Actor
from ketnoi.db import unit_of_work
from ketnoi.identity import actor_for
from ketnoi.kit.errors import Unauthenticated
from ketnoi.settings import get_settings
from ketnoi.web.i18n import LOCALES
from ketnoi.web.security import LANG_COOKIE, SESSION_COOKIE


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises.

    While it is open the session is also `request.state.db`, so rendering the page (the layout's
    unread count) reads through it instead of holding a second pooled connection.
    """
    with unit_of_work() as session:
        request.state.db = session
        try:
            yield session
        finally:
            request.state.db = None


# scope="function": the transaction commits before the response is sent. With the default
# ("request") FastAPI commits after sending, so a browser following the redirect of a login or
# a form could arrive before the change is visible, and a failed commit could not change the reply.
DB = Annotated[Session, Depends(get_session, scope="function")]


@dataclass
class Principal:
    actor: Actor
    user: User | None
    via_token: bool


def get_principal(request: Request, session: DB) -> Principal:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = auth.user_for_token(session, secret=header[7:].strip())
        if user is None:
            raise Unauthenticated("Token không hợp lệ hoặc đã bị thu hồi.")
        principal = Principal(actor_for(session, user), user, via_token=True)
    elif secret := request.cookies.get(SESSION_COOKIE):
        user = auth.user_for_session(session, secret=secret)
        principal = Principal(actor_for(session, user), user, False) if user else Principal(PUBLIC, None, False)
    else:
        principal = Principal(PUBLIC, None, False)
    request.state.principal = principal
    return principal


def get_actor(principal: Annotated[Principal, Depends(get_principal)]) -> Actor:
    return principal.actor


CurrentActor = Annotated[Actor, Depends(get_actor)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


MACHINE_PATHS = ("/api/", "/x/", "/oauth/")  # read by programs: errors in JSON, never a page


def locale_of(request: Request) -> str:
    """`?lang=`, then the `ketnoi_lang` cookie; a program calling the API may also send Accept-Language.
    Pages do not follow the browser's language: they are Vietnamese unless the user switches."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    header = request.headers.get("accept-language")
    if header and request.url.path.startswith(MACHINE_PATHS) and (accepted := accepted_language(header)):
        return accepted
    return get_settings().default_locale


def accepted_language(header: str) -> str | None:
    """The most wanted of our languages in an Accept-Language header (RFC 9110 §12.5.4): by q-value, then
    by order; `en-US` counts as `en`; `q=0` refuses; `*` leaves the choice to us (None)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # a malformed weight is not a wish
        language = tag.split("-", 1)[0].lower()
        if language in LOCALES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None
