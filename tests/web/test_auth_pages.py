from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import ApiToken, LoginSession
from ketnoi.web.security import SESSION_COOKIE
from tests import factories as f
from tests.web.conftest import login, post


def test_login_opens_a_session_and_goes_to_the_page_asked_for(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    response = login_to(client, "/databases")
    assert response.headers["location"] == "/databases"
    assert client.cookies.get(SESSION_COOKIE)
    page = client.get("/")
    assert "canbo" in page.text and "Đăng xuất" in page.text and "Token API" in page.text


def login_to(client: TestClient, target: str) -> object:
    response = post(client, "/login", {"username": "canbo", "password": f.PASSWORD, "next": target})
    assert response.status_code == 303
    return response


def test_login_never_redirects_off_site(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = post(client, "/login", {"username": "canbo", "password": f.PASSWORD, "next": target})
        assert response.headers["location"] == "/"


def test_wrong_password_is_refused_with_400_without_saying_which_part(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    wrong_password = post(client, "/login", {"username": "canbo", "password": "sai-mat-khau-roi"})
    unknown_user = post(client, "/login", {"username": "khong-co", "password": f.PASSWORD})
    for response in (wrong_password, unknown_user):
        assert response.status_code == 400
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
        assert "sai-mat-khau-roi" not in response.text
    assert 'value="canbo"' in wrong_password.text  # the username is kept, the password is not
    assert not client.cookies.get(SESSION_COOKIE)
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_logout_ends_the_session_and_clears_the_cookie(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    response = post(client, "/logout")
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert not client.cookies.get(SESSION_COOKIE)
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert "Đăng nhập" in client.get("/").text


def test_anonymous_visitor_of_a_staff_page_is_sent_to_login_and_back(client: TestClient, engine: object) -> None:
    for page in ("/audit", "/tokens", "/databases/new", "/audit?cursor=abc"):
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=%2F")
    assert client.get("/audit").url.path == "/login"


def test_anonymous_post_gets_the_401_page(client: TestClient, engine: object) -> None:
    response = post(client, "/databases/new", {"name": "x"})
    assert response.status_code == 401
    assert "Bạn cần đăng nhập" in response.text


def test_token_secret_is_shown_once_and_can_be_revoked(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    created = post(client, "/tokens", {"name": "Đồng bộ báo cáo"})
    assert created.status_code == 200
    token = db.scalar(select(ApiToken))
    assert token is not None and token.name == "Đồng bộ báo cáo"
    secret = created.text.split('id="new-token" class="mono" type="text" value="')[1].split('"')[0]
    assert secret.startswith("kn_")
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/tokens")
    assert secret not in listing.text and token.prefix in listing.text
    revoked = post(client, f"/tokens/{token.id}/revoke")
    assert revoked.status_code == 303
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"}).status_code == 401


def test_token_without_a_name_is_refused_with_the_field_message(client: TestClient, db: Session) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    response = post(client, "/tokens", {"name": "  "})
    assert response.status_code == 422
    assert "Tên token là bắt buộc, tối đa 100 ký tự." in response.text
