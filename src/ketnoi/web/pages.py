"""Small helpers every HTML page route shares: redirects, htmx partials, list links, query parsing."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ketnoi.authz import Actor
from ketnoi.kit.errors import BadRequest, Unauthenticated
from ketnoi.web.templating import render

RESULTS_TARGET = "results"
DONE_MESSAGES = ("created", "saved", "deleted", "appointed", "revoked", "uploaded", "queued")


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a browser save the answer as `filename` (an ASCII name: the reports make theirs so)."""
    return {"content-disposition": f'attachment; filename="{filename}"'}


def download(content: bytes, media_type: str, filename: str) -> Response:
    """A generated document (DOCX, XLSX, YAML…) offered for saving."""
    return Response(content, media_type=media_type, headers=attachment(filename))


def redirect(url: str, *, done: str | None = None) -> RedirectResponse:
    """303 See Other after a successful POST; `done` names the notice the next page shows."""
    if done:
        path, _, fragment = url.partition("#")
        url = path + ("&" if "?" in path else "?") + urlencode({"done": done}) + (f"#{fragment}" if fragment else "")
    return RedirectResponse(url, status_code=303)


def local_path(target: str | None) -> str:
    """`target` when it is a path on this site, else "/" (no open redirect through ?next=)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def require_login(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")


def wants_partial(request: Request) -> bool:
    """An htmx request that swaps only the results region (a history restore gets the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == RESULTS_TARGET


def render_list(request: Request, page: str, partial: str, context: dict[str, Any]) -> HTMLResponse:
    """A list page, or only its results region when htmx asks for it."""
    response = render(request, partial if wants_partial(request) else page, context)
    response.headers["vary"] = "HX-Request, HX-Target"
    return response


def opt_uuid(value: str | None, name: str) -> uuid.UUID | None:
    """An id from a filter's query string: empty means no filter."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadRequest("Bộ lọc không hợp lệ.", fields={name: "Mã định danh không hợp lệ."}) from None


def list_links(request: Request, filters: dict[str, Any], next_cursor: str | None) -> dict[str, str | None]:
    """The "next page" and "back to the start" links of a keyset-paginated list, keeping its filters."""
    kept = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    base = request.url.path
    query = urlencode(kept)
    first = f"{base}?{query}" if query else base
    following = f"{base}?{urlencode({**kept, 'cursor': next_cursor})}" if next_cursor else None
    return {"next": following, "first": first if request.query_params.get("cursor") else None}
