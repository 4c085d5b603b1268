"""Jinja2 rendering with the request's locale, CSRF token and principal in every template."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ketnoi.catalog import codelists
from ketnoi.web.deps import locale_of
from ketnoi.web.i18n import LOCALE_NAMES, gettext_for
from ketnoi.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
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


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200) -> HTMLResponse:
    locale = locale_of(request)
    translations = gettext_for(locale)
    principal = getattr(request.state, "principal", None)
    values = {
        "request": request,
        "locale": locale,
        "csrf_token": csrf_token(request),
        "principal": principal,
        "user": principal.user if principal else None,
        "actor": principal.actor if principal else None,
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
