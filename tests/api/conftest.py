from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketnoi.auth import service as auth
from ketnoi.db import unit_of_work
from ketnoi.identity import actor_for
from ketnoi.org.models import Organization
from tests import factories as f
from tests.apps import shared_app


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client


@dataclass
class World:
    """Two units with a steward each, an admin and a leader, each with an API token."""

    ministry: Organization
    unit_a: Organization
    sub_a: Organization
    unit_b: Organization
    headers: dict[str, dict[str, str]]


def _token(session: object, role: str, unit: Organization | None, username: str) -> dict[str, str]:
    user = f.user(session, role, unit, username=username)  # type: ignore[arg-type]
    _, secret = auth.create_token(session, actor=actor_for(session, user), name="test")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(engine: Engine) -> World:
    with unit_of_work(engine) as s:
        ministry = f.unit(s, "Bộ Khoa học và Công nghệ", agency_code="000.00.00.G22")
        unit_a = f.unit(s, "Trung tâm Công nghệ thông tin", parent=ministry, agency_code="000.01.00.G22")
        sub_a = f.unit(s, "Phòng Dữ liệu", parent=unit_a)
        unit_b = f.unit(s, "Vụ Pháp chế", parent=ministry, agency_code="000.02.00.G22")
        headers = {
            "admin": _token(s, "admin", None, "admin"),
            "leader": _token(s, "leader", None, "lanhdao"),
            "steward_a": _token(s, "steward", unit_a, "steward_a"),
            "steward_b": _token(s, "steward", unit_b, "steward_b"),
            "public": {},
        }
    return World(ministry, unit_a, sub_a, unit_b, headers)


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "message", "fields"}, body
    return body["error"]  # type: ignore[no-any-return]
