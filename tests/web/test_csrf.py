from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Database
from ketnoi.web.security import CSRF_COOKIE
from tests import factories as f
from tests.web.conftest import login


def _count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Database)) or 0


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_writes_nothing(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    form = {"name": "Cơ sở dữ liệu bị chặn", "owner_unit_id": str(owner.id), "db_class": "internal", "status": "operating"}
    missing = client.post("/databases/new", data=form, follow_redirects=False)
    wrong = client.post("/databases/new", data={**form, "csrf_token": "khong-dung"}, follow_redirects=False)
    for response in (missing, wrong):
        assert response.status_code == 403
        assert "CSRF" in response.text
    assert _count(db) == 0


def test_the_csrf_token_must_match_this_browsers_cookie(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    form = {"name": "CSDL", "owner_unit_id": str(owner.id), "db_class": "internal", "csrf_token": client.cookies[CSRF_COOKIE]}
    client.cookies.delete(CSRF_COOKIE)
    assert client.post("/databases/new", data=form, follow_redirects=False).status_code == 403
    assert _count(db) == 0


def test_login_and_logout_need_the_csrf_token_too(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    client.get("/login")
    refused = client.post("/login", data={"username": "canbo", "password": f.PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403
    login(client, "canbo", f.PASSWORD)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert "Đăng xuất" in client.get("/").text
