"""PostgreSQL restarted under load: requests fail cleanly (503, or a closed connection), and ketnoi recovers by itself.

The cluster is a private one (initdb into a temporary directory, on a free port): the machine's own
PostgreSQL serves the other tests and must never be restarted. The test needs no suite database,
so it runs once, in the SQLite half of `make test` (the shorter one): the PostgreSQL half would only
run the same thing a second time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ketnoi.db import unreachable
from ketnoi.sharing.evidence import ExchangeRecord
from tests.platform.faults import KETNOI, free_port, started, wait_for

pytestmark = pytest.mark.skipif(
    os.environ["KETNOI_DATABASE_URL"].startswith("postgresql"),
    reason="brings its own PostgreSQL: run once, in the SQLite half of the suite",
)

ROOT = Path(__file__).resolve().parents[2]
CLIENT_TIMEOUT = 10.0  # an answer slower than this is a hang
OUTAGE_ANSWERS = 5  # 503s each face must have given before PostgreSQL comes back
FACES = ("data", "gateway", "page")
UNAVAILABLE = "Cơ sở dữ liệu tạm thời không sẵn sàng"


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    assert found, "PostgreSQL's server programs (initdb, pg_ctl) are needed: apt-get install postgresql"
    return found[-1].parent


@dataclass
class Cluster:
    home: Path
    port: int
    bin: Path = field(default_factory=_postgres_bin)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/ketnoi"

    def run(self, program: str, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses root
        done = subprocess.run([*as_postgres, str(self.bin / program), *args], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{program} {args}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.home / "data"), "-o", options, "-l", str(self.home / "postgres.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.home / "data"), "-m", mode, "-w", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    home = Path(tempfile.mkdtemp(prefix="ketnoi-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    made = Cluster(home, free_port())
    try:
        made.run("initdb", "-D", str(home / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions")
        made.start()
        engine = create_engine(made.url.replace("/ketnoi", "/postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE ketnoi")
        engine.dispose()
        yield made
    finally:
        if (home / "data" / "postmaster.pid").exists():
            made.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Answer:
    face: str  # "data" (the data API) or "gateway"
    status: int | None  # None: the connection was closed or refused
    headers: dict[str, str]
    body: bytes
    after_restart: bool


def _client(base: str, face: str, world: dict[str, str], answers: list[Answer], stop: threading.Event, restarted: threading.Event) -> None:
    path, headers = {
        "data": (f"/api/v1/resources/{world['resource_id']}/rows", {"Authorization": f"Bearer {world['token']}"}),
        "gateway": (f"/x/{world['service']}/records", {"X-API-Key": world["api_key"]}),
        "page": ("/databases", {"Authorization": f"Bearer {world['token']}"}),  # a browser's page: an HTML answer
    }[face]
    with httpx.Client(base_url=base, headers=headers, timeout=CLIENT_TIMEOUT) as http:
        while not stop.is_set():
            after = restarted.is_set()
            try:
                response = http.get(path, params={"limit": "5"})
            except httpx.TimeoutException:
                answers.append(Answer(face, -1, {}, b"hang", after))  # told apart below: never acceptable
                continue
            except httpx.TransportError:
                answers.append(Answer(face, None, {}, b"", after))
                time.sleep(0.02)
                continue
            answers.append(Answer(face, response.status_code, dict(response.headers), response.content, after))


def _clean(answer: Answer) -> bool:
    """A success, a closed connection, or a 503 with Retry-After saying that the database is unavailable (in JSON to programs)."""
    if answer.status in (200, None):
        return True
    if answer.status != 503 or "retry-after" not in answer.headers:
        return False
    if answer.face == "page":
        return answer.headers["content-type"].startswith("text/html") and UNAVAILABLE in answer.body.decode()
    try:
        error = json.loads(answer.body)["error"]
    except (ValueError, KeyError):
        return False
    return bool(error["type"] == "unavailable" and UNAVAILABLE in error["message"])


def _count(answers: list[Answer], face: str, status: int, *, after_restart: bool | None = None) -> int:
    return sum(1 for a in list(answers) if a.face == face and a.status == status and after_restart in (None, a.after_restart))


def test_a_database_restart_under_load_fails_requests_cleanly_and_ketnoi_recovers_by_itself(cluster: Cluster, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env |= {
        "KETNOI_DATABASE_URL": cluster.url,
        "KETNOI_VAR_DIR": str(tmp_path / "var"),
        "KETNOI_SECRET_KEY": "db-restart-test-secret",
        "KETNOI_JOBS_IMMEDIATE": "true",  # the seed's follow-up jobs run in place: no worker needed
        "KETNOI_ADMIN_TOTP_REQUIRED": "false",
    }
    upgrade = subprocess.run([str(KETNOI), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert upgrade.returncode == 0, upgrade.stderr
    seeded = subprocess.run([sys.executable, "-m", "tests.platform.seed_gateway"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    world = json.loads(seeded.stdout)

    answers: list[Answer] = []
    stop, restarted = threading.Event(), threading.Event()
    with started(tmp_path) as processes:
        server, base = processes.serve(env)
        threads = [
            threading.Thread(target=_client, args=(base, face, world, answers, stop, restarted)) for face in (*FACES, "data", "gateway")
        ]
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: min(_count(answers, face, 200) for face in FACES) >= 20, "answers before the restart")
            cluster.stop("fast")  # connections in use are cut, new ones refused
            wait_for(lambda: min(_count(answers, face, 503) for face in FACES) >= OUTAGE_ANSWERS, "503s during the outage")
            ready, health = httpx.get(f"{base}/-/ready", timeout=CLIENT_TIMEOUT), httpx.get(f"{base}/-/health", timeout=CLIENT_TIMEOUT)
            assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})  # the process is alive: no restart wanted
            cluster.start()
            restarted.set()
            recovered = lambda: min(_count(answers, face, 200, after_restart=True) for face in FACES) >= 20  # noqa: E731
            wait_for(recovered, "answers after PostgreSQL came back, without restarting ketnoi")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=2 * CLIENT_TIMEOUT)
        assert server.poll() is None  # the same process throughout
        assert httpx.get(f"{base}/-/ready", timeout=CLIENT_TIMEOUT).status_code == 200
        server_log = processes.log("serve", tail=0)
        _check_the_log_and_evidence(cluster, env, answers)
    unclean = [(a.face, a.status, a.body[:300]) for a in answers if not _clean(a)]
    assert unclean == [], f"{len(unclean)} answers neither a success nor a clean refusal; server log: {server_log[-3000:]}"
    assert "database unreachable" in server_log  # logged, once rather than per request (web.outage)
    assert server_log.count("database unreachable") < sum(1 for a in answers if a.status == 503)


def _check_the_log_and_evidence(cluster: Cluster, env: dict[str, str], answers: list[Answer]) -> None:
    """Every gateway answer that carries its place in the exchange log is there as answered; the chain verifies."""
    told = [(int(a.headers["ketnoi-exchange"]), a.status, a.headers["content-digest"]) for a in answers if "ketnoi-exchange" in a.headers]
    assert sum(1 for a in answers if a.face == "gateway" and a.status == 200) == sum(1 for _, status, _ in told if status == 200)
    engine = create_engine(cluster.url)
    with engine.connect() as connection:
        logged = {r.seq: (r.status, r.response_digest) for r in connection.execute(select(ExchangeRecord))}
    engine.dispose()
    missing = [(seq, status) for seq, status, digest in told if logged.get(seq) != (status, digest)]
    assert missing == [], f"{len(missing)} acknowledged exchanges not in the log"
    verified = subprocess.run([str(KETNOI), "audit", "verify"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{len(logged):,}".replace(",", ".") in verified.stdout


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(primary_key=True)


def _raised(action: Callable[[], object]) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as caught:
        action()
    return caught.value


def test_only_a_database_out_of_reach_is_taken_for_an_outage(tmp_path: Path) -> None:
    """web.outage answers 503 for these and nothing else: a fault of the statement stays a 500 (and a traceback)."""
    nobody_listens = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/ketnoi")
    assert unreachable(_raised(nobody_listens.connect))
    nobody_listens.dispose()

    engine = create_engine(f"sqlite:///{tmp_path}/x.db")
    _Base.metadata.create_all(engine)
    with engine.connect() as connection:
        assert not unreachable(_raised(lambda: connection.execute(text("SELEKT 1"))))
    with engine.connect() as connection:
        connection.begin()
        connection.invalidate()  # as SQLAlchemy does when the connection is lost mid-transaction
        assert unreachable(_raised(lambda: connection.execute(text("SELECT 1"))))  # "can't reconnect until rolled back"
    with Session(engine) as session:
        session.add(_Row(id=1))
        session.flush()
        session.add(_Row(id=1))
        assert not unreachable(_raised(session.flush))  # a duplicate key
        assert not unreachable(_raised(lambda: session.execute(text("SELECT 1"))))  # "rolled back due to a previous exception"
    engine.dispose()
