"""Web pages of deadlines and cycles as data, with their legal basis (/admin/deadlines).

Signed-in staff read every rule, its legal basis and its next due date; the administrator edits a
rule on its page (a refused edit is shown again with each field's message, and nothing is kept).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.governance import deadlines
from ketnoi.governance.deadlines_models import KIND_PARAMS, DeadlineRule, RuleIn
from ketnoi.governance.labels_deadlines import FIELD_LABELS, KIND_LABELS
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
LABELS = {"kind_labels": KIND_LABELS, "field_labels": FIELD_LABELS, "kind_params": KIND_PARAMS}


def prefill(rule: DeadlineRule) -> forms.FormState:
    return forms.prefill(rule, ("label", "remind_before_days", "remind_after", "legal_basis", "enabled"), **rule.params)


@router.get("/admin/deadlines", response_class=HTMLResponse)
def rule_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    context: dict[str, Any] = {"views": deadlines.list_rules(db, actor=actor), "can_manage": deadlines.is_admin(actor), **LABELS}
    return render(request, "governance/deadline_list.html", context)


def _rule_page(request: Request, db: Session, actor: Actor, key: str, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    view = deadlines.get_rule(db, actor=actor, key=key)
    context: dict[str, Any] = {
        "view": view,
        "rule": view.rule,
        "can_manage": deadlines.is_admin(actor),
        "form": form or prefill(view.rule),
        "events": deadlines.history(db, actor=actor, key=key),
        **LABELS,
    }
    return render(request, "governance/deadline_detail.html", context, status_code=form.status if form else 200)


@router.get("/admin/deadlines/{key}", response_class=HTMLResponse)
def rule_detail(request: Request, db: DB, actor: CurrentActor, key: str) -> HTMLResponse:
    return _rule_page(request, db, actor, key)


@router.post("/admin/deadlines/{key}", response_class=HTMLResponse)
def rule_edit(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, key: str) -> Response:
    deadlines.require_admin(actor)  # a steward or leader is refused (403), not shown the form's errors
    result = forms.submit(db, RuleIn, form, lambda data: deadlines.update_rule(db, actor=actor, key=key, data=data))
    if isinstance(result, forms.FormState):
        return _rule_page(request, db, actor, key, result)
    return pages.redirect(f"/admin/deadlines/{result.key}", done="saved")
