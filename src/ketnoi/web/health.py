"""System pages under /-/ (the rest of the URL space belongs to data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from ketnoi import migrate
from ketnoi.db import get_engine
from ketnoi.settings import get_settings
from ketnoi.web.metrics import exposition, readable_by

router = APIRouter(prefix="/-", tags=["system"])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
def ready() -> JSONResponse:
    """Readiness: the database answers and its schema is the one this code expects."""
    checks: dict[str, str] = {}
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if migrate.is_current(get_engine()) else "pending: run `ketnoi db upgrade`"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus metrics (web.metrics): for the configured scraper, or this machine."""
    settings = get_settings()
    client = request.client.host if request.client else None
    if not readable_by(client, request.headers.get("authorization"), settings.metrics_token):
        body = {"error": {"type": "forbidden", "message": "Chỉ máy thu thập số liệu được cấu hình mới đọc được.", "fields": {}}}
        return JSONResponse(body, status_code=403)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
