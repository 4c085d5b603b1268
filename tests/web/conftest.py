"""The web pages through an in-process client, on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketnoi.web.security import CSRF_COOKIE
from tests.apps import shared_app
from tests.web.browser import chromium, server

__all__ = ["chromium", "server"]  # fixtures of the browser tests


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as test_client:
        yield test_client


def csrf(client: TestClient) -> str:
    """The browser's CSRF token (the cookie is set by the first page the client visits)."""
    if not client.cookies.get(CSRF_COOKIE):
        client.get("/login")
    return client.cookies[CSRF_COOKIE]


def post(client: TestClient, url: str, data: dict[str, object] | None = None, **kwargs: object) -> httpx.Response:
    """A form POST the way the browser sends it: with the page's CSRF token, redirects not followed."""
    form = {"csrf_token": csrf(client), **(data or {})}
    return client.post(url, data=form, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def login(client: TestClient, username: str, password: str) -> httpx.Response:
    response = post(client, "/login", {"username": username, "password": password})
    assert response.status_code == 303, response.text
    return response


def results(response: httpx.Response) -> str:
    """The results region of a list page (not the filter choices above it)."""
    return response.text.split('id="results"', 1)[1].split("</main>", 1)[0]
