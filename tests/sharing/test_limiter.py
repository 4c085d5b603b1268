"""Rates and quotas in Redis are exact across processes: two processes hit one grant at once."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/14"
HITS_PER_PROCESS = 60

# One process of a scaled-out node: it counts its hits of the grant and says how many were let through.
WORKER = """
import sys, uuid
from limits.storage import RedisStorage
from ketnoi.sharing import limiter
from ketnoi.sharing.grants import Grant
from ketnoi.sharing.models import SharingService

grant = Grant(id=uuid.UUID(sys.argv[1]), rate_per_minute=int(sys.argv[2]) or None, quota_per_day=int(sys.argv[3]) or None)
store = RedisStorage(sys.argv[4], key_prefix="ketnoi-test-limits")
allowed = 0
for _ in range(int(sys.argv[5])):
    try:
        limiter.check(grant, SharingService(rate_limit_per_minute=None), store=store)
        allowed += 1
    except limiter.RateLimited:
        pass
print(allowed)
"""


@pytest.fixture(autouse=True)
def _redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (.ci/run starts it)")


def _two_processes(rate: int, quota: int) -> int:
    grant_id = str(uuid.uuid4())
    args = [sys.executable, "-c", WORKER, grant_id, str(rate), str(quota), REDIS_URL, str(HITS_PER_PROCESS)]
    running = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in running]
    assert all(p.returncode == 0 for p in running)
    return sum(int(out.strip()) for out in outputs)


def test_a_daily_quota_is_exact_across_two_processes() -> None:
    assert _two_processes(rate=0, quota=75) == 75


def test_a_rate_is_exact_across_two_processes() -> None:
    if 60 - time.time() % 60 < 15:  # a minute's window must not end while the processes count
        time.sleep(60 - time.time() % 60 + 0.5)
    assert _two_processes(rate=45, quota=0) == 45
