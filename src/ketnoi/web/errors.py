"""Domain errors to HTTP: typed JSON for the API, a Vietnamese page for browsers.

Every refusal (403) is also written to the audit trail in its own transaction, because the
request's own transaction was rolled back with the change that was refused.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from ketnoi.audit import service as audit
from ketnoi.authz import PUBLIC
from ketnoi.db import unit_of_work
from ketnoi.kit.errors import DomainError, Forbidden, Unauthenticated
from ketnoi.kit.validation import vietnamese_fields
from ketnoi.web import outage
from ketnoi.web.deps import MACHINE_PATHS, get_principal
from ketnoi.web.templating import error_text, render, translate

log = logging.getLogger("ketnoi.web")

_HTTP_TYPES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}
_HTTP_MESSAGES = {
    404: "Không tìm thấy trang hoặc bản ghi.",
    405: "Phương thức không được hỗ trợ.",
    401: "Bạn cần đăng nhập.",
    413: "Nội dung gửi lên quá lớn.",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PATHS)


def error_response(
    request: Request, status: int, type_: str, message: str, fields: dict[str, str] | None = None, exc: DomainError | None = None
) -> Response:
    message = error_text(request, exc) if exc is not None else translate(request, message)
    fields = {k: translate(request, v) for k, v in (fields or {}).items()}
    if is_api(request):
        body: dict[str, Any] = {"error": {"type": type_, "message": message, "fields": fields}}
        headers = {"vary": "Accept-Language"}  # the message follows the caller's language (web.deps.locale_of)
        if status == 401:
            headers["www-authenticate"] = "Bearer"
        if exc is not None and "retry_after" in exc.params:
            headers["retry-after"] = str(exc.params["retry_after"])
        if request.url.path.startswith("/x/"):  # the gateway says whose fault an error is (X-Road's types)
            body["error"]["fault"] = (exc.fault if exc else None) or ("caller" if status < 500 else "platform")
        response = JSONResponse(body, status_code=status, headers=headers)
        finish_exchange = getattr(request.state, "finish_exchange", None)
        if finish_exchange is not None:  # a gateway exchange refused: logged as any exchange (sharing.gateway)
            finish_exchange(response)
        return response
    return render(request, "error.html", {"status": status, "message": message, "fields": fields}, status_code=status)


def _record_denial(request: Request) -> None:
    principal = getattr(request.state, "principal", None)
    actor = principal.actor if principal else PUBLIC
    try:
        with unit_of_work() as session:
            audit.record_denial(session, actor=actor, what=f"{request.method} {request.url.path}", path=request.url.path)
    except Exception:  # the refusal still stands if the log write fails; say so in the log
        log.exception("could not record an access denial")


def _login_redirect(request: Request) -> Response:
    """A page that needs a login sends the browser to the login form, and back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login?" + urlencode({"next": target})
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"hx-redirect": url})
    return RedirectResponse(url, status_code=303)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, Unauthenticated) and request.method in ("GET", "HEAD") and not is_api(request):
        return _login_redirect(request)
    if isinstance(exc, Forbidden):
        _record_denial(request)
    return error_response(request, exc.status, exc.type, exc.message, exc.fields, exc)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(request, 400, "bad_request", "Nội dung JSON không hợp lệ.")
    located = [dict(item, loc=[p for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]) for item in errors]
    fields = vietnamese_fields(located)
    return error_response(request, 422, "validation_error", "Dữ liệu không hợp lệ, vui lòng kiểm tra các trường được đánh dấu.", fields)


def _resolve_principal(request: Request) -> None:
    """A page no route matched still shows who is logged in (the header of error.html)."""
    if is_api(request) or getattr(request.state, "principal", None) is not None:
        return
    try:
        with unit_of_work() as session:
            get_principal(request, session)
    except Exception:  # the error page is shown anyway, as for an anonymous visitor
        log.debug("no principal for the error page", exc_info=True)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    _resolve_principal(request)
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    response = error_response(request, exc.status_code, _HTTP_TYPES.get(exc.status_code, "error"), message)
    if exc.status_code == 405:  # which methods the path takes (RFC 9110), whichever of its routes Starlette tried first
        response.headers["allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    """Every method of every route whose path matches this one (a path's methods may be spread over several routes)."""
    path = request.url.path
    matching = [(literal, methods) for pattern, literal, methods in _route_patterns(request.app) if pattern.match(path)]
    # A literal path (`/catalogs/reviews`) is its own resource, not a value of another route's parameter (`/catalogs/{id}`).
    literal = [methods for is_literal, methods in matching if is_literal]
    return sorted({method for methods in (literal or [m for _, m in matching]) for method in methods})


_patterns: dict[int, list[tuple[re.Pattern[str], bool, frozenset[str]]]] = {}


def _route_patterns(app: Any) -> list[tuple[re.Pattern[str], bool, frozenset[str]]]:
    """The app's routes as (path regex, whether the path has no parameter, methods), included routers
    walked with their prefixes; made once per app."""
    if id(app) not in _patterns:
        found: list[tuple[re.Pattern[str], bool, frozenset[str]]] = []

        def walk(routes: list[Any], prefix: str) -> None:
            for route in routes:
                if (included := getattr(route, "original_router", None)) is not None:
                    walk(list(included.routes), prefix + (route.include_context.prefix or ""))
                elif getattr(route, "methods", None) and hasattr(route, "path"):
                    full = prefix + route.path
                    found.append((compile_path(full)[0], "{" not in full, frozenset(route.methods)))

        walk(list(app.router.routes), "")
        _patterns[id(app)] = found
    return _patterns[id(app)]


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for lost in (DBAPIError, PendingRollbackError):  # the database out of reach: 503, not 500
        app.add_exception_handler(lost, outage.database_error)
