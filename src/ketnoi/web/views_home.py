"""The dashboard: what the inventory holds (as far as the visitor may see), and the latest changes for staff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Kind
from ketnoi.catalog import codelists, databases, datasets
from ketnoi.catalog.models import DatabaseClass, Visibility
from ketnoi.org import service as org
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
RECENT_CHANGES = 10


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    by_class = databases.count_by_class(db, actor=actor)
    # Internal databases are not public: an anonymous visitor is not shown that row at all.
    classes = {k: v for k, v in codelists.DATABASE_CLASSES.items() if actor.is_authenticated or k != DatabaseClass.INTERNAL}
    context = {
        "organizations": org.count_organizations(db),
        "by_class": [(key, label, by_class.get(key, 0)) for key, label in classes.items()],
        "database_total": sum(by_class.values()),
        "dataset_total": datasets.count_datasets(db, actor=actor, filters=datasets.DatasetFilters()),
        "dataset_public": datasets.count_datasets(db, actor=actor, filters=datasets.DatasetFilters(visibility=Visibility.PUBLIC)),
        "events": audit.recent(db, actor=actor, cursor=None, limit=RECENT_CHANGES).items
        if authz.allowed(actor, Action.VIEW, Kind.AUDIT)
        else None,
    }
    return render(request, "home.html", context)
