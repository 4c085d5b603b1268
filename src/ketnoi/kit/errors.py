"""Typed domain errors. Services raise them; the web layer maps them to HTTP and a message.

Messages are Vietnamese msgids (the source language of the UI); the web layer translates them
with the request's locale. `fields` maps a field name to its own message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    type = "invalid"
    fault: str | None = None  # at the gateway: caller | platform | provider (by the status when None)

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.params = params


class Invalid(DomainError):
    status = 422
    type = "validation_error"


class BadRequest(DomainError):
    status = 400
    type = "bad_request"


class Unauthenticated(DomainError):
    status = 401
    type = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    type = "forbidden"


class NotFound(DomainError):
    status = 404
    type = "not_found"


class Conflict(DomainError):
    status = 409
    type = "conflict"


class UnsupportedMediaType(DomainError):
    status = 415
    type = "unsupported_media_type"
