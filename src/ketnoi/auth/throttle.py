"""Password guessing stopped two ways: an account locks after repeated failures, and an address that
fails too often is made to wait, whatever names it tries.

- **Per account** (the database): each failed password adds one to `users.failed_logins` with one
  atomic UPDATE, so two app processes count every attempt; at KETNOI_LOGIN_MAX_FAILURES the account
  is locked for KETNOI_LOGIN_LOCKOUT_MINUTES (audited). While locked, no password is checked at all,
  so the lock is no oracle. A right password resets the count; an administrator may unlock early
  (`ketnoi user unlock NAME`).
- **Per address** (the `limits` counters: memory in one process, Redis across processes): more than
  KETNOI_LOGIN_ADDRESS_FAILURES failures from one client address in 15 minutes answer 429 with the
  wait, against spraying one password over many names (which no account lock would see).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import update
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.auth.models import User
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError, Unauthenticated
from ketnoi.settings import get_settings
from ketnoi.sharing.limiter import storage
from ketnoi.workcal.service import VN

ADDRESS_WINDOW_MINUTES = 15


class TooManyAttempts(DomainError):
    status = 429
    type = "too_many_attempts"


class AccountLocked(Unauthenticated):
    type = "account_locked"


def _address_limit() -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(get_settings().login_address_failures, ADDRESS_WINDOW_MINUTES)


def check_address(address: str | None) -> None:
    """Refused (429) while this address is over its failures; nothing counted here."""
    if not address:
        return
    limiter, item = FixedWindowRateLimiter(storage()), _address_limit()
    if not limiter.test(item, "login", address):
        wait = math.ceil(limiter.get_window_stats(item, "login", address).reset_time - time.time())
        minutes = max(1, math.ceil(wait / 60))
        raise TooManyAttempts(
            "Có quá nhiều lần đăng nhập sai từ địa chỉ này: hãy thử lại sau {minutes} phút.",
            values={"minutes": minutes},
            retry_after=max(wait, 1),
        )


def address_failed(address: str | None) -> None:
    if address:
        FixedWindowRateLimiter(storage()).hit(_address_limit(), "login", address)


def check_unlocked(user: User, now: datetime) -> None:
    """AccountLocked, naming until when, while the account is locked."""
    if user.locked_until is not None and _aware(user.locked_until) > now:
        until = _aware(user.locked_until).astimezone(VN)
        raise AccountLocked(
            "Tài khoản tạm khoá do đăng nhập sai nhiều lần, đến {time} ngày {date} (giờ Việt Nam). Quản trị viên có thể mở khoá sớm.",
            values={"time": f"{until:%H:%M}", "date": f"{until:%d/%m/%Y}"},
        )


def account_failed(session: Session, user: User, now: datetime) -> None:
    """One more failure of this account (atomic across processes); locked when it reaches the limit."""
    settings = get_settings()
    failures = session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
    ).scalar_one()
    if failures >= settings.login_max_failures:
        until = now + timedelta(minutes=settings.login_lockout_minutes)
        session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until))
        audit.record(
            session,
            actor=system_actor(),
            action="lock",
            entity_type="user",
            entity_id=user.id,
            entity_label=user.username,
            changes={"locked_until": [None, until.isoformat()], "failed_logins": [failures, 0]},
        )
    session.expire(user, ["failed_logins", "locked_until"])


def succeeded(user: User) -> None:
    user.failed_logins, user.locked_until = 0, None


def unlock(session: Session, user: User) -> bool:
    """Lift a lock (an administrator's act, audited by the caller's command); False when there was none."""
    locked = user.locked_until is not None and _aware(user.locked_until) > utcnow()
    user.failed_logins, user.locked_until = 0, None
    return locked


def _aware(moment: datetime) -> datetime:
    """SQLite gives times back without their zone; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
