"""The rate and the daily quota of each grant, counted with the `limits` library.

Counters live in memory in a single process (the embedded default) and in Redis when
KETNOI_REDIS_URL is set, where every count is one atomic INCR: exact across any number of
processes. The rate is a fixed one-minute window (the service's capacity, or the grant's own
limit); the quota counts the requests of a day in Vietnam's time (the key carries the date, so
the count restarts at midnight in Hanoi, not in UTC).
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError
from ketnoi.settings import get_settings
from ketnoi.sharing.grants import Grant
from ketnoi.sharing.models import SharingService
from ketnoi.workcal.service import VN

DAY_SECONDS = 86_400


class RateLimited(DomainError):
    status = 429
    type = "rate_limited"


class QuotaExceeded(RateLimited):
    type = "quota_exceeded"


@lru_cache
def storage() -> Storage:
    url = get_settings().redis_url
    return RedisStorage(url, key_prefix="ketnoi-limits") if url else MemoryStorage()


def check(grant: Grant, service: SharingService, *, store: Storage | None = None) -> None:
    """Count one request of the grant; refused (429, with the seconds to wait) beyond its rate or quota."""
    store = store or storage()
    per_minute = grant.rate_per_minute or service.rate_limit_per_minute
    if per_minute:
        item = RateLimitItemPerMinute(per_minute)
        limiter = FixedWindowRateLimiter(store)
        if not limiter.hit(item, "grant", str(grant.id)):
            wait = math.ceil(limiter.get_window_stats(item, "grant", str(grant.id)).reset_time - time.time())
            raise RateLimited(
                "Vượt tốc độ {per_minute} lần gọi mỗi phút của quyền khai thác.",
                values={"per_minute": per_minute},
                retry_after=max(wait, 1),
            )
    if grant.quota_per_day:
        now = utcnow().astimezone(VN)
        used = store.incr(f"quota/{grant.id}/{now:%Y-%m-%d}", expiry=2 * DAY_SECONDS)
        if used > grant.quota_per_day:
            midnight = (now.replace(hour=0, minute=0, second=0, microsecond=0) - now).total_seconds() + DAY_SECONDS
            raise QuotaExceeded(
                "Đã dùng hết hạn mức {quota} lần gọi trong ngày.", values={"quota": grant.quota_per_day}, retry_after=math.ceil(midnight)
            )
