"""Consumers' credentials and the node's access tokens: issued, used, expired, forged, revoked mid-session."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.kit import nodekey
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Forbidden
from ketnoi.org.models import OrgKind
from ketnoi.sharing import consumers
from ketnoi.sharing.consumers import ConsumerCredential
from tests import factories as f
from tests.sharing.conftest import Setting


@pytest.fixture
def issued(db: Session, setting: Setting) -> dict[str, Any]:
    agency = f.unit(db, "Sở Khoa học và Công nghệ Cần Thơ", kind=OrgKind.AGENCY)
    app = consumers.register_app(
        db, actor=setting.admin, organization_id=agency.id, name="Hệ thống quản lý nhiệm vụ KH&CN tỉnh", description=None
    )
    secret = consumers.issue_credential(db, actor=setting.admin, app_id=app.id, kind="client_secret")
    key = consumers.issue_credential(db, actor=setting.admin, app_id=app.id, kind="api_key")
    db.commit()
    return {"app": app, "client": secret, "key": key}


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _token(api: TestClient, issued: dict[str, Any]) -> str:
    client = issued["client"]
    response = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic(client.credential.client_id, client.secret)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store" and response.json()["token_type"] == "Bearer"
    return str(response.json()["access_token"])


def _whoami(api: TestClient, **headers: str) -> Any:
    return api.get("/x/whoami", headers=headers)


def test_a_client_gets_a_token_and_calls_with_it(api: TestClient, issued: dict[str, Any], db: Session) -> None:
    token = _token(api, issued)
    claims = jwt.decode(token, nodekey.node_key().public, algorithms=["EdDSA"], audience=consumers.AUDIENCE)
    assert claims["sub"] == issued["client"].credential.client_id and claims["exp"] - claims["iat"] == 300
    me = _whoami(api, Authorization=f"Bearer {token}")
    assert me.status_code == 200 and me.json()["app"] == "Hệ thống quản lý nhiệm vụ KH&CN tỉnh"
    stored = db.scalars(select(ConsumerCredential.secret_digest)).all()
    assert issued["client"].secret not in stored and len(stored) == 2  # digests only


def test_bad_client_authentication_is_refused_the_oauth_way(api: TestClient, issued: dict[str, Any]) -> None:
    client = issued["client"]
    wrong = api.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic(client.credential.client_id, "kcs_sai"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client" and "Basic" in wrong.headers["www-authenticate"]
    other_id = api.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic("app-khac", client.secret))
    assert other_id.status_code == 401
    missing = api.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert missing.status_code == 401
    grant = api.post("/oauth/token", data={"grant_type": "password"}, headers=_basic(client.credential.client_id, client.secret))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    as_secret = api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic(issued["key"].credential.client_id, issued["key"].secret)
    )
    assert as_secret.status_code == 401  # an API key is not a client secret


def _forged(claims_changes: dict[str, Any], key: Ed25519PrivateKey | None = None, kid: str | None = None) -> str:
    node = nodekey.node_key()
    now = utcnow()
    claims = {
        "iss": "ketnoi",
        "aud": consumers.AUDIENCE,
        "sub": "x",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    return jwt.encode(claims | claims_changes, key or node.private, algorithm="EdDSA", headers={"kid": kid or node.key_id})


def test_expired_forged_wrong_audience_and_tampered_tokens_are_refused(api: TestClient, issued: dict[str, Any], db: Session) -> None:
    client_id = issued["client"].credential.client_id
    expired, _ = consumers.token_for(db, client_id=client_id, client_secret=issued["client"].secret, now=utcnow() - timedelta(minutes=10))
    refused = _whoami(api, Authorization=f"Bearer {expired}")
    assert refused.status_code == 401 and "hết hạn" in refused.json()["error"]["message"] and refused.json()["error"]["fault"] == "caller"
    assert "aud sai" in _whoami(api, Authorization=f"Bearer {_forged({'sub': client_id, 'aud': 'cong-khac'})}").json()["error"]["message"]
    foreign = _forged({"sub": client_id}, key=Ed25519PrivateKey.generate())  # the node's kid, another key
    assert _whoami(api, Authorization=f"Bearer {foreign}").status_code == 401
    head, body, signature = _token(api, issued).split(".")
    payload = jwt.utils.base64url_decode(body).replace(client_id.encode(), b"app-0000000000000000")
    tampered = ".".join([head, jwt.utils.base64url_encode(payload).decode(), signature])
    assert _whoami(api, Authorization=f"Bearer {tampered}").status_code == 401
    assert _whoami(api).status_code == 401


def test_a_revoked_credential_or_suspended_app_is_refused_at_the_next_request(
    api: TestClient, issued: dict[str, Any], db: Session, setting: Setting
) -> None:
    token = _token(api, issued)
    assert _whoami(api, Authorization=f"Bearer {token}").status_code == 200
    consumers.set_status(db, actor=setting.admin, app_id=issued["app"].id, status="suspended")
    db.commit()
    suspended = _whoami(api, Authorization=f"Bearer {token}")
    assert suspended.status_code == 403 and suspended.json()["error"]["type"] == "consumer_suspended"
    consumers.set_status(db, actor=setting.admin, app_id=issued["app"].id, status="active")
    consumers.revoke_credential(db, actor=setting.admin, credential_id=issued["client"].credential.id)
    db.commit()
    revoked = _whoami(api, Authorization=f"Bearer {token}")  # the token has not expired: refused all the same
    assert revoked.status_code == 401 and "thu hồi" in revoked.json()["error"]["message"]


def test_an_api_key_works_until_revoked_and_only_administrators_manage_consumers(
    api: TestClient, issued: dict[str, Any], db: Session, setting: Setting
) -> None:
    assert _whoami(api, **{"X-API-Key": issued["key"].secret}).json()["kind"] == "api_key"
    assert _whoami(api, **{"X-API-Key": issued["client"].secret}).status_code == 401  # a client secret is not an API key
    consumers.revoke_credential(db, actor=setting.admin, credential_id=issued["key"].credential.id)
    db.commit()
    assert _whoami(api, **{"X-API-Key": issued["key"].secret}).status_code == 401
    with pytest.raises(Forbidden):
        consumers.issue_credential(db, actor=setting.steward, app_id=issued["app"].id, kind="api_key")


def test_the_administrator_manages_consumers_on_their_page(api: TestClient, setting: Setting, db: Session) -> None:
    from tests.web.conftest import login, post

    agency_id = str(f.unit(db, "Sở Khoa học và Công nghệ Đà Nẵng", kind=OrgKind.AGENCY).id)
    db.commit()
    login(api, "canbo", f.PASSWORD)
    assert api.get("/consumers").status_code == 403  # a unit's steward: not theirs
    api.cookies.clear()
    login(api, "quantri", f.PASSWORD)
    page = api.get("/consumers").text
    assert "Sở Khoa học và Công nghệ Đà Nẵng" in page
    assert post(api, "/consumers", {"organization_id": agency_id, "name": " "}).status_code == 422
    assert post(api, "/consumers", {"organization_id": agency_id, "name": "Cổng dịch vụ công Đà Nẵng"}).status_code == 303
    app = db.scalar(select(consumers.ConsumerApp))
    assert app is not None
    shown = post(api, f"/consumers/{app.id}/credentials", {"kind": "client_secret"})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    secret = shown.text.split('id="new-secret" readonly value="')[1].split('"')[0]
    assert secret.startswith("kcs_")
    credential = db.scalar(select(ConsumerCredential))
    assert credential is not None and credential.secret_digest != secret
    token = api.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=_basic(credential.client_id, secret))
    assert token.status_code == 200
    assert post(api, f"/consumers/credentials/{credential.id}/revoke").status_code == 303
    assert "Đã thu hồi" in api.get("/consumers").text
    no_reason = post(api, f"/consumers/{app.id}/status", {"status": "suspended"})
    assert no_reason.status_code == 422 and "Hãy nêu nội dung, lý do" in no_reason.text
    assert (
        post(api, f"/consumers/{app.id}/status", {"status": "suspended", "reason": "Vi phạm quy chế khai thác dữ liệu."}).status_code == 303
    )
    assert "Tạm dừng" in api.get("/consumers").text
    assert post(api, f"/consumers/{app.id}/status", {"status": "active"}).status_code == 303
