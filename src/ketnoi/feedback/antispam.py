"""Keeping robots out of the public forms without a CAPTCHA service.

Five measures, each cheap for a person and costly for a script: a honeypot field hidden by CSS
(a person leaves it empty); a form token signed with the secret key that carries the time the form
was drawn (a post sooner than MIN_FORM_SECONDS after it, or later than MAX_FORM_SECONDS, is
refused: scripts post at once, or replay an old form); limits per sender (SUBMIT_LIMITS,
VOTE_LIMITS) counted in the same `limits` storage as the gateway's rates (memory, or Redis when
KETNOI_REDIS_URL is set); at most three links in a text (schemas); and moderation before anything
is shown. A sender is known only by keyed hashes of its address (and browser, for votes): never
the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from ketnoi.authz import Actor
from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings
from ketnoi.sharing.limiter import storage

MIN_FORM_SECONDS = 3.0  # read at each check, so a test may lower it
MAX_FORM_SECONDS = 2 * 3600
SUBMIT_LIMITS: tuple[RateLimitItem, ...] = (parse("5/10 minutes"), parse("20/day"))
VOTE_LIMITS: tuple[RateLimitItem, ...] = (parse("30/hour"),)
HONEYPOT = "website"
STAMP_FIELD = "form_token"


class TooMany(Invalid):
    """Refused by a limit: shown on the form like any other refusal, with status 429."""

    status = 429
    type = "rate_limited"


@dataclass(frozen=True)
class Client:
    """The sender as the web layer sees it. Only keyed hashes of these are ever stored."""

    address: str
    user_agent: str = ""


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA-256 (64 hex digits) of `value` with the secret key, separated by purpose."""
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"feedback:{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def client_hash(client: Client) -> str:
    return keyed_hash("client", client.address)


def voter_hash(actor: Actor, client: Client) -> str:
    """One voter: a signed-in account, or else an address with its browser."""
    if actor.user_id is not None:
        return keyed_hash("account", str(actor.user_id))
    return keyed_hash("visitor", f"{client.address}|{client.user_agent}")


def issue_token(at: float | None = None) -> str:
    """A token for a form drawn now (or at `at`, seconds since the epoch)."""
    stamp = f"{time.time() if at is None else at:.3f}"
    return f"{stamp}.{keyed_hash('form', stamp)[:32]}"


def check_token(token: str | None, *, now: float | None = None) -> None:
    """Refuse a form not drawn by us, posted too soon after it was drawn, or drawn too long ago."""
    stamp, _, signature = (token or "").rpartition(".")
    try:
        drawn = float(stamp)
    except ValueError:
        drawn = math.nan
    if math.isnan(drawn) or not hmac.compare_digest(signature, keyed_hash("form", stamp)[:32]):
        msg = "Phiên biểu mẫu không hợp lệ. Vui lòng tải lại trang và gửi lại."
        raise Invalid(msg, fields={STAMP_FIELD: "Biểu mẫu không hợp lệ."})
    age = (time.time() if now is None else now) - drawn
    if age < MIN_FORM_SECONDS:
        msg = "Biểu mẫu được gửi quá nhanh sau khi mở. Vui lòng kiểm tra lại nội dung rồi bấm gửi."
        raise Invalid(msg, fields={STAMP_FIELD: "Gửi quá nhanh: hãy chờ vài giây rồi gửi lại."})
    if age > MAX_FORM_SECONDS:
        msg = "Biểu mẫu đã mở quá 2 giờ. Vui lòng gửi lại (nội dung bạn đã viết vẫn còn)."
        raise Invalid(msg, fields={STAMP_FIELD: "Biểu mẫu đã hết hạn."})


def check_form(honeypot: str | None, token: str | None) -> None:
    """The two traps of a public form, the honeypot first (a robot is told so before anything else)."""
    check_honeypot(honeypot)
    check_token(token)


def check_honeypot(value: str | None) -> None:
    if value and value.strip():
        msg = "Biểu mẫu có dấu hiệu được gửi tự động (ô ẩn «Trang web» phải để trống)."
        raise Invalid(msg, fields={HONEYPOT: "Ô này phải để trống."})


def _hit(limits: tuple[RateLimitItem, ...], scope: str, who: str, allowance: str) -> None:
    limiter = FixedWindowRateLimiter(storage())
    for item in limits:
        if not limiter.hit(item, "feedback", scope, who):
            wait = math.ceil(limiter.get_window_stats(item, "feedback", scope, who).reset_time - time.time())
            msg = "Bạn đã gửi quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau."
            raise TooMany(msg, fields={"rate": allowance}, retry_after=max(wait, 1))


def count_submission(client: Client) -> None:
    """Count one submission of this sender; refused (TooMany) beyond SUBMIT_LIMITS."""
    _hit(SUBMIT_LIMITS, "submit", client_hash(client), "Mỗi người gửi được tối đa 5 ý kiến trong 10 phút và 20 ý kiến mỗi ngày.")


def count_vote(client: Client) -> None:
    _hit(VOTE_LIMITS, "vote", client_hash(client), "Mỗi người bình chọn được tối đa 30 lần mỗi giờ.")
