"""HTTP middleware: security headers, the CSRF and language cookies, request ids, body bound.

Written as plain ASGI (not Starlette's BaseHTTPMiddleware), so a request costs no extra task
and no response-body copying on the hottest paths.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ketnoi import logs
from ketnoi.settings import get_settings
from ketnoi.web.i18n import LOCALES
from ketnoi.web.security import CSRF_COOKIE, HSTS, LANG_COOKIE, SECURITY_HEADERS, cookie_header

log = logging.getLogger("ketnoi.access")
TOO_LARGE = json.dumps({"error": {"type": "payload_too_large", "message": "Nội dung gửi lên quá lớn.", "fields": {}}}).encode()


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > (get_settings().max_upload_mb + 1) << 20:
            await _send_json(send, 413, TOO_LARGE, request_id)
            return
        started = time.perf_counter()
        bound = logs.request_id.set(request_id)  # every log line of this request carries it (threads copy the context)
        status = 500
        cookies = _cookies(headers.get(b"cookie", b""))
        lang = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                out = MutableHeaders(scope=message)
                out["x-request-id"] = request_id
                for name, value in SECURITY_HEADERS.items():
                    out.setdefault(name, value)
                if scope.get("scheme") == "https" or get_settings().cookie_secure:
                    # Only over TLS (or behind a proxy that terminates it: KETNOI_COOKIE_SECURE): a browser
                    # told this over plain HTTP on a test machine would refuse the site's HTTP for a year.
                    out.setdefault("strict-transport-security", HSTS)
                new_csrf = state.get("new_csrf")
                if new_csrf and CSRF_COOKIE not in cookies:
                    out.append("set-cookie", cookie_header(CSRF_COOKIE, new_csrf))
                if lang in LOCALES and cookies.get(LANG_COOKIE) != lang:
                    out.append("set-cookie", cookie_header(LANG_COOKIE, lang, max_age=365 * 86400))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            took = round((time.perf_counter() - started) * 1000, 1)
            line = {"method": scope["method"], "path": scope["path"], "status": status, "duration_ms": took}  # never the query
            log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status, took, extra=line)
            logs.request_id.reset(bound)


def _cookies(raw: bytes) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # a malformed cookie header is treated as no cookies
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


async def _send_json(send: Send, status: int, body: bytes, request_id: str) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"x-request-id", request_id.encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
