"""Session fixation: a sign-in never keeps a session id or a CSRF token the browser held before it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import LoginSession
from ketnoi.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests import factories as f
from tests.web.conftest import csrf, login, post


def _signed_in_as(client: TestClient, secret: str) -> bool:
    """Whether this session secret, sent alone, opens a staff page."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, secret)
    return client.get("/tokens", follow_redirects=False).status_code == 200


def test_a_planted_session_id_is_never_adopted(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    planted = "ke-tan-cong-chon-san-gia-tri-nay"
    client.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")  # where the server's own cookie goes
    login(client, "canbo", f.PASSWORD)
    issued = client.cookies[SESSION_COOKIE]
    assert issued != planted
    assert not _signed_in_as(client, planted)
    assert _signed_in_as(client, issued)


def test_signing_in_on_a_browser_ends_the_session_it_already_held(client: TestClient, db: Session) -> None:
    """A shared computer: B signs in where A's session still was. A's old cookie must be worthless."""
    unit = f.unit(db)
    f.user(db, "steward", unit, username="can_bo_a")
    f.user(db, "steward", unit, username="can_bo_b")
    db.commit()
    login(client, "can_bo_a", f.PASSWORD)
    first = client.cookies[SESSION_COOKIE]
    login(client, "can_bo_b", f.PASSWORD)
    second = client.cookies[SESSION_COOKIE]
    assert second != first
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 1
    assert not _signed_in_as(client, first)
    assert _signed_in_as(client, second)


def test_the_csrf_token_is_replaced_at_sign_in(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    before = csrf(client)
    login(client, "canbo", f.PASSWORD)
    after = client.cookies[CSRF_COOKIE]
    assert after != before
    # The token known before the sign-in (to whoever planted it) no longer passes with the new cookie…
    refused = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert refused.status_code == 403
    # …and the page's new one does.
    assert post(client, "/logout").status_code == 303


def test_a_session_ended_by_sign_out_cannot_be_replayed(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    secret = client.cookies[SESSION_COOKIE]
    assert post(client, "/logout").status_code == 303
    assert not _signed_in_as(client, secret)
