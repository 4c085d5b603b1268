"""Prometheus metrics of the HTTP server: requests and latencies by method, route template and status.

Labelled by the route's template (`/api/v1/services/{service_id}`), never by the raw path: a path
carries ids, and its values would make one series per record (and could carry personal data).
A request no route matched is counted as `unmatched`. Each server process keeps its own counts.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry()
REQUESTS = Counter("ketnoi_http_requests", "HTTP requests answered", ("method", "route", "status"), registry=REGISTRY)
LATENCY = Histogram(
    "ketnoi_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def route_template(scope: Scope) -> str:
    """The matched route's template, with the prefixes of the routers it was included through."""
    route: Any = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return "unmatched"
    # An included route knows its own path only: the path's leading segments are the prefixes.
    tail = template.strip("/").split("/")
    segments = scope["path"].strip("/").split("/")
    prefix = segments[: max(0, len(segments) - len(tail))]
    return "/" + "/".join([*prefix, *tail]) if prefix else template


class Metrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception is a server error

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, method = route_template(scope), scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


def readable_by(client_host: str | None, authorization: str | None, token: str | None) -> bool:
    """Prometheus with the configured token, or anything on this machine when there is none."""
    if token:
        return authorization is not None and hmac.compare_digest(authorization, f"Bearer {token}")
    return client_host in LOOPBACK


def exposition() -> bytes:
    return generate_latest(REGISTRY)
