"""Browser-side protections: the session cookie, CSRF double-submit token, security headers."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from ketnoi.kit.errors import Forbidden
from ketnoi.settings import get_settings

SESSION_COOKIE = "ketnoi_session"
CSRF_COOKIE = "ketnoi_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LANG_COOKIE = "ketnoi_lang"


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (the cookie's value), minted on first use for this response."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = new_csrf_token()
        request.state.new_csrf = token
    return token


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise Forbidden("Phiên biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Vui lòng tải lại trang và thử lại.")


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None, http_only: bool = True) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=http_only,
        samesite="lax",
        secure=get_settings().cookie_secure,
        path="/",
    )


SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


HSTS = "max-age=31536000; includeSubDomains"  # one year: sent only over TLS (web.middleware)


def cookie_header(name: str, value: str, *, max_age: int | None = None) -> str:
    """The Set-Cookie value `set_cookie` would send, for code that writes raw ASGI headers."""
    carrier = Response()
    set_cookie(carrier, name, value, max_age=max_age)
    return carrier.headers["set-cookie"]
