"""The notifications page: the user's in-app notifications, and marking them read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.notify import service
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


@router.get("/notifications", response_class=HTMLResponse)
def notification_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    notifications = service.list_notifications(db, actor=actor, limit=PAGE_SIZE)
    return render(request, "notify/list.html", {"notifications": notifications})


@router.post("/notifications/read-all")
def mark_all_read(form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    service.mark_all_read(db, actor=actor)
    return pages.redirect("/notifications")


@router.post("/notifications/{notification_id}/read")
def mark_read(form: forms.UserForm, db: DB, actor: CurrentActor, notification_id: uuid.UUID) -> Response:
    service.mark_read(db, actor=actor, notification_id=notification_id)
    return pages.redirect(f"/notifications#n-{notification_id}")
