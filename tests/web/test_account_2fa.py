"""Any account turns two-factor sign-in on for itself (/account/2fa), and off with a current code;
an administrator for whom it is required cannot turn it off."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.auth.models import User
from ketnoi.settings import get_settings
from ketnoi.web.security import SESSION_COOKIE
from tests import factories as f
from tests.web.browser import enrol_two_factor, sign_in
from tests.web.conftest import login, post

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _shown_secret(page_text: str) -> str:
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page_text)
    assert found is not None, page_text
    return found.group(1)


def _next_code(secret: str) -> str:
    """A code of the next time step: the one just used is refused (no replay), one step of drift is allowed."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_a_steward_turns_it_on_then_needs_a_code_to_sign_in_then_turns_it_off(client: TestClient, db: Session) -> None:
    steward = f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = client.get("/account/2fa")
    assert page.status_code == 200 and "Đang tắt" in page.text and 'src="data:image/svg+xml' in page.text
    secret = _shown_secret(page.text)
    assert _shown_secret(client.get("/account/2fa").text) == secret  # the same secret until a code confirms it

    wrong = post(client, "/account/2fa", {"code": "12345"})
    assert wrong.status_code == 400 and 'id="f-code-error"' in wrong.text and "Mã xác thực không đúng" in wrong.text
    db.expire_all()
    assert db.get_one(User, steward.id).totp_secret is None and db.get_one(User, steward.id).failed_logins == 1

    # Three codes in a row without waiting for the clock: the previous step's, this one's, the next one's
    # (one step of drift either side is allowed; each must be later than the last used).
    on = post(client, "/account/2fa", {"code": pyotp.TOTP(secret).at(time.time() - 30)})
    assert on.status_code == 303 and on.headers["location"] == "/account/2fa?done=totp_on"
    assert "Đang bật" in client.get("/account/2fa").text

    post(client, "/logout")
    signed = post(client, "/login", {"username": "canbo", "password": f.PASSWORD})
    assert signed.headers["location"].startswith("/login/2fa?") and SESSION_COOKIE not in client.cookies
    assert post(client, "/login/2fa", {"code": pyotp.TOTP(secret).now()}).status_code == 303

    refused = post(client, "/account/2fa/off", {"code": "000000"})
    assert refused.status_code == 400 and "Mã xác thực không đúng" in refused.text
    off = post(client, "/account/2fa/off", {"code": _next_code(secret)})
    assert off.status_code == 303, off.text
    db.expire_all()
    assert db.get_one(User, steward.id).totp_secret is None
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == steward.id)).all()
    assert "totp_enrol" in actions and "totp_reset" in actions
    post(client, "/logout")
    assert post(client, "/login", {"username": "canbo", "password": f.PASSWORD}).headers["location"] == "/"


def test_an_administrator_who_must_use_it_cannot_turn_it_off(client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = f.user(db, "admin", username="quan.tri")
    db.commit()
    login(client, "quan.tri", f.PASSWORD)  # not required yet: signed in by the password
    secret = _shown_secret(client.get("/account/2fa").text)
    assert post(client, "/account/2fa", {"code": pyotp.TOTP(secret).now()}).status_code == 303
    monkeypatch.setattr(get_settings(), "admin_totp_required", True)
    page = client.get("/account/2fa")
    assert "bắt buộc dùng xác thực hai lớp" in page.text and 'action="/account/2fa/off"' not in page.text
    refused = post(client, "/account/2fa/off", {"code": _next_code(secret)})
    assert refused.status_code == 403 and "không thể tắt" in refused.text
    db.expire_all()
    assert db.get_one(User, admin.id).totp_secret is not None


def test_an_anonymous_visitor_is_sent_to_sign_in(client: TestClient, db: Session) -> None:
    response = client.get("/account/2fa", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Faccount%2F2fa")


def test_a_steward_turns_it_on_in_chromium(chromium: Browser, server: str, db: Session) -> None:
    from playwright.sync_api import expect

    f.user(db, "steward", f.unit(db), username="canbo.web")
    db.commit()
    page = sign_in(chromium, server, "canbo.web")
    page.get_by_role("link", name="canbo.web").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực hai lớp")
    enrol_two_factor(page, "Bật xác thực hai lớp")
    expect(page.get_by_role("status")).to_contain_text("Đã bật xác thực hai lớp")
    expect(page.get_by_role("button", name="Tắt xác thực hai lớp")).to_be_visible()
