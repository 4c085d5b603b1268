"""The node's signing key: kept private, published as a JWKS, rotated without breaking old signatures."""

from __future__ import annotations

import base64
import stat

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ketnoi.db import unit_of_work
from ketnoi.kit import nodekey
from ketnoi.settings import get_settings
from ketnoi.sharing import evidence
from tests.apps import shared_app
from tests.sharing.test_evidence import _exchange


def _public_of(jwk: dict[str, str]) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))


def test_the_jwks_publishes_the_key_that_signs(engine: Engine) -> None:
    key = nodekey.node_key()
    with TestClient(shared_app()) as client:
        published = client.get("/.well-known/jwks.json").json()["keys"]
    assert published[0] | {"x": ""} == {"kty": "OKP", "crv": "Ed25519", "x": "", "kid": key.key_id, "use": "sig", "alg": "EdDSA"}
    signature = key.sign(b"ketnoi")
    _public_of(published[0]).verify(base64.urlsafe_b64decode(signature + "=="), b"ketnoi")  # raises if it does not verify
    mode = stat.S_IMODE((get_settings().ensure_var_dir() / "node_ed25519.pem").stat().st_mode)
    assert mode == 0o600


def test_a_rotated_key_still_verifies_what_it_signed_and_signs_nothing_more(engine: Engine) -> None:
    with unit_of_work() as session:
        evidence.append(session, _exchange(1))
        signed = evidence.checkpoint(session)
    assert signed is not None
    old = nodekey.node_key()
    new = nodekey.rotate()
    assert new.key_id != old.key_id and nodekey.node_key().key_id == new.key_id
    kids = [k["kid"] for k in nodekey.jwks()["keys"]]  # type: ignore[index]
    assert kids[0] == new.key_id and old.key_id in kids
    retired = get_settings().ensure_var_dir() / "node_keys_retired" / f"{old.key_id}.pem"
    assert b"PUBLIC KEY" in retired.read_bytes() and b"PRIVATE" not in retired.read_bytes()
    with unit_of_work() as session:
        result = evidence.verify(session)
    assert result.ok and result.checkpoints == 1  # signed by the retired key, still good
