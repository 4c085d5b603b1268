"""private_key_jwt (a replayed, expired or misaddressed assertion refused), certificate-bound credentials
(RFC 8705), rotation with a grace period, and tokens revoked, expired, of another audience or not ours."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.settings import get_settings
from ketnoi.sharing import client_keys, consumers
from ketnoi.sharing.consumers import ConsumerApp
from tests.sharing.conftest import World, ask_connection

TOKEN_URL = "http://testserver/oauth/token"
CERT_HEADER = "X-SSL-Client-Cert"


def _pem(public: Any) -> str:
    return str(public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())


def _assertion(key: Any, client_id: str, *, aud: str = TOKEN_URL, life: int = 60, jti: str | None = None, alg: str = "EdDSA") -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + life, "jti": jti or secrets.token_hex(8)}
    return jwt.encode(claims, key, algorithm=alg)


def _token(api: TestClient, assertion: str, headers: dict[str, str] | None = None) -> Any:
    form = {"grant_type": "client_credentials", "client_assertion_type": client_keys.ASSERTION_TYPE, "client_assertion": assertion}
    return api.post("/oauth/token", data=form, headers=headers or {})


def _app(db: Session) -> ConsumerApp:
    return db.query(ConsumerApp).filter(ConsumerApp.name == "Hệ thống của Văn phòng Chính phủ").one()


def _certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cong-dvc.gov.vn")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_private_key_jwt_and_a_replayed_or_misaddressed_assertion(api: TestClient, gateway: World, db: Session) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    issued = client_keys.register_key(db, actor=gateway.setting.admin, app_id=_app(db).id, public_key_pem=_pem(key.public_key()),
                                      certificate_pem=None)  # fmt: skip
    db.commit()
    client_id = issued.credential.client_id
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    assertion = _assertion(key, client_id)
    answered = _token(api, assertion)
    assert answered.status_code == 200, answered.text
    bearer = {"Authorization": f"Bearer {answered.json()['access_token']}"}
    assert api.get("/x/whoami", headers=bearer).json()["kind"] == "private_key_jwt"
    assert api.get("/x/DV.MACDINH/records", headers=bearer).status_code == 200
    replayed = _token(api, assertion)
    assert replayed.status_code == 401 and "jti" in replayed.json()["error_description"]
    for bad, why in (
        (_assertion(key, client_id, aud="https://another-node/oauth/token"), "aud"),
        (_assertion(key, client_id, life=-10), "hết hạn"),
        (_assertion(key, client_id, life=3600), "5 phút"),
        (_assertion(ed25519.Ed25519PrivateKey.generate(), client_id), "chữ ký"),
        (_assertion(key, "app-khongco"), "không đúng"),
    ):
        refused = _token(api, bad)
        assert refused.status_code == 401 and why in refused.json()["error_description"], (why, refused.text)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    other = client_keys.register_key(db, actor=gateway.setting.admin, app_id=_app(db).id, public_key_pem=_pem(ec_key.public_key()),
                                     certificate_pem=None)  # fmt: skip
    db.commit()
    assert _token(api, _assertion(ec_key, other.credential.client_id, alg="ES256", aud="ketnoi")).status_code == 200


def test_registering_a_key_says_what_is_wrong(api: TestClient, gateway: World, db: Session) -> None:
    admin, app_id = gateway.setting.admin, _app(db).id
    from ketnoi.kit.errors import Invalid

    for pem, field in (("", "public_key"), ("-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", "public_key")):
        with pytest.raises(Invalid) as refused:
            client_keys.register_key(db, actor=admin, app_id=app_id, public_key_pem=pem, certificate_pem=None)
        assert field in refused.value.fields
    with pytest.raises(Invalid) as bad_cert:
        client_keys.register_key(db, actor=admin, app_id=app_id, public_key_pem=_pem(ed25519.Ed25519PrivateKey.generate().public_key()),
                                 certificate_pem="không phải chứng thư")  # fmt: skip
    assert "certificate" in bad_cert.value.fields


def test_a_certificate_bound_credential_needs_its_certificate(
    api: TestClient, gateway: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "client_cert_header", CERT_HEADER)
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    mine, theirs = _certificate(), _certificate()
    issued = consumers.issue_credential(db, actor=gateway.setting.admin, app_id=_app(db).id, kind="client_secret")
    client_keys.bind_certificate(db, actor=gateway.setting.admin, credential=issued.credential, certificate_pem=mine)
    db.commit()
    token = api.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(issued.credential.client_id, issued.secret))
    assert token.status_code == 200
    claims = jwt.decode(token.json()["access_token"], options={"verify_signature": False})
    assert claims["cnf"]["x5t#S256"] == client_keys.thumbprint_of(mine)
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    with_mine = bearer | {CERT_HEADER: quote(mine)}
    assert api.get("/x/DV.MACDINH/records", headers=with_mine).status_code == 200
    for headers in (bearer, bearer | {CERT_HEADER: quote(theirs)}):
        refused = api.get("/x/DV.MACDINH/records", headers=headers)
        assert refused.status_code == 401 and "mTLS" in refused.json()["error"]["message"]
    monkeypatch.setattr(get_settings(), "client_cert_header", None)  # no proxy passing certificates: the header is ignored
    assert api.get("/x/DV.MACDINH/records", headers=with_mine).status_code == 401


def test_rotation_keeps_the_old_secret_for_a_grace_period_then_refuses_it(api: TestClient, gateway: World, db: Session) -> None:
    app = _app(db)
    old = consumers.issue_credential(db, actor=gateway.setting.admin, app_id=app.id, kind="api_key")
    new = consumers.rotate_credential(db, actor=gateway.setting.admin, credential_id=old.credential.id)
    db.commit()
    assert new.credential.kind == "api_key" and new.secret != old.secret
    for secret in (old.secret, new.secret):
        assert api.get("/x/whoami", headers={"X-API-Key": secret}).status_code == 200
    old.credential.revoked_at = consumers.utcnow() - timedelta(seconds=1)  # the grace period is over
    db.commit()
    assert api.get("/x/whoami", headers={"X-API-Key": old.secret}).status_code == 401
    assert api.get("/x/whoami", headers={"X-API-Key": new.secret}).status_code == 200


def test_tokens_expired_of_another_audience_or_signed_by_another_key_are_refused(api: TestClient, gateway: World, db: Session) -> None:
    issued = consumers.issue_credential(db, actor=gateway.setting.admin, app_id=_app(db).id, kind="client_secret")
    db.commit()
    consumer = consumers.Consumer(_app(db), issued.credential)
    expired, _ = consumers.access_token(consumer, consumers.utcnow() - timedelta(minutes=10))
    stranger = jwt.encode({"sub": issued.credential.client_id, "aud": consumers.AUDIENCE, "iss": "ketnoi", "exp": int(time.time()) + 60},
                          ed25519.Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "khongco"})  # fmt: skip
    from ketnoi.kit import nodekey

    node = nodekey.node_key()
    elsewhere = jwt.encode({"sub": issued.credential.client_id, "aud": "another-gateway", "iss": "ketnoi", "exp": int(time.time()) + 60},
                           node.private, algorithm="EdDSA", headers={"kid": node.key_id})  # fmt: skip
    for token, why in ((expired, "hết hạn"), (stranger, "khoá không rõ"), (elsewhere, "aud")):
        refused = api.get("/x/whoami", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401 and why in refused.json()["error"]["message"], why
