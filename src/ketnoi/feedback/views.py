"""Pages of feedback on open data.

For the public: the feedback region of a public dataset's page (`dataset_panel` gives the context
of the partial `feedback/_dataset_panel.html`, which the portal's dataset page includes; its form
posts here), and the dataset requests with their votes. For the staff: the moderation queue, and
the six-monthly synthesis with its DOCX and XLSX files.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset
from ketnoi.feedback import antispam, report, service
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.models import Feedback
from ketnoi.feedback.schemas import FeedbackIn, ModerationIn, ReplyIn, RequestIn
from ketnoi.feedback.synthesis import Period, build
from ketnoi.org.models import Organization
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PANEL_SIZE = 50
PAGE_SIZE = 25
STATUS_FILTERS = ("pending", "published", "rejected", "all")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_of(request: Request) -> Client:
    """The sender as this request shows it (behind a proxy, uvicorn's --proxy-headers gives the real address)."""
    return Client(address=request.client.host if request.client else "", user_agent=request.headers.get("user-agent", "")[:500])


# ---- on a public dataset's page ---------------------------------------------------------------


@dataclass(frozen=True)
class DatasetPanel:
    """What `feedback/_dataset_panel.html` shows."""

    dataset: Dataset
    items: list[Feedback]
    unit_name: str
    form: forms.FormState
    token: str
    can_moderate: bool
    thanked: bool

    @property
    def action(self) -> str:
        return f"/open/datasets/{self.dataset.slug}/feedback"


def dataset_panel(
    request: Request, session: Session, actor: Actor, dataset: Dataset, form: forms.FormState | None = None
) -> dict[str, object]:
    """The context of the partial `feedback/_dataset_panel.html` for a public dataset's page: its
    published comments and error reports with the replies, and the form (with `form`'s errors)."""
    items = service.dataset_feedback(session, dataset_id=dataset.id, limit=PANEL_SIZE).items
    unit = session.get(Organization, dataset.owner_unit_id)
    panel = DatasetPanel(
        dataset=dataset,
        items=items,
        unit_name=unit.name if unit else "",
        form=form or forms.FormState(values={"kind": "comment"}),
        token=antispam.issue_token(),
        can_moderate=service.answers_for(actor, dataset.owner_unit_id),
        thanked=request.query_params.get("done") == "feedback",
    )
    return {"feedback_panel": panel}


@router.post("/open/datasets/{slug}/feedback", response_class=HTMLResponse)
def send_feedback(request: Request, form: forms.CsrfForm, db: DB, actor: CurrentActor, slug: str) -> Response:
    dataset = service.public_dataset(db, slug=slug)
    client = client_of(request)
    result = forms.submit(
        db, FeedbackIn, form, lambda data: service.submit_feedback(db, actor=actor, client=client, dataset_id=dataset.id, data=data)
    )
    if isinstance(result, forms.FormState):
        context = {"dataset": dataset, **dataset_panel(request, db, actor, dataset, result)}
        return render(request, "feedback/dataset_feedback.html", context, status_code=result.status)
    return pages.redirect(f"/open/datasets/{slug}#gop-y", done="feedback")


# ---- dataset requests -------------------------------------------------------------------------


def _requests_page(request: Request, db: DB, actor: Actor, failed: forms.FormState | None = None) -> HTMLResponse:
    page = service.published_requests(db, cursor=request.query_params.get("cursor"), limit=PAGE_SIZE)
    ids = [entry.feedback.id for entry in page.items]
    context = {
        "entries": page.items,
        "voted": service.voted(db, actor=actor, client=client_of(request), feedback_ids=ids),
        "links": pages.list_links(request, {}, page.next_cursor),
        "failed": failed,
        "done": request.query_params.get("done"),
    }
    return render(request, "feedback/requests.html", context, status_code=failed.status if failed else 200)


@router.get("/open/requests", response_class=HTMLResponse)
def request_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _requests_page(request, db, actor)


def _request_form(request: Request, db: DB, form: forms.FormState | None = None) -> HTMLResponse:
    context = {"form": form or forms.FormState(), "token": antispam.issue_token(), "units": service.request_units(db)}
    return render(request, "feedback/request_form.html", context, status_code=form.status if form else 200)


@router.get("/open/requests/new", response_class=HTMLResponse)
def request_new(request: Request, db: DB) -> HTMLResponse:
    return _request_form(request, db)


@router.post("/open/requests/new", response_class=HTMLResponse)
def request_create(request: Request, form: forms.CsrfForm, db: DB, actor: CurrentActor) -> Response:
    client = client_of(request)
    result = forms.submit(db, RequestIn, form, lambda data: service.submit_request(db, actor=actor, client=client, data=data))
    if isinstance(result, forms.FormState):
        return _request_form(request, db, result)
    return pages.redirect("/open/requests", done="request")


@router.post("/open/requests/{feedback_id}/vote", response_class=HTMLResponse)
def request_vote(request: Request, form: forms.CsrfForm, db: DB, actor: CurrentActor, feedback_id: uuid.UUID) -> Response:
    client = client_of(request)
    result = forms.attempt(db, form, lambda: service.vote(db, actor=actor, client=client, feedback_id=feedback_id))
    if isinstance(result, forms.FormState):
        return _requests_page(request, db, actor, result)
    return pages.redirect(f"/open/requests#yc-{feedback_id}", done="voted")


# ---- the staff's moderation queue ---------------------------------------------------------------


def _filters(request: Request) -> service.QueueFilters:
    status = request.query_params.get("status") or "pending"
    return service.QueueFilters(
        kind=request.query_params.get("kind") or None,
        status=None if status == "all" else status,
        q=request.query_params.get("q") or None,
    )


def _queue_page(
    request: Request, db: DB, actor: Actor, form: forms.FormState | None = None, form_for: uuid.UUID | None = None
) -> HTMLResponse:
    pages.require_login(actor)
    filters = _filters(request)
    page = service.moderation_queue(db, actor=actor, filters=filters, cursor=request.query_params.get("cursor"), limit=PAGE_SIZE)
    shown = {"kind": filters.kind, "status": filters.status or "all", "q": filters.q}
    context = {
        "entries": page.items,
        "filters": shown,
        "links": pages.list_links(request, shown, page.next_cursor),
        "pending": service.pending_count(db, actor=actor),
        "query": _kept_query(request),
        "form": form or forms.FormState(),
        "form_for": form_for,
        "statuses": STATUS_FILTERS,
    }
    return render(request, "feedback/queue.html", context, status_code=form.status if form else 200)


@router.get("/feedback", response_class=HTMLResponse)
def queue(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _queue_page(request, db, actor)


def _kept_query(request: Request) -> str:
    """The list's filters and page, to come back to after a form (not the notice of the last one)."""
    return urlencode([(key, value) for key, value in request.query_params.multi_items() if key != "done"])


def _back(request: Request, feedback_id: uuid.UUID) -> Response:
    query = _kept_query(request)
    return pages.redirect(f"/feedback{'?' + query if query else ''}#fb-{feedback_id}", done="saved")


@router.post("/feedback/{feedback_id}/moderate", response_class=HTMLResponse)
def moderate(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, feedback_id: uuid.UUID) -> Response:
    result = forms.submit(db, ModerationIn, form, lambda data: service.moderate(db, actor=actor, feedback_id=feedback_id, data=data))
    if isinstance(result, forms.FormState):
        return _queue_page(request, db, actor, result, feedback_id)
    return _back(request, feedback_id)


@router.post("/feedback/{feedback_id}/reply", response_class=HTMLResponse)
def reply(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, feedback_id: uuid.UUID) -> Response:
    result = forms.submit(db, ReplyIn, form, lambda data: service.reply(db, actor=actor, feedback_id=feedback_id, data=data))
    if isinstance(result, forms.FormState):
        return _queue_page(request, db, actor, result, feedback_id)
    return _back(request, feedback_id)


# ---- the six-monthly synthesis --------------------------------------------------------------------


def _period(request: Request) -> Period:
    chosen = request.query_params.get("period")
    return Period.parse(chosen) if chosen else Period.last_completed()


@router.get("/feedback/synthesis", response_class=HTMLResponse)
def synthesis_page(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    synthesis = build(db, actor=actor, period=_period(request))
    context = {"s": synthesis, "periods": Period.current().recent(8)}
    return render(request, "feedback/synthesis.html", context)



@router.get("/feedback/synthesis.docx")
def synthesis_docx(request: Request, db: DB, actor: CurrentActor) -> Response:
    pages.require_login(actor)
    synthesis = build(db, actor=actor, period=_period(request))
    return pages.download(report.to_docx(synthesis, report.header(db, synthesis)), DOCX, report.filename(synthesis, "docx"))


@router.get("/feedback/synthesis.xlsx")
def synthesis_xlsx(request: Request, db: DB, actor: CurrentActor) -> Response:
    pages.require_login(actor)
    synthesis = build(db, actor=actor, period=_period(request))
    return pages.download(report.to_xlsx(synthesis), XLSX, report.filename(synthesis, "xlsx"))
