"""Accounts, login sessions and API tokens.

Passwords are argon2 hashes. Session cookies and API tokens are random 256-bit secrets; only
their SHA-256 is stored (they are too long to guess, so a slow hash adds nothing), so a copy of
the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.auth import throttle
from ketnoi.auth.models import ApiToken, LoginSession, User
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.db import SQLITE_BUSY_TIMEOUT_MS, after_commit, unit_of_work
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.vn import nfc

_hasher = PasswordHasher()
log = logging.getLogger("ketnoi.auth")
_USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
TOKEN_PREFIX = "kn_"  # noqa: S105 (a marker that makes leaked tokens recognisable, not a secret)
MIN_PASSWORD = 10


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    full_name: str,
    password: str,
    role: str,
    unit_id: uuid.UUID | None = None,
    email: str | None = None,
) -> User:
    authz.require(actor, Action.CREATE, Kind.USER)
    username = username.strip().lower()
    errors: dict[str, str] = {}
    if not _USERNAME.match(username):
        errors["username"] = "Tên đăng nhập gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới."
    if role not in {r.value for r in Role if r is not Role.PUBLIC}:
        errors["role"] = "Vai trò không hợp lệ."
    if role == Role.STEWARD and unit_id is None:
        errors["unit_id"] = "Cán bộ quản lý dữ liệu phải thuộc một đơn vị."
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự."
    if not full_name.strip():
        errors["full_name"] = "Họ tên là bắt buộc."
    if errors:
        raise Invalid("Dữ liệu không hợp lệ.", fields=errors)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("Tên đăng nhập đã tồn tại.", fields={"username": "Tên đăng nhập đã tồn tại."})
    user = User(
        username=username,
        full_name=nfc(full_name),
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        email=email,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="user",
        entity_id=user.id,
        entity_label=username,
        changes={"username": [None, username], "role": [None, role]},
    )
    return user


def authenticate(session: Session, *, username: str, password: str, address: str | None = None) -> User:
    """The active user with these credentials, or Unauthenticated (same message either way); a locked
    account or an address over its failures is refused before any password is checked (auth.throttle).
    A failure is counted in the caller's transaction, which must be committed even though this raises."""
    throttle.check_address(address)
    now = utcnow()
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    failure = Unauthenticated("Tên đăng nhập hoặc mật khẩu không đúng.")
    if user is None or not user.is_active:
        _hasher.hash(password)  # spend the same time as a real check: no user enumeration by timing
        throttle.address_failed(address)
        raise failure
    throttle.check_unlocked(user, now)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        throttle.address_failed(address)
        throttle.account_failed(session, user, now)
        raise failure from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.succeeded(user)
    user.last_login_at = now
    return user


def start_session(session: Session, *, user: User, hours: int) -> str:
    """A new session with a fresh secret (never reusing one the browser brought: no fixation)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(LoginSession(token_hash=_digest(secret), user_id=user.id, created_at=now, expires_at=now + timedelta(hours=hours)))
    return secret


def end_session(session: Session, *, secret: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(secret)))


def user_for_session(session: Session, *, secret: str) -> User | None:
    row = (
        session.execute(
            select(User, LoginSession.expires_at)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == _digest(secret))
        )
        .tuples()
        .first()
    )
    if row is None:
        return None
    user, expires_at = row
    return user if expires_at > utcnow() and user.is_active else None


def create_token(session: Session, *, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """A new API token for the acting user; the secret is returned once and never stored."""
    if actor.user_id is None:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    name = nfc(name)
    if not name or len(name) > 100:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"name": "Tên token là bắt buộc, tối đa 100 ký tự."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.user_id, name=name, prefix=secret[:10], token_hash=_digest(secret), created_at=utcnow())
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="api_token",
        entity_id=token.id,
        entity_label=name,
        changes={"name": [None, name]},
    )
    return token, secret


def user_for_token(session: Session, *, secret: str) -> User | None:
    row = (
        session.execute(select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_hash == _digest(secret)))
        .tuples()
        .first()
    )
    if row is None:
        return None
    user, token = row
    if token.revoked_at is not None or not user.is_active:
        return None
    now = utcnow()
    # Recorded to the minute, after the request's transaction and in one of its own: written
    # inside the request, the UPDATE would hold SQLite's only write lock for the whole request,
    # and every concurrent call of the same token would queue behind it ("database is locked").
    if (token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY) and _due(token.id, now):
        after_commit(session, lambda: _record_use(token.id, now))
    return user


USE_RECORDED_EVERY = timedelta(minutes=1)
LOCK_WAIT_MS = 100
_recorded: dict[uuid.UUID, datetime] = {}  # this process's last write per token: one attempt a minute


def _due(token_id: uuid.UUID, now: datetime) -> bool:
    last = _recorded.get(token_id)
    if last is not None and now - last <= USE_RECORDED_EVERY:
        return False
    if len(_recorded) > 10_000:
        _recorded.clear()
    _recorded[token_id] = now
    return True


def _record_use(token_id: uuid.UUID, now: datetime) -> None:
    """Best effort: a token's last use is worth less than the request that used it."""
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - USE_RECORDED_EVERY)
    try:
        with unit_of_work() as session, _waiting_briefly(session):
            session.execute(update(ApiToken).where(ApiToken.id == token_id, stale).values(last_used_at=now))
    except OperationalError:  # another write holds the lock (a SQLite load, say): next minute, then
        log.info("token %s: last use not recorded (database busy)", token_id)


@contextmanager
def _waiting_briefly(session: Session) -> Iterator[None]:
    """Wait at most LOCK_WAIT_MS for a lock, not the usual 10 s: the response waits on this write."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
        yield
        return
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    if actor.user_id is None:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    query = select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.created_at.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, *, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("Không tìm thấy token.")
    if token.user_id != actor.user_id and actor.role is not Role.ADMIN:
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="revoke",
            entity_type="api_token",
            entity_id=token.id,
            entity_label=token.name,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


def get_user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound("Không tìm thấy người dùng.", fields={"username": "Không tồn tại."})
    return user


def list_users(session: Session, *, actor: Actor) -> list[User]:
    authz.require(actor, Action.VIEW, Kind.USER)
    return list(session.scalars(select(User).order_by(User.username)))
