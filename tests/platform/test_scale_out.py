"""Scale-out (issue 9, item 1): two `ketnoi serve` processes (one of them `--workers 2`) and two
competing `ketnoi worker` processes on the suite's PostgreSQL and on Redis, and then Debian's nginx
in front of them with the config docs/deploy.md ships. Everything through real HTTP: a quota and a
rate are exact across the processes, a session and its CSRF token work on either, each job runs
once, the exchange log stays one unbroken chain, and nginx forwards what it should.

PostgreSQL only: SQLite is the embedded, one-machine default; the PostgreSQL half of `make test`
runs these.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import LoginSession
from ketnoi.catalog import items
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.datastore.tasks import INGEST
from ketnoi.identity import system_actor
from ketnoi.jobs.models import Job, JobStatus
from ketnoi.jobs.queue import RUN_TASK, make_huey, run_job
from ketnoi.settings import Settings
from ketnoi.sharing import evidence
from ketnoi.sharing.evidence import ExchangeRecord
from ketnoi.web.middleware import TOO_LARGE
from ketnoi.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests import factories as f
from tests.datastore.conftest import as_csv
from tests.platform.node import ADDRESS_FAILURES, KETNOI, MAX_UPLOAD_MB, NGINX, REDIS_URL, Node, wait_for
from tests.platform.proxy import Proxy
from tests.sharing.conftest import Setting, World, agree, ask_connection

pytestmark = pytest.mark.skipif(
    not os.environ["KETNOI_DATABASE_URL"].startswith("postgresql"),
    reason="scale-out runs on PostgreSQL and Redis (the PostgreSQL half of `make test`); SQLite is the one-process default",
)

THREADS = 8


@pytest.fixture(scope="module")
def node(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (.ci/run starts it)")
    store.flushdb()  # this file's database only: the queue and the counters start empty
    started = Node(tmp_path_factory.mktemp("node"))
    try:
        started.start()
        yield started
    finally:
        started.stop()


@pytest.fixture(autouse=True)
def _running(node: Node) -> None:
    """Every process up at the start of each test (a test that kills one leaves it dead)."""
    node.start()


def _concurrently(calls: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """GET each (url, headers) from THREADS threads at once."""
    with httpx.Client(timeout=60) as http, ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda call: http.get(call[0], headers=call[1]), calls))


def _decide(api: TestClient, gateway: World, key: dict[str, str], **decision: object) -> None:
    asked = ask_connection(api, key, "DV.DACTHU", ["ma_nhiem_vu"])
    decided = api.post(
        f"/api/v1/connection-requests/{asked['id']}/decision",
        json={"approve": True, **decision},
        headers=gateway.setting.headers["steward"],
    )
    assert decided.status_code == 200, decided.text
    agree(api, gateway, key, asked["id"])


def test_a_daily_quota_and_a_rate_are_exact_across_both_processes(api: TestClient, gateway: World, node: Node) -> None:
    quota, rate = 30, 20
    _decide(api, gateway, gateway.key, quota_per_day=quota)
    _decide(api, gateway, gateway.other_key, rate_per_minute=rate)
    # The two grants' calls interleaved, every other one on each process. A rate's window opens at its
    # first hit and lasts a minute (limits' fixed window in Redis), so this burst falls in one window.
    calls = [(f"{node.url('ab'[i % 2])}/x/DV.DACTHU/records", gateway.key if i % 3 else gateway.other_key) for i in range(150)]
    answers = _concurrently(calls)
    outcome: dict[tuple[str, int, str | None], int] = {}
    for (_, key), answer in zip(calls, answers, strict=True):
        kind = None if answer.status_code == 200 else answer.json()["error"]["type"]
        label = ("quota" if key is gateway.key else "rate", answer.status_code, kind)
        outcome[label] = outcome.get(label, 0) + 1
    assert outcome == {
        ("quota", 200, None): quota,
        ("quota", 429, "quota_exceeded"): 100 - quota,
        ("rate", 200, None): rate,
        ("rate", 429, "rate_limited"): 50 - rate,
    }


def test_a_session_from_one_process_works_on_the_other_until_signed_out_there(db: Session, node: Node) -> None:
    f.user(db, "steward", f.unit(db), username="canbo")
    db.commit()
    a, b = node.url("a"), node.url("b")
    with httpx.Client(timeout=30) as browser:  # cookies are the host's, whatever the port: one browser, both processes
        browser.get(f"{a}/login")
        signed_in = browser.post(
            f"{a}/login", data={"csrf_token": browser.cookies[CSRF_COOKIE], "username": "canbo", "password": f.PASSWORD}
        )
        assert signed_in.status_code == 303, signed_in.text
        session, token = browser.cookies[SESSION_COOKIE], browser.cookies[CSRF_COOKIE]  # both set by A
        assert browser.get(f"{b}/tokens").status_code == 200
        assert browser.post(f"{b}/tokens", data={"csrf_token": "khong-phai", "name": "x"}).status_code == 403  # B checks the token…
        made = browser.post(f"{b}/tokens", data={"csrf_token": token, "name": "tu-tien-trinh-b"})  # …and takes A's
        assert made.status_code == 200, made.text
        shown = re.search(r'id="new-token"[^>]*value="([^"]+)"', made.text)
        assert shown is not None, "the new API token is shown once"
        me = httpx.get(f"{a}/api/v1/me", headers={"Authorization": f"Bearer {shown.group(1)}"})
        assert me.status_code == 200 and me.json()["username"] == "canbo"  # made on B, good on A
        assert httpx.get(f"{a}/tokens", cookies={SESSION_COOKIE: session}).status_code == 200
        assert browser.post(f"{b}/logout", data={"csrf_token": token}).status_code == 303
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
    replayed = httpx.get(f"{a}/tokens", cookies={SESSION_COOKIE: session})  # signed out on B is signed out on A
    assert (replayed.status_code, replayed.headers["location"]) == (303, "/login?next=%2Ftokens")


def test_jobs_enqueued_through_both_processes_each_run_exactly_once(db: Session, setting: Setting, node: Node) -> None:
    uploads = 8
    resources = [
        items.add_resource(db, actor=system_actor(), dataset_id=setting.dataset.id, name=f"Bảng {n}", description=None,
                           filename=f"bang_{n}.csv", stream=io.BytesIO(b"x"), max_bytes=1 << 20).id
        for n in range(uploads)
    ]  # fmt: skip
    db.commit()

    def upload(n: int) -> uuid.UUID:
        rows = [["Mã", "Tên"], *([f"M-{n}-{i}", f"Dòng {i}"] for i in range(n + 1))]  # n + 1 rows: which upload is which
        answer = httpx.post(
            f"{node.url('ab'[n % 2])}/api/v1/resources/{resources[n]}/ingest",
            files={"file": (f"bang_{n}.csv", as_csv(rows), "text/csv")},
            headers=setting.headers["steward"],
            timeout=60,
        )
        assert answer.status_code == 202, answer.text
        return uuid.UUID(answer.json()["job_id"])

    with ThreadPoolExecutor(4) as pool:
        job_ids = list(pool.map(upload, range(uploads)))
    # Every job handed to the queue a second time, as a redelivery would: two workers, two deliveries.
    resend = make_huey(Settings(redis_url=REDIS_URL, jobs_immediate=False)).task(name=RUN_TASK)(run_job)
    for job_id in job_ids:
        resend(str(job_id))

    def skipped() -> int:
        return sum("skipped: it is not queued" in str(line.get("message")) for worker in node.workers for line in worker.lines())

    def settled() -> bool:
        db.rollback()
        unfinished = db.scalar(select(func.count()).select_from(Job).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])))
        return unfinished == 0 and skipped() >= uploads

    wait_for(settled, "every job and its second delivery handled", logs=tuple(w.log for w in node.workers))
    ingests = db.scalars(select(Job).where(Job.kind == INGEST)).all()
    assert sorted(j.id for j in ingests) == sorted(job_ids)
    assert {j.status for j in db.scalars(select(Job))} == {JobStatus.SUCCEEDED}, [(j.kind, j.error) for j in db.scalars(select(Job))]
    versions = {rid: [v.row_count for v in db.scalars(select(DatastoreVersion).where(DatastoreVersion.resource_id == rid))]
                for rid in resources}  # fmt: skip
    assert versions == {rid: [n + 1] for n, rid in enumerate(resources)}  # one version each: no job ran twice
    assert skipped() == uploads  # each second delivery found its job taken


def test_the_exchange_log_stays_one_chain_across_both_processes(api: TestClient, gateway: World, db: Session, node: Node) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu", "ten_nhiem_vu"])
    ask_connection(api, gateway.other_key, "DV.MACDINH", ["ma_nhiem_vu"])
    calls = [(f"{node.url('ab'[i % 2])}/x/DV.MACDINH/records?limit=2", gateway.key if i % 3 else gateway.other_key) for i in range(160)]
    answers = _concurrently(calls)
    assert {a.status_code for a in answers} == {200}
    acknowledged = {int(a.headers["ketnoi-exchange"]): (a.status_code, a.headers["content-digest"]) for a in answers}
    assert len(acknowledged) == len(answers)  # no two answers share a place in the chain
    db.rollback()
    logged = {r.seq: (r.status, r.response_digest) for r in db.scalars(select(ExchangeRecord))}
    assert sorted(logged) == list(range(1, len(answers) + 1))  # 1..n, no gap, nothing unacknowledged
    assert {seq: logged[seq] for seq in acknowledged} == acknowledged
    assert evidence.verify(db).ok
    checked = subprocess.run([str(KETNOI), "audit", "verify"], capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
    assert f"{len(answers)} bản ghi" in checked.stdout


# -- Debian's nginx in front of both processes, with deploy/nginx/ketnoi.conf --


@pytest.fixture(scope="module")
def proxy(node: Node, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is not installed (Debian: apt-get install nginx; .ci/run installs it)")
    started = Proxy.start(tmp_path_factory.mktemp("nginx"), (node.ports["a"], node.ports["b"]))
    try:
        yield started
    finally:
        started.process.kill(signal.SIGTERM)


def test_nginx_serves_pages_and_the_api_from_both_processes_over_tls(node: Node, proxy: Proxy) -> None:
    with proxy.client() as browser:
        answers = [browser.get(path) for path in ["/", "/api/v1/datasets"] * 6]
    assert [a.status_code for a in answers] == [200] * 12
    assert "text/html" in answers[0].headers["content-type"] and answers[1].json()["items"] == []
    # TLS ends at nginx: the app knows it from X-Forwarded-Proto and says HSTS (it never does over plain HTTP).
    assert all("max-age=" in a.headers["strict-transport-security"] for a in answers)
    assert "strict-transport-security" not in httpx.get(f"{node.url('a')}/").headers
    # The answers' request ids are nginx's own ($request_id, passed as X-Request-Id and kept by the app)…
    log = proxy.log_of(answers)
    assert len(log) == len(answers)
    assert {line["upstream"] for line in log} == {f"127.0.0.1:{node.ports['a']}", f"127.0.0.1:{node.ports['b']}"}
    # …and the app's log lines of a request carry it too: one id from nginx to the process that answered.
    request_id = answers[-1].headers["x-request-id"]
    wait_for(lambda: any(line.get("request_id") == request_id for p in node.processes.values() for line in p.lines()), "the app's log line")
    apps = [name for name in ("web-a", "web-b") if any(line.get("request_id") == request_id for line in node.processes[name].lines())]
    assert len(apps) == 1
    assert httpx.get(f"http://127.0.0.1:{proxy.http_port}/dataset?q=1").headers["location"].startswith("https://")
    with proxy.client() as outsider:
        assert outsider.get("/-/metrics").status_code == 404  # not from outside, whoever asks
    assert httpx.get(f"{node.url('b')}/-/metrics").status_code == 200  # Prometheus reads each process on its port


def test_the_login_throttle_counts_the_address_nginx_saw_and_not_what_the_client_claims(node: Node, proxy: Proxy) -> None:
    def fail_login(source: str, claimed: str) -> int:
        with proxy.client(source=source) as browser:
            browser.get("/login")
            form = {"csrf_token": browser.cookies[CSRF_COOKIE], "username": "khong-co-ai", "password": "sai"}
            return browser.post("/login", data=form, headers={"X-Forwarded-For": claimed}).status_code

    # 127.0.0.2 claims a new address each time: all its failures count against 127.0.0.2 all the same.
    assert [fail_login("127.0.0.2", f"203.0.113.{n}") for n in range(ADDRESS_FAILURES)] == [400] * ADDRESS_FAILURES
    assert fail_login("127.0.0.2", "203.0.113.99") == 429
    # …and claiming to be 127.0.0.2 does not make 127.0.0.3 wait.
    assert fail_login("127.0.0.3", "127.0.0.2") == 400
    counted = {key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(match="*login*")}
    assert {re.search(r"login/([^/]+)/", key).group(1) for key in counted} == {"127.0.0.2", "127.0.0.3"}  # type: ignore[union-attr]


def test_uploads_at_the_limit_pass_nginx_and_bigger_ones_are_refused_cleanly(setting: Setting, proxy: Proxy) -> None:
    limit = MAX_UPLOAD_MB << 20

    def upload(size: int) -> httpx.Response:
        with proxy.client() as client:
            return client.post(
                f"/api/v1/datasets/{setting.dataset.id}/resources",
                files={"file": ("tep.csv", b"x" * size, "text/csv")},
                headers=setting.headers["steward"],
            )

    assert upload(limit).status_code == 201
    just_over = upload(limit + 1)  # nginx lets the form through (it allows the form around the file): the app refuses the file
    assert just_over.status_code == 422 and just_over.json()["error"]["fields"]["file"] == f"Tệp vượt quá giới hạn {MAX_UPLOAD_MB} MB."
    far_over = upload(3 * limit)  # nginx refuses it before any of it reaches a process, with the app's own answer
    assert far_over.status_code == 413 and far_over.json() == json.loads(TOO_LARGE)
    wait_for(lambda: any(line["status"] == 413 for line in proxy.log()), "nginx's log line of the refusal")
    assert [line["upstream"] for line in proxy.log() if line["status"] == 413] == [""]  # no process was asked


def test_when_one_process_is_killed_nginx_sends_requests_to_the_other(node: Node, proxy: Proxy) -> None:
    a, b = f"127.0.0.1:{node.ports['a']}", f"127.0.0.1:{node.ports['b']}"
    with proxy.client() as browser:
        before = [browser.get("/-/health") for _ in range(4)]
        assert {line["upstream"] for line in proxy.log_of(before)} == {a, b}  # both in use, connections kept
        node.processes["web-b"].kill(signal.SIGKILL)
        answers = [browser.get(path) for path in ["/", "/api/v1/datasets", "/-/health"] * 10]
    assert [answer.status_code for answer in answers] == [200] * 30
    # All answered by A; nginx tried B first for some (its upstream "B, A") until it left B out.
    tried = [str(line["upstream"]) for line in proxy.log_of(answers)]
    assert {upstream.split(", ")[-1] for upstream in tried} == {a}
    assert f"{b}, {a}" in tried
