"""Fixtures of the harvest tests: a second ketnoi on 127.0.0.1 as the remote, a tiny static server, a target database.

The remote is a real `ketnoi serve` in its own process with its own SQLite database and var
directory, built by `ketnoi db upgrade` and the real services (remote_seed.py): what a harvester
meets on the network. One per test module (it takes a few seconds to start); tests that change it
change datasets the others read live, never fixed expectations.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Database
from ketnoi.identity import actor_for
from ketnoi.settings import get_settings
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
KETNOI = Path(sys.executable).parent / "ketnoi"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _private_sources_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source here is on 127.0.0.1, which production refuses (see test_sources.py for that)."""
    monkeypatch.setattr(get_settings(), "harvest_allow_private", True)


@dataclass
class Remote:
    url: str
    env: dict[str, str]
    ids: dict[str, str]  # title → dataset id, as seeded

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tests.harvest.remote_seed", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def packages(self) -> list[dict[str, Any]]:
        """What the remote publishes now, read through its CKAN API."""
        answer = httpx.get(f"{self.url}/api/3/action/package_search", params={"rows": 1000}, timeout=30).json()
        return list(answer["result"]["results"])


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    home = tmp_path_factory.mktemp("remote")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env |= {
        "KETNOI_DATABASE_URL": f"sqlite:///{home}/remote.db",
        "KETNOI_VAR_DIR": str(home),
        "KETNOI_SECRET_KEY": "remote-test-secret",
        "KETNOI_BASE_URL": f"http://127.0.0.1:{port}",
        "KETNOI_JOBS_IMMEDIATE": "true",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([str(KETNOI), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    made = Remote(f"http://127.0.0.1:{port}", env, {})
    made.ids = json.loads(made.run("seed"))
    log = (home / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(KETNOI), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(made.url, server, home / "serve.log")
        yield made
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the remote ketnoi stopped: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/-/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the remote ketnoi did not start in 60 s")


@dataclass
class Static:
    """A tiny web server answering fixed documents by path (the query string is recorded, not matched)."""

    url: str
    documents: dict[str, tuple[str, bytes]]
    asked: list[str] = field(default_factory=list)


@pytest.fixture
def static() -> Iterator[Static]:
    documents: dict[str, tuple[str, bytes]] = {}
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            found = documents.get(self.path.split("?", 1)[0])
            if found is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", found[0])
            self.send_header("Content-Length", str(len(found[1])))
            self.end_headers()
            self.wfile.write(found[1])

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Static(f"http://127.0.0.1:{httpd.server_address[1]}", documents, asked)
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Target:
    database: Database
    admin: Actor


@pytest.fixture
def target(db: Session) -> Target:
    unit = f.unit(db, "Trung tâm Công nghệ thông tin")
    database = f.database(db, unit, "Dữ liệu mở thu thập")
    admin = actor_for(db, f.user(db, "admin", username="quantri"))
    db.commit()
    return Target(database, admin)
