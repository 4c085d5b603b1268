"""Typed domain errors. Services raise them; the web layer maps them to HTTP and a message.

Messages are Vietnamese msgids (the source language of the UI); the web layer translates them
with the request's locale. `fields` maps a field name to its own message. A message that names a
number or a time keeps it out of the msgid: `TooManyAttempts("… sau {minutes} phút.", values={"minutes": 3})`,
so the catalog holds one entry and `text()` fills it after translating (an f-string would make every
value a new, untranslated msgid; tests/test_error_templates.py refuses one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Self


class DomainError(Exception):
    status = 400
    type = "invalid"
    fault: str | None = None  # at the gateway: caller | platform | provider (by the status when None)

    def __init__(
        self, message: str, *, fields: dict[str, str] | None = None, values: Mapping[str, object] | None = None, **params: Any
    ) -> None:
        self.template = message
        self.values = dict(values or {})
        self.message = message.format_map(self.values) if self.values else message  # Vietnamese, filled
        super().__init__(self.message)
        self.fields = fields or {}
        self.params = params

    def on_field(self, name: str) -> Self:
        """The message shown beside the field `name` too, filled in (a field's message is shown as it comes)."""
        self.fields[name] = self.message
        return self

    def text(self, gettext: Callable[[str], str]) -> str:
        """The message in the language `gettext` translates to, with its values filled in."""
        translated = gettext(self.template)
        return translated.format_map(self.values) if self.values else translated


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
