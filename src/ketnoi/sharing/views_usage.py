"""The exchanges page: each service's and each application's use of the gateway over a period."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi.sharing import subscriptions, usage
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
PERIODS = {"1d": "24 giờ qua", "7d": "7 ngày qua", "30d": "30 ngày qua", "365d": "12 tháng qua"}


@router.get("/exchanges", response_class=HTMLResponse)
def exchanges(request: Request, db: DB, actor: CurrentActor, period: str = "7d") -> HTMLResponse:
    pages.require_login(actor)
    context = {
        "period": period,
        "periods": PERIODS,
        "by_service": usage.usage(db, actor=actor, by="service", period=period),
        "by_consumer": usage.usage(db, actor=actor, by="consumer", period=period),
        "dead": subscriptions.dead_letters(db, actor=actor),
    }
    return render(request, "sharing/exchanges.html", context)


@router.post("/exchanges/deliveries/{delivery_id}/resend")
def resend(form: forms.UserForm, db: DB, actor: CurrentActor, delivery_id: uuid.UUID) -> Response:
    subscriptions.resend_for_staff(db, actor=actor, delivery_id=delivery_id)
    return pages.redirect("/exchanges#dead-letters", done="saved")
