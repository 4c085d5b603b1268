"""Administrators' two-factor sign-in (TOTP): enrolment at the first sign-in, a code each time, no replay,
wrong codes towards the lock, a lost phone reset from the command line, and the flow in Chromium."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.audit.models import AuditEvent
from ketnoi.auth import totp
from ketnoi.auth.models import User
from ketnoi.cli import app
from ketnoi.kit import secretbox
from ketnoi.settings import get_settings
from ketnoi.web.security import SESSION_COOKIE
from tests import factories as f
from tests.web.browser import enrol_two_factor, sign_in
from tests.web.conftest import client, post

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["client"]


@pytest.fixture(autouse=True)
def _codes_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "admin_totp_required", True)


def _enrol(client: TestClient, username: str) -> str:
    """Sign in with the password, then enrol: the secret the page showed."""
    signed = post(client, "/login", {"username": username, "password": f.PASSWORD, "next": "/audit"})
    assert signed.status_code == 303 and signed.headers["location"] == "/login/2fa/setup?next=%2Faudit"
    assert SESSION_COOKIE not in client.cookies  # not signed in by the password alone
    page = client.get(signed.headers["location"])
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    found = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text)
    assert found is not None
    return found.group(1)


def test_an_administrator_enrols_at_the_first_sign_in_then_signs_in_with_a_code(client: TestClient, db: Session) -> None:
    admin = f.user(db, "admin", username="quan.tri")
    db.commit()
    secret = _enrol(client, "quan.tri")

    wrong = post(client, "/login/2fa/setup", {"code": "000000", "next": "/audit"})
    assert wrong.status_code == 400 and "Mã xác thực không đúng" in wrong.text and f'id="totp-secret">{secret}<' in wrong.text
    enrolled = post(client, "/login/2fa/setup", {"code": pyotp.TOTP(secret).now(), "next": "/audit"})
    assert enrolled.status_code == 303 and enrolled.headers["location"] == "/audit" and client.cookies.get(SESSION_COOKIE)
    db.expire_all()
    stored = db.get_one(User, admin.id)
    assert stored.totp_secret and secret not in stored.totp_secret and secretbox.unseal(stored.totp_secret) == secret
    assert "totp_enrol" in db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == admin.id)).all()

    client.cookies.clear()
    again = post(client, "/login", {"username": "quan.tri", "password": f.PASSWORD, "next": "/"})
    assert again.headers["location"] == "/login/2fa?next=%2F"
    replayed = post(client, "/login/2fa", {"code": pyotp.TOTP(secret).now(), "next": "/"})  # the code just used
    assert replayed.status_code == 400 and "đã dùng" in replayed.text
    later = pyotp.TOTP(secret).at(time.time() + 30)  # the next 30-second step's code (one step of drift is allowed)
    signed_in = post(client, "/login/2fa", {"code": later, "next": "/"})
    assert signed_in.status_code == 303 and client.cookies.get(SESSION_COOKIE)


def test_a_steward_is_signed_in_by_the_password_alone_and_a_forged_pending_cookie_is_refused(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="can.bo")
    admin = f.user(db, "admin", username="quan.tri.2")
    db.commit()
    assert post(client, "/login", {"username": "can.bo", "password": f.PASSWORD}).headers["location"] == "/"

    fresh = TestClient(client.app)
    forged = totp.pending_token(admin, totp.VERIFY)[:-2] + "xx"
    fresh.cookies.set("ketnoi_2fa", forged)
    refused = fresh.get("/login/2fa")
    assert refused.status_code == 400 and "Phiên đăng nhập đã hết hạn" in refused.text
    old = totp.pending_token(admin, totp.ENROL, now=time.time() - totp.PENDING_SECONDS - 1)
    with pytest.raises(Exception, match="hết hạn"):
        totp.read_pending(old, totp.ENROL)
    with pytest.raises(Exception, match="hết hạn"):
        totp.read_pending(totp.pending_token(admin, totp.ENROL), totp.VERIFY)  # made for another step


def test_wrong_codes_lock_the_account_and_a_lost_phone_is_reset_from_the_command_line(client: TestClient, db: Session) -> None:
    admin = f.user(db, "admin", username="quan.tri.3")
    db.commit()
    secret = _enrol(client, "quan.tri.3")
    assert post(client, "/login/2fa/setup", {"code": pyotp.TOTP(secret).now(), "next": "/"}).status_code == 303
    client.cookies.clear()
    post(client, "/login", {"username": "quan.tri.3", "password": f.PASSWORD})
    for _ in range(get_settings().login_max_failures):
        assert post(client, "/login/2fa", {"code": "123456", "next": "/"}).status_code == 400
    db.expire_all()
    assert db.get_one(User, admin.id).locked_until is not None

    result = CliRunner().invoke(app, ["user", "reset-2fa", "quan.tri.3"])
    assert result.exit_code == 0 and "Đã xoá mã xác thực hai lớp của quan.tri.3." in result.output
    CliRunner().invoke(app, ["user", "unlock", "quan.tri.3"])
    client.cookies.clear()
    assert post(client, "/login", {"username": "quan.tri.3", "password": f.PASSWORD}).headers["location"].startswith("/login/2fa/setup")


def test_an_administrator_enrols_in_chromium(chromium: Browser, server: str, db: Session) -> None:
    from playwright.sync_api import expect

    f.user(db, "admin", username="quan.tri.4")
    db.commit()
    page = sign_in(chromium, server, "quan.tri.4")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực hai lớp")
    expect(page.get_by_role("img", name="Mã QR để thêm tài khoản vào ứng dụng xác thực")).to_be_visible()
    enrol_two_factor(page, "Bật xác thực hai lớp và đăng nhập")
    page.wait_for_url(f"{server}/", wait_until="domcontentloaded")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
