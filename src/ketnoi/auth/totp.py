"""Two-factor sign-in with a one-time code (TOTP, RFC 6238: the codes of Google Authenticator, Microsoft
Authenticator, FreeOTP…), required of administrators unless KETNOI_ADMIN_TOTP_REQUIRED is false.

After a right password, an enrolled account is not signed in yet: the browser gets a short-lived
signed "pending" cookie naming the account, and the session starts only once a current code is
typed (/login/2fa). An administrator who has not enrolled is taken to enrolment instead
(/login/2fa/setup): a new secret, shown as a QR code and as text, becomes the account's only when a
code made from it is typed back. The secret is sealed at rest (kit.secretbox); a code is accepted
once (its time step must be later than the last one used: no replay) and within one step of drift;
wrong codes count as failures towards the account's lock (auth.throttle). A lost phone: an operator
runs `ketnoi user reset-2fa NAME`, and the next sign-in enrols again.
Any other account may turn it on for itself (/account/2fa), and off again with a current code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.auth import throttle
from ketnoi.auth.models import User
from ketnoi.authz import Actor, Role
from ketnoi.identity import system_actor
from ketnoi.kit import secretbox
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Forbidden, Unauthenticated
from ketnoi.settings import get_settings

ISSUER = "ketnoi"
PENDING_SECONDS = 300  # the code must follow the password within five minutes
VERIFY, ENROL = "verify", "enrol"


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into an app that cannot scan
    uri: str  # otpauth://…
    qr_svg: str  # a data: URI of the QR code (the pages' CSP allows data: images only)


def required_for(user: User) -> bool:
    return user.role == Role.ADMIN and get_settings().admin_totp_required


def enrolled(user: User) -> bool:
    return user.totp_secret is not None


def next_step(user: User) -> str | None:
    """What a right password leads to: VERIFY (a code), ENROL (first a secret), or None (signed in)."""
    if enrolled(user):
        return VERIFY
    return ENROL if required_for(user) else None


# ---- the pending cookie: the account, the step and an expiry, signed with the node's secret key ----


def _mac(payload: str) -> str:
    key = hashlib.sha256(b"ketnoi totp pending " + get_settings().resolved_secret_key().encode()).digest()
    return base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def pending_token(user: User, step: str, *, now: float | None = None) -> str:
    payload = f"{user.id}.{step}.{int((now or time.time()) + PENDING_SECONDS)}"
    return f"{payload}.{_mac(payload)}"


def read_pending(token: str | None, step: str, *, now: float | None = None) -> uuid.UUID:
    """The account a pending cookie names for this step; Unauthenticated when it is missing, forged or old."""
    expired = Unauthenticated("Phiên đăng nhập đã hết hạn: hãy nhập lại tên đăng nhập và mật khẩu.")
    parts = (token or "").split(".")
    if len(parts) != 4:
        raise expired
    user_id, named_step, expires, mac = parts
    payload = f"{user_id}.{named_step}.{expires}"
    if not hmac.compare_digest(mac, _mac(payload)) or named_step != step or not expires.isdigit() or int(expires) < (now or time.time()):
        raise expired
    try:
        return uuid.UUID(user_id)
    except ValueError:
        raise expired from None


# ---- enrolment and codes ----


def begin_enrolment(user: User) -> Enrolment:
    """A new secret for the account, kept aside (sealed) until a code made from it comes back."""
    secret = pyotp.random_base32()
    user.totp_pending = secretbox.seal(secret)
    return _shown(user, secret)


def shown_enrolment(user: User) -> Enrolment:
    """The secret being enrolled, shown again (a refused code keeps the same QR)."""
    if user.totp_pending is None:
        return begin_enrolment(user)
    return _shown(user, secretbox.unseal(user.totp_pending))


def _shown(user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri, segno.make(uri, error="m").svg_data_uri(scale=5))


def confirm_enrolment(session: Session, user: User, code: str) -> None:
    """The pending secret becomes the account's, once a current code from it is typed."""
    if user.totp_pending is None:
        raise Unauthenticated("Chưa có mã bí mật đang đăng ký: hãy tải lại trang.")
    secret = secretbox.unseal(user.totp_pending)
    step = _matching_step(secret, code, after=None)
    if step is None:
        throttle.account_failed(session, user, utcnow())
        raise Unauthenticated("Mã xác thực không đúng: hãy nhập mã 6 chữ số đang hiện trong ứng dụng.")
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    audit.record(
        session, actor=system_actor(), action="totp_enrol", entity_type="user", entity_id=user.id, entity_label=user.username,
        changes={"totp": [None, "đã bật"]},
    )  # fmt: skip


def verify(session: Session, user: User, code: str) -> None:
    """A current code of the account, not used before; Unauthenticated otherwise (counted as a failure)."""
    throttle.check_unlocked(user, utcnow())
    step = _matching_step(secretbox.unseal(user.totp_secret or ""), code, after=user.totp_last_step)
    if step is None:
        throttle.account_failed(session, user, utcnow())
        raise Unauthenticated("Mã xác thực không đúng hoặc đã dùng: hãy nhập mã 6 chữ số mới.")
    user.totp_last_step = step
    throttle.succeeded(user)


def reset(session: Session, user: User, *, actor: Actor | None = None) -> bool:
    """Forget the account's secret (a lost phone): the next sign-in enrols again. False when none was kept."""
    had = enrolled(user)
    user.totp_secret, user.totp_pending, user.totp_last_step = None, None, None
    audit.record(
        session, actor=actor or system_actor(), action="totp_reset", entity_type="user", entity_id=user.id, entity_label=user.username,
        changes={"totp": ["đã bật" if had else None, None]},
    )  # fmt: skip
    return had


# ---- a signed-in account's own choice (/account/2fa) ----


def own_account(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise Unauthenticated("Cần đăng nhập.")
    return user


def own_enrolment(session: Session, actor: Actor) -> Enrolment:
    """The secret the account is enrolling (the same one until a code confirms it)."""
    user = own_account(session, actor)
    if enrolled(user):
        raise Conflict("Xác thực hai lớp đã được bật cho tài khoản này.")
    return shown_enrolment(user)


def confirm_own(session: Session, actor: Actor, code: str) -> None:
    user = own_account(session, actor)
    if enrolled(user):
        raise Conflict("Xác thực hai lớp đã được bật cho tài khoản này.")
    confirm_enrolment(session, user, code)


def turn_off_own(session: Session, actor: Actor, code: str) -> None:
    """Off again, with a current code (a stolen session alone cannot do it); never where it is required."""
    user = own_account(session, actor)
    if required_for(user):
        raise Forbidden("Tài khoản quản trị bắt buộc dùng xác thực hai lớp: không thể tắt.")
    if not enrolled(user):
        raise Conflict("Xác thực hai lớp chưa được bật.")
    verify(session, user, code)
    reset(session, user, actor=actor)


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    """The time step (30 s) whose code this is, among now and one step either side; None if none or already used."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp, now = pyotp.TOTP(secret), int(time.time())
    for offset in (0, -1, 1):
        moment = now + offset * totp.interval
        if hmac.compare_digest(totp.at(moment), code):
            step = moment // totp.interval
            return step if after is None or step > after else None
    return None
