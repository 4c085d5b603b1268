"""The audit trail page (read only: no page changes it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketnoi.audit import service
from ketnoi.web import pages
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(request: Request, db: DB, actor: CurrentActor, cursor: str | None = None) -> HTMLResponse:
    page = service.recent(db, actor=actor, cursor=cursor, limit=PAGE_SIZE)
    context = {"events": page.items, "links": pages.list_links(request, {}, page.next_cursor)}
    return pages.render_list(request, "audit/list.html", "audit/_results.html", context)
