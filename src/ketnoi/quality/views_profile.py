"""Web page of a table's profile and the rules it suggests.

Staff who may see the dataset read the profile (the columns the datastore shows them) and the
suggestions; the dataset's stewards also get the suggestions as a form of ticked boxes, whose
button creates the chosen rules and leads back to the dataset's quality page.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.authz import Actor
from ketnoi.quality import labels_profile, profile, suggest
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)


def shown(value: Any) -> str:
    """A value as the page writes it: dd/mm/yyyy dates, 60.000 numbers."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return suggest.number(value)


def _page(
    request: Request, db: DB, actor: Actor, dataset_id: uuid.UUID, resource_id: uuid.UUID | None, refused: forms.FormState | None = None
) -> HTMLResponse:
    dataset, tables = profile.loaded_tables(db, actor=actor, dataset_id=dataset_id)
    found = None
    suggestions: list[suggest.Suggestion] = []
    if tables and (resource_id is not None or len(tables) == 1):
        found = profile.profile_table(db, actor=actor, dataset_id=dataset.id, resource_id=resource_id)
        suggestions = suggest.suggest(db, actor=actor, dataset_id=dataset.id, profile=found)
    ticked = None
    if refused is not None:
        typed = refused.values.get("keys") or []
        ticked = set(typed if isinstance(typed, list) else [typed])
    context = {
        "dataset": dataset,
        "tables": tables,
        "profile": found,
        "suggestions": suggestions,
        "ticked": ticked,
        "refused": refused,
        "labels": labels_profile,
        "shown": shown,
        "number": suggest.number,
        "percent": suggest.percent,
        "patterns_skipped": profile.patterns_skipped,
    }
    return render(request, "quality/profile.html", context, status_code=refused.status if refused else 200)


@router.get("/datasets/{dataset_id}/quality/profile", response_class=HTMLResponse)
def profile_page(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID, resource_id: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    return _page(request, db, actor, dataset_id, pages.opt_uuid(resource_id, "resource_id"))


@router.post("/datasets/{dataset_id}/quality/suggestions", response_class=HTMLResponse)
def accept_suggestions(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    keys = [k for k in form.getlist("keys") if isinstance(k, str)]
    result = forms.attempt(db, form, lambda: suggest.accept(db, actor=actor, dataset_id=dataset_id, keys=keys))
    if isinstance(result, forms.FormState):
        raw = form.get("resource_id")
        return _page(request, db, actor, dataset_id, pages.opt_uuid(raw if isinstance(raw, str) else None, "resource_id"), result)
    return pages.redirect(f"/datasets/{dataset_id}/quality#rules", done="created")
