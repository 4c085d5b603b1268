"""The exchanges page: each service's and each application's use of the gateway over a period."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketnoi.sharing import usage
from ketnoi.web import pages
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
    }
    return render(request, "sharing/exchanges.html", context)
