"""Logs: one JSON object per line, each line of a request with its id, an access line per request,
and never a query string or a header's secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ketnoi import logs
from ketnoi.app import create_app


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What ketnoi's loggers write, through the JSON formatter `ketnoi serve` uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_has_one_json_access_line_with_its_id_and_no_secret(engine: object, captured: io.StringIO) -> None:
    client = TestClient(create_app(check_migrations=False))
    response = client.get("/api/v1/datasets?api_key=kn_bi-mat-trong-url", headers={"Authorization": "Bearer kn_bi-mat-trong-header"})
    given = client.get("/-/health", headers={"X-Request-Id": "tu-proxy-42"})

    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "ketnoi.access"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [
        ("GET", "/api/v1/datasets", response.status_code),
        ("GET", "/-/health", 200),
    ]
    assert (
        access[0]["request_id"] == response.headers["x-request-id"]
        and access[1]["request_id"] == given.headers["x-request-id"] == "tu-proxy-42"
    )
    assert all(isinstance(a["duration_ms"], float) and a["level"] == "info" for a in access)
    assert not [line for line in lines if line["logger"].startswith("ketnoi") and "bi-mat" in json.dumps(line)]
    assert logs.config()["loggers"]["httpx"] == {"level": "WARNING"}  # outgoing URLs (a source's query) stay out of the logs


def test_a_line_outside_a_request_has_no_id_and_text_format_is_there_for_a_terminal() -> None:
    record = logging.LogRecord("ketnoi.jobs", logging.WARNING, __file__, 1, "công việc %s lỗi", ("x",), None)
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "công việc x lỗi" and "request_id" not in line and line["level"] == "warning"
    token = logs.request_id.set("abc")
    try:
        assert "[abc] công việc x lỗi" in logs.TextFormatter().format(record)
    finally:
        logs.request_id.reset(token)
    assert logs.config("text")["handlers"]["default"]["formatter"] == "text"
