"""The dashboard: what the inventory holds (as far as the visitor may see), and the latest changes for staff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketnoi import authz, inventory
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Kind
from ketnoi.catalog import codelists
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
RECENT_CHANGES = 10


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    s = inventory.summary(db, actor=actor)
    context = {
        "organizations": s.organizations,
        "by_class": [(key, codelists.DATABASE_CLASSES[key], n) for key, n in s.databases_by_class.items()],
        "database_total": s.databases,
        "dataset_total": s.datasets,
        "dataset_public": s.public_datasets,
        "events": audit.recent(db, actor=actor, cursor=None, limit=RECENT_CHANGES).items
        if authz.allowed(actor, Action.VIEW, Kind.AUDIT)
        else None,
    }
    return render(request, "home.html", context)
