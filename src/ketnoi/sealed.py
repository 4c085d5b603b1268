"""Every value the platform keeps sealed (kit.secretbox), so that a new key can take them all over.

Rotation: put the new key first in KETNOI_SECRETS_KEYS, keep the old one after it, run
`ketnoi key rotate-secrets` (each value is decrypted with whichever key opens it and sealed again
with the first), then remove the old key. A value sealed by a key no longer listed stops the
command before anything is written, naming where it is: it must be typed in again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.connectors.models import DataSource
from ketnoi.federation.models import Peer
from ketnoi.kit import secretbox

SEALED: tuple[tuple[Any, str, str, str], ...] = (  # model, column, what it is, the column naming a record
    (DataSource, "secret", "nguồn dữ liệu", "name"),
    (Peer, "client_secret", "nút ngang hàng", "name"),
    (User, "totp_secret", "mã xác thực hai lớp của tài khoản", "username"),
    (User, "totp_pending", "mã xác thực đang đăng ký của tài khoản", "username"),
)


def reseal_all(session: Session) -> int:
    """Seal every stored secret again under the first key, in the caller's transaction; how many."""
    count = 0
    for model, column, label, naming in SEALED:
        attribute = getattr(model, column)
        for record in session.scalars(select(model).where(attribute.is_not(None))):
            try:
                setattr(record, column, secretbox.reseal(getattr(record, column)))
            except secretbox.SecretUnreadable as exc:
                raise secretbox.SecretUnreadable(
                    "{label} «{name}»: {error}", values={"label": label, "name": getattr(record, naming), "error": exc.message}
                ) from None
            count += 1
    return count
