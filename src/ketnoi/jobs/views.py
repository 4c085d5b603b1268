"""The jobs pages: the background jobs the user may follow, and one job whose state refreshes itself."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketnoi.jobs import service
from ketnoi.web import pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/jobs", response_class=HTMLResponse)
def job_list(request: Request, db: DB, actor: CurrentActor, cursor: str | None = None) -> HTMLResponse:
    page = service.list_jobs(db, actor=actor, cursor=cursor, limit=PAGE_SIZE)
    context = {"jobs": page.items, "links": pages.list_links(request, {}, page.next_cursor)}
    return pages.render_list(request, "jobs/list.html", "jobs/_results.html", context)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_detail(request: Request, db: DB, actor: CurrentActor, job_id: uuid.UUID) -> HTMLResponse:
    return render(request, "jobs/detail.html", {"job": service.get_job(db, actor=actor, job_id=job_id)})


@router.get("/jobs/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, db: DB, actor: CurrentActor, job_id: uuid.UUID) -> HTMLResponse:
    """The detail page's status block alone: htmx polls it while the job is queued or running."""
    response = render(request, "jobs/_status.html", {"job": service.get_job(db, actor=actor, job_id=job_id)})
    response.headers["cache-control"] = "no-store"
    return response
