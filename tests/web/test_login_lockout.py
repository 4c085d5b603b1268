"""Password guessing: an account locks after repeated failures (counted in the database, across
processes), an address that fails too often waits, and an administrator may unlock early."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.audit.models import AuditEvent
from ketnoi.auth.models import User
from ketnoi.cli import app
from ketnoi.kit.clock import utcnow
from ketnoi.settings import get_settings
from tests import factories as f
from tests.web.conftest import post

__all__ = ["client"]
from tests.web.conftest import client


def _try(client: TestClient, username: str, password: str) -> tuple[int, str]:
    response = post(client, "/login", {"username": username, "password": password})
    return response.status_code, response.text


def test_an_account_locks_after_its_failures_refuses_even_the_right_password_then_opens_again(client: TestClient, db: Session) -> None:
    user = f.user(db, "steward", f.unit(db), username="can.bo")
    db.commit()
    limit = get_settings().login_max_failures
    for _ in range(limit):
        status, page = _try(client, "can.bo", "sai-mat-khau-roi")
        assert status == 400 and "Tên đăng nhập hoặc mật khẩu không đúng." in page

    status, page = _try(client, "can.bo", f.PASSWORD)
    assert status == 400 and "Tài khoản tạm khoá do đăng nhập sai nhiều lần, đến" in page
    english = post(client, "/login?lang=en", {"username": "can.bo", "password": f.PASSWORD}).text
    assert "The account is locked after repeated failed sign-ins, until " in english and " (Vietnam time)." in english
    assert "ketnoi_session" not in client.cookies
    db.expire_all()
    locked = db.get_one(User, user.id)
    assert locked.locked_until is not None and locked.failed_logins == 0
    assert [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.entity_id == user.id, AuditEvent.action == "lock"))] == [
        "lock"
    ]

    db.execute(update(User).where(User.id == user.id).values(locked_until=utcnow() - timedelta(seconds=1)))  # its time is up
    db.commit()
    assert _try(client, "can.bo", f.PASSWORD)[0] == 303
    db.expire_all()
    assert db.get_one(User, user.id).locked_until is None


def test_a_right_password_resets_the_count(client: TestClient, db: Session) -> None:
    user = f.user(db, "leader", username="lanh.dao")
    db.commit()
    limit = get_settings().login_max_failures
    for _ in range(limit - 1):
        _try(client, "lanh.dao", "khong-dung-dau")
    assert _try(client, "lanh.dao", f.PASSWORD)[0] == 303
    db.expire_all()
    assert db.get_one(User, user.id).failed_logins == 0


def test_an_address_that_fails_too_often_waits_whatever_names_it_tries(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "login_address_failures", 3)
    for n in range(3):
        assert _try(client, f"khong.co.{n}", "mat-khau-bat-ky")[0] == 400
    response = post(client, "/login", {"username": "khong.co.9", "password": "mat-khau-bat-ky"})
    assert response.status_code == 429
    assert "quá nhiều lần đăng nhập sai từ địa chỉ này: hãy thử lại sau 15 phút." in response.text
    assert int(response.headers["retry-after"]) > 0
    english = post(client, "/login?lang=en", {"username": "khong.co.9", "password": "mat-khau-bat-ky"})
    assert english.status_code == 429 and "Too many failed sign-ins from this address: try again in 15 minutes." in english.text


def test_an_administrator_unlocks_early_from_the_command_line(db: Session) -> None:
    user = f.user(db, "steward", f.unit(db), username="bi.khoa")
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.commit()
    result = CliRunner().invoke(app, ["user", "unlock", "bi.khoa"])
    assert result.exit_code == 0 and "Đã mở khoá tài khoản bi.khoa." in result.output
    db.expire_all()
    assert db.get_one(User, user.id).locked_until is None
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == user.id).order_by(AuditEvent.at)).all()[-1] == "unlock"
