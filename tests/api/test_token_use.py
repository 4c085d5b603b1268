"""A token's last use is recorded after the request, in a short transaction of its own, and
never makes a request wait on (or fail for) another transaction's lock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from ketnoi.auth import service as auth
from ketnoi.auth.models import ApiToken, User
from ketnoi.db import unit_of_work
from tests.api.conftest import World


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    auth._recorded.clear()  # the process remembers its last write per token for a minute
    yield
    auth._recorded.clear()


def _last_used(username: str) -> object:
    with unit_of_work() as session:
        token = session.scalar(select(ApiToken).join(User, User.id == ApiToken.user_id).where(User.username == username))
        assert token is not None
        return token.last_used_at


def test_a_call_records_the_tokens_last_use_once_a_minute(api: TestClient, world: World) -> None:
    assert _last_used("lanhdao") is None
    assert api.get("/api/v1/me", headers=world.headers["leader"]).status_code == 200
    first = _last_used("lanhdao")
    assert first is not None
    assert api.get("/api/v1/me", headers=world.headers["leader"]).status_code == 200
    assert _last_used("lanhdao") == first  # within the minute: not written again


def test_a_call_succeeds_while_another_transaction_holds_the_lock(api: TestClient, world: World) -> None:
    with unit_of_work() as other:
        if other.get_bind().dialect.name == "sqlite":
            other.execute(text("UPDATE organizations SET name = name"))  # SQLite's one write lock, held
        else:
            other.execute(select(ApiToken).with_for_update())  # the token rows, locked
        response = api.get("/api/v1/me", headers=world.headers["leader"])
        assert response.status_code == 200, response.text  # answered; the last use is left for later
    assert _last_used("lanhdao") is None
