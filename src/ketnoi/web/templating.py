"""Jinja2 rendering with the request's locale, CSRF token and principal in every template."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog import codelists
from ketnoi.db import unit_of_work, unreachable
from ketnoi.kit.errors import DomainError
from ketnoi.notify import service as notify
from ketnoi.web.deps import locale_of
from ketnoi.web.i18n import LOCALE_NAMES, gettext_for
from ketnoi.web.security import csrf_token

log = logging.getLogger("ketnoi.web")

TEMPLATES = Path(__file__).parent / "templates"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates ship with the package: checking every file's mtime on every render is wasted work
    # (`ketnoi serve --reload` restarts the process when a template changes).
    auto_reload=False,
)


def _local_time(value: datetime | None) -> str:
    """Times are stored in UTC and shown in Vietnam's time, dd/mm/yyyy HH:MM as officials write them."""
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") if value else ""


def _vn_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


env.filters["localtime"] = _local_time
env.filters["vndate"] = _vn_date
env.globals["codelists"] = codelists
env.globals["LOCALE_NAMES"] = LOCALE_NAMES


def _unread_counter(request: Request, actor: Actor) -> Callable[[], int | None]:
    """The signed-in user's unread notifications, counted when the layout's nav asks (once per render).

    Lazy, so htmx fragments (which do not extend base.html, e.g. a job's status polled every 2 s)
    cost nothing. A page handler renders while the request's session is open (`request.state.db`):
    the count goes through it, with no second connection taken from the pool. The error handlers
    render after that session was rolled back and closed; they count in a short unit of work of
    their own (the request's connection is back in the pool by then).
    """

    @cache
    def count() -> int | None:
        session: Session | None = getattr(request.state, "db", None)
        try:
            if session is not None:
                with session.no_autoflush:  # a read for the layout must not flush the handler's changes
                    return notify.unread_count(session, actor=actor)
            with unit_of_work() as own:
                return notify.unread_count(own, actor=actor)
        except Exception as exc:  # the page is shown anyway, without the number…
            if session is not None and unreachable(exc):
                raise  # …unless the request's own transaction went with the database: a 503 (web.outage)
            log.exception("could not count unread notifications")
            return None

    return count


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200) -> HTMLResponse:
    locale = locale_of(request)
    translations = gettext_for(locale)
    principal = getattr(request.state, "principal", None)
    counter = _unread_counter(request, principal.actor) if principal is not None and principal.user is not None else None
    values = {
        "request": request,
        "locale": locale,
        "csrf_token": csrf_token(request),
        "principal": principal,
        "user": principal.user if principal else None,
        "actor": principal.actor if principal else None,
        "unread_notifications": counter,
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "pgettext": translations.pgettext,
        **(context or {}),
    }
    html = env.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)


def translate(request: Request, message: str) -> str:
    return gettext_for(locale_of(request)).gettext(message)


def error_text(request: Request, exc: DomainError) -> str:
    """A domain error's message in the request's language, its values filled in (kit.errors)."""
    return exc.text(gettext_for(locale_of(request)).gettext)
