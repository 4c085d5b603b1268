"""HTML forms: the CSRF check every POST passes first, and a submitted form turned into an input schema.

A page route does three things: `form: UserForm` (the CSRF token is checked before anything
else, then that someone is signed in; the login form uses `CsrfForm`), `submit(...)` (parse
the form into the schema and call one service), then redirect on success or re-render the
same form with the `FormState` it got back (the values typed, a summary at the top and each
field's Vietnamese message next to it).
"""

from __future__ import annotations

import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from ketnoi.kit.errors import Conflict, DomainError, Invalid, Unauthenticated
from ketnoi.kit.validation import parse
from ketnoi.web.deps import CurrentActor
from ketnoi.web.security import CSRF_FIELD, check_csrf

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


async def checked_form(request: Request) -> FormData:
    """The submitted form, once its CSRF token matches the browser's cookie. Every POST route depends on it."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else None)
    return form


CsrfForm = Annotated[FormData, Depends(checked_form)]


def signed_in_form(form: CsrfForm, actor: CurrentActor) -> FormData:
    """A form sent by a signed-in user: no page lets an anonymous visitor change anything (401, not a form error)."""
    if not actor.is_authenticated:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    return form


UserForm = Annotated[FormData, Depends(signed_in_form)]


@dataclass
class FormState:
    """What a form shows: the values (as typed, or from the record), the errors, and the HTTP status."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None  # a msgid: the template translates it, then fills in `message_values`
    status: int = 200
    message_values: dict[str, object] = field(default_factory=dict)

    @classmethod
    def refused(
        cls, exc: DomainError, *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int | None = None
    ) -> FormState:
        """The form shown again after a service refused it: the error's message kept translatable (its msgid and values)."""
        shown_errors = exc.fields if errors is None else errors
        return cls(values=values or {}, errors=shown_errors, message=exc.template, status=status or exc.status, message_values=exc.values)

    def message_in(self, gettext: Callable[[str], str]) -> str:
        """The summary message in the page's language, its values filled in after translating."""
        translated = gettext(self.message or "")
        return translated.format_map(self.message_values) if self.message_values else translated

    def value(self, name: str) -> str:
        raw = self.values.get(name)
        return "" if raw is None else str(raw)

    def checked(self, name: str) -> bool:
        raw = self.values.get(name)
        if isinstance(raw, list):
            return "on" in raw
        return raw is True or raw == "on"


def _shown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, uuid.UUID | date | datetime):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def prefill(source: object | None = None, names: tuple[str, ...] = (), **values: Any) -> FormState:
    """A form showing a record's current values (edit pages), plus any given values."""
    shown = {name: _shown(getattr(source, name)) for name in names} if source is not None else {}
    shown.update({name: _shown(value) for name, value in values.items()})
    return FormState(values=shown)


def typed_values(form: FormData) -> dict[str, Any]:
    """The values as the user typed them (files and the CSRF token left out)."""
    values: dict[str, Any] = {}
    for name, value in form.multi_items():
        if name == CSRF_FIELD or isinstance(value, UploadFile):
            continue
        if name in values:  # a checkbox sends its hidden "" and then "on"
            previous = values[name]
            values[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            values[name] = value
    return values


def _shape(annotation: Any) -> tuple[str, bool]:
    """('bool' | 'list' | 'scalar', accepts None) of a schema field's annotation."""
    kinds: set[str] = set()
    nullable = False
    stack = [annotation]
    while stack:
        current = stack.pop()
        origin = get_origin(current)
        if origin is Annotated:
            stack.append(get_args(current)[0])
        elif origin in (Union, types.UnionType):
            stack.extend(get_args(current))
        elif current is type(None):
            nullable = True
        elif current is list or origin is list:
            kinds.add("list")
        elif current is bool:
            kinds.add("bool")
        else:
            kinds.add("scalar")
    kind = "bool" if "bool" in kinds else "list" if "list" in kinds else "scalar"
    return kind, nullable


def form_data(model: type[BaseModel], form: FormData) -> dict[str, Any]:
    """The schema's fields that the form carries, converted the way a browser form means them.

    Empty text is None for optional fields and absent for the others (so the schema says the
    field is required or uses its default); a checkbox is sent as a hidden "" followed by "on"
    when ticked; comma-separated text fills a list (tags).
    """
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        raw = [v for v in form.getlist(name) if isinstance(v, str)]
        if not raw:
            continue
        kind, nullable = _shape(info.annotation)
        if kind == "bool":
            data[name] = "on" in raw
        elif kind == "list":
            data[name] = [part.strip() for part in raw[-1].split(",") if part.strip()]
        elif raw[-1].strip():
            data[name] = raw[-1]
        elif nullable:
            data[name] = None
    return data


def to_input(model: type[M], form: FormData) -> M:
    """Parse the form into `model`, raising Invalid with each field's Vietnamese message."""
    return parse(model, form_data(model, form))


def _field_errors(fields: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for path, message in fields.items():
        errors.setdefault(path.split(".")[0], message)  # "tags.3" is shown next to "tags"
    return errors


def attempt(session: Session, form: FormData, action: Callable[[], T]) -> T | FormState:
    """Run the service call; on Invalid or Conflict undo what it did and give back the form to show again."""
    try:
        return action()
    except (Invalid, Conflict) as exc:
        session.rollback()  # the request still commits: nothing half-done may go with it
        return FormState.refused(exc, values=typed_values(form), errors=_field_errors(exc.fields))


def submit(session: Session, model: type[M], form: FormData, action: Callable[[M], T]) -> T | FormState:
    """Parse the form into `model` and call `action` with it: the result, or the form to show again."""
    return attempt(session, form, lambda: action(to_input(model, form)))
