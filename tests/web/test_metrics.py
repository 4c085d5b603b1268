"""/-/metrics: requests by route template (never raw paths), readable by the scraper or this machine only."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketnoi.app import create_app
from ketnoi.settings import get_settings
from ketnoi.web.metrics import readable_by


def test_requests_are_counted_by_route_template_and_status(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "metrics_token", "bi-mat-cua-prometheus")
    secret_id = uuid.uuid4()
    with TestClient(create_app()) as client:
        assert client.get(f"/api/v1/services/{secret_id}").status_code == 404
        assert client.get("/khong-co-trang-nay").status_code == 404
        assert client.get("/-/metrics").status_code == 403
        body = client.get("/-/metrics", headers={"Authorization": "Bearer bi-mat-cua-prometheus"}).text
    assert 'ketnoi_http_requests_total{method="GET",route="/api/v1/services/{service_id}",status="404"}' in body
    assert 'route="unmatched",status="404"' in body
    assert str(secret_id) not in body and "khong-co-trang-nay" not in body  # never a raw path
    assert 'ketnoi_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/services/{service_id}"}' in body


def test_without_a_token_only_this_machine_reads_the_metrics() -> None:
    assert readable_by("127.0.0.1", None, None) and readable_by("::1", None, None)
    assert not readable_by("203.0.113.7", None, None)
    assert not readable_by("127.0.0.1", None, "t") and readable_by("203.0.113.7", "Bearer t", "t")
    assert not readable_by("203.0.113.7", "Bearer sai", "t")
