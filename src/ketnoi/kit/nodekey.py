"""The node's Ed25519 signing key: what this platform signs with (exchange-log checkpoints, and
the signed responses of the gateway to come). Verifiers need only its public half and key id.

Generated on first use into var/ (mode 0600) unless KETNOI_NODE_KEY_FILE names a PEM file; the
key id is the start of the SHA-256 of the raw public key, so a rotated key gets a new id.
`rotate()` keeps the old key's public half only (under var/node_keys_retired/), so what it signed
still verifies and is published in the JWKS, while nothing can be signed with it any more.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ketnoi.kit.onefile import create_once
from ketnoi.settings import get_settings


@dataclass(frozen=True)
class NodeKey:
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def sign(self, message: bytes) -> str:
        return base64.urlsafe_b64encode(self.private.sign(message)).decode().rstrip("=")


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@lru_cache
def node_key() -> NodeKey:
    path = _path()
    # Processes starting together on a fresh node must all end up with the one key (kit.onefile).
    pem = create_once(path, lambda: _private_pem(Ed25519PrivateKey.generate()))
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return NodeKey(key_id_of(private.public_key()), private)


@lru_cache
def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every key that may have signed something: the current one first, then the retired ones
    (read once per process: every gateway request checks a token with them)."""
    current = node_key()
    keys = {current.key_id: current.public}
    for pem in sorted(_retired_dir().glob("*.pem")):
        public = serialization.load_pem_public_key(pem.read_bytes())
        if isinstance(public, Ed25519PublicKey):
            keys.setdefault(key_id_of(public), public)
    return keys


def rotate() -> NodeKey:
    """A new signing key; the old one's public half is kept for verification, its private half dropped."""
    old = node_key()
    retired = _retired_dir() / f"{old.key_id}.pem"
    retired.write_bytes(old.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    path = _path()
    fresh = path.with_name(path.name + ".new")
    fresh.unlink(missing_ok=True)
    _write_private(fresh, Ed25519PrivateKey.generate())
    fresh.replace(path)  # atomic: the node never has no key
    node_key.cache_clear()
    public_keys.cache_clear()
    return node_key()


def jwks() -> dict[str, object]:
    """The public keys as a JSON Web Key Set (RFC 8037: OKP, Ed25519)."""
    keys = []
    for key_id, public in public_keys().items():
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        keys.append({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id, "use": "sig", "alg": "EdDSA"})
    return {"keys": keys}


def keys_from_jwks(document: dict[str, object]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JSON Web Key Set (another node's /.well-known/jwks.json), by key id."""
    found = {}
    listed = document.get("keys")
    for jwk in listed if isinstance(listed, list) else []:
        if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and isinstance(jwk.get("x"), str):
            raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
            found[str(jwk.get("kid"))] = Ed25519PublicKey.from_public_bytes(raw)
    return found


def _retired_dir() -> Path:
    path = get_settings().ensure_var_dir() / "node_keys_retired"
    path.mkdir(exist_ok=True)
    return path


def _private_pem(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _write_private(path: Path, private: Ed25519PrivateKey) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, even briefly
    with os.fdopen(descriptor, "wb") as out:
        out.write(_private_pem(private))


def _path() -> Path:
    settings = get_settings()
    return Path(settings.node_key_file) if settings.node_key_file else settings.ensure_var_dir() / "node_ed25519.pem"
