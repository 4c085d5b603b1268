"""HTTP middleware: security headers, the CSRF and language cookies, request ids, upload bound."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from ketnoi.settings import get_settings
from ketnoi.web.i18n import LOCALES
from ketnoi.web.security import CSRF_COOKIE, LANG_COOKIE, SECURITY_HEADERS, set_cookie

log = logging.getLogger("ketnoi.http")
Next = Callable[[Request], Awaitable[Response]]


async def request_context(request: Request, call_next: Next) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    request.state.request_id = request_id
    limit = get_settings().max_upload_mb * (1 << 20) + (1 << 20)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        body = {"error": {"type": "payload_too_large", "message": "Nội dung gửi lên quá lớn.", "fields": {}}}
        return JSONResponse(body, status_code=413)
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["x-request-id"] = request_id
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf and not request.cookies.get(CSRF_COOKIE):
        set_cookie(response, CSRF_COOKIE, new_csrf)
    lang = request.query_params.get("lang")
    if lang in LOCALES and request.cookies.get(LANG_COOKIE) != lang:
        set_cookie(response, LANG_COOKIE, lang, max_age=365 * 86400)
    log.info(
        "%s %s %s %.1fms",
        request.method,
        request.url.path,
        response.status_code,
        (time.perf_counter() - started) * 1000,
        extra={"request_id": request_id},
    )
    return response
