"""Secrets kept at rest: the passwords and tokens of data sources, a peer node's client secret,
the national portal's token. Encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from
`cryptography`): an edited or truncated value is refused, never decrypted to garbage.

Keys come from settings: KETNOI_SECRETS_KEYS holds one or more Fernet keys, comma-separated; the
first encrypts and every one decrypts (MultiFernet), so a key is rotated by putting a new one
first and re-encrypting (`ketnoi key rotate-secrets`), then removing the old one. When the setting
is empty, one key is derived from the node's secret key (HKDF-SHA256): enough on one machine, but
a production node sets its own and keeps it apart from the database's backups, so that a stolen
backup does not carry its own key.

A sealed value is never shown back: pages and the API say only whether one is kept (`MASK`).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ketnoi.kit.errors import DomainError
from ketnoi.settings import get_settings

PREFIX = "fernet:"  # marks a sealed value, so that a plain one can never be taken for it
MASK = "••••••••"


class SecretUnreadable(DomainError):
    """The value was sealed with a key this node no longer has (or was altered)."""

    status = 500
    type = "secret_unreadable"


def seal(plain: str) -> str:
    """The encrypted form of `plain`, to be stored."""
    return PREFIX + _box().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    """The plain value of a stored secret; SecretUnreadable when no key of this node opens it."""
    if not sealed.startswith(PREFIX):
        raise SecretUnreadable("Giá trị bí mật đã lưu không đúng dạng mã hoá.")
    try:
        return _box().decrypt(sealed[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "Không giải mã được giá trị bí mật đã lưu: khoá KETNOI_SECRETS_KEYS đã đổi hoặc giá trị bị sửa. Hãy nhập lại giá trị."
        ) from None


def reseal(sealed: str) -> str:
    """The same secret under the first (newest) key: the rotation step."""
    if not sealed.startswith(PREFIX):
        raise SecretUnreadable("Giá trị bí mật đã lưu không đúng dạng mã hoá.")
    try:
        return PREFIX + _box().rotate(sealed[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("Không khoá nào trong KETNOI_SECRETS_KEYS mở được giá trị này: hãy nhập lại giá trị.") from None


def new_key() -> str:
    """A fresh key for KETNOI_SECRETS_KEYS."""
    return Fernet.generate_key().decode()


@lru_cache(maxsize=4)
def _box_for(keys: str, secret_key: str) -> MultiFernet:
    listed = [k.strip() for k in keys.split(",") if k.strip()]
    if listed:
        try:
            return MultiFernet([Fernet(k.encode()) for k in listed])
        except ValueError:
            raise ValueError("KETNOI_SECRETS_KEYS: each key must be 32 bytes in URL-safe base64 (ketnoi key new-secrets-key)") from None
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ketnoi secrets at rest").derive(secret_key.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def _box() -> MultiFernet:
    settings = get_settings()
    return _box_for(settings.secrets_keys, settings.resolved_secret_key())
