"""Fixtures of the federation tests: a second ketnoi on 127.0.0.1 as the peer, a fake peer, our side's apps.

The peer is a real `ketnoi serve` in its own process with its own SQLite database, keys and var
directory, seeded through the real services (peer_seed.py), as in tests/harvest. One per test
module; the tests only add to it (requests, calls), never expect it untouched.
The fake peer is a tiny server that answers as a ketnoi node would, signing its answers with its
own key, except that it can be told to send them unsigned or altered after signing.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.federation import client
from ketnoi.identity import actor_for
from ketnoi.kit import httpsig, nodekey
from ketnoi.org.models import OrgKind
from ketnoi.settings import get_settings
from ketnoi.sharing import consumers
from tests import factories as f
from tests.apps import shared_app
from tests.harvest.conftest import KETNOI, ROOT, _wait_for, free_port


@pytest.fixture(autouse=True)
def _peers_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every peer here is on 127.0.0.1, which production refuses (test_registration checks that)."""
    monkeypatch.setattr(get_settings(), "harvest_allow_private", True)
    monkeypatch.setattr(client, "BACKOFF", 0.0)


@dataclass
class PeerNode:
    url: str
    seeded: dict[str, Any]

    def token(self) -> str:
        answer = httpx.post(f"{self.url}/oauth/token", data={"grant_type": "client_credentials"},
                            auth=(self.seeded["client_id"], self.seeded["client_secret"]), timeout=30)  # fmt: skip
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def log(self) -> list[dict[str, Any]]:
        """The peer's exchange log of OUR application there, read as our node reads it (/x/log)."""
        answer = httpx.get(f"{self.url}/x/log", params={"limit": 1000}, headers={"Authorization": f"Bearer {self.token()}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PeerNode]:
    home = tmp_path_factory.mktemp("peer")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env |= {
        "KETNOI_DATABASE_URL": f"sqlite:///{home}/peer.db",
        "KETNOI_VAR_DIR": str(home),
        "KETNOI_SECRET_KEY": "peer-test-secret",
        "KETNOI_BASE_URL": f"http://127.0.0.1:{port}",
        "KETNOI_JOBS_IMMEDIATE": "true",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([str(KETNOI), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    seeded = subprocess.run([sys.executable, "-m", "tests.federation.peer_seed", "seed"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    log = (home / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(KETNOI), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}", server, home / "serve.log")
        yield PeerNode(f"http://127.0.0.1:{port}", json.loads(seeded.stdout))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


FAKE_CODE = "DV.GIA"
FAKE_BODY = {"service": FAKE_CODE, "mode": "records", "items": [{"ma": "01", "ten": "Bản ghi của nút giả"}], "next_cursor": None}


@dataclass
class FakePeer:
    """`answer`: "signed" (as a ketnoi node), "unsigned", "tampered" (body changed after signing), "foreign" (another key)."""

    url: str
    answer: str = "signed"
    asked: list[str] = field(default_factory=list)


class _FakeHandler(BaseHTTPRequestHandler):
    """Answers as a ketnoi node; the fixture gives a subclass its state, keys and listing."""

    state: FakePeer
    key: Ed25519PrivateKey
    stranger: Ed25519PrivateKey
    kid: str
    jwks: dict[str, Any]
    services: list[dict[str, Any]]

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in ({"content-type": "application/json"} | (headers or {})).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.state.asked.append(f"POST {self.path}")
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self._send(200, json.dumps({"access_token": "gia", "token_type": "Bearer", "expires_in": 300}).encode())

    def do_GET(self) -> None:
        self.state.asked.append(f"GET {self.path}")
        path, _, query = self.path.partition("?")
        if path == "/.well-known/jwks.json":
            self._send(200, json.dumps(self.jwks).encode())
        elif path == "/api/v1/services":
            self._send(200, json.dumps(self.services).encode())
        elif path == f"/x/{FAKE_CODE}/records":
            self._records(path, query)
        else:
            self._send(404, b"{}")

    def _records(self, path: str, query: str) -> None:
        body = json.dumps(FAKE_BODY).encode()
        headers = {"content-type": "application/json", "content-digest": httpsig.content_digest(body), "ketnoi-exchange": "7"}
        signer = self.stranger if self.state.answer == "foreign" else self.key
        signed = httpsig.sign_response(status=200, headers=headers, request=httpsig.RequestLine("GET", path, query),
                                       key_id=self.kid, private=signer, created=int(time.time()))  # fmt: skip
        if self.state.answer != "unsigned":
            headers |= signed
        if self.state.answer == "tampered":
            body = body.replace(b"01", b"99")
        self._send(200, body, headers)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_peer() -> Iterator[FakePeer]:
    key = Ed25519PrivateKey.generate()
    kid = nodekey.key_id_of(key.public_key())
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("="), "kid": kid}]}
    services = [{"code": FAKE_CODE, "name": "Tra cứu giá", "owner_name": "Sở Tài chính", "sharing_form": "default_shared",
                 "method": "live_call", "data_items": ["ma", "ten"], "status": "published"}]  # fmt: skip
    state = FakePeer("")
    handler = type("Handler", (_FakeHandler,), {"state": state, "key": key, "stranger": Ed25519PrivateKey.generate(), "kid": kid,
                                                "jwks": jwks, "services": services})  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@dataclass
class Ours:
    admin: Actor
    steward: Actor
    app_id: Any
    key: dict[str, str]  # our application's API key at OUR gateway
    other_key: dict[str, str]
    other_app_id: Any


@pytest.fixture
def ours(db: Session) -> Ours:
    admin = actor_for(db, f.user(db, "admin", username="quantri"))
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    steward = actor_for(db, f.user(db, "steward", unit, username="canbo"))
    agency = f.unit(db, "Văn phòng Chính phủ", kind=OrgKind.AGENCY)
    apps, keys = [], []
    for name in ("Hệ thống báo cáo", "Hệ thống khác"):
        app = consumers.register_app(db, actor=admin, organization_id=agency.id, name=name, description=None)
        apps.append(app.id)
        keys.append({"X-API-Key": consumers.issue_credential(db, actor=admin, app_id=app.id, kind="api_key").secret})
    db.commit()
    return Ours(admin, steward, apps[0], keys[0], keys[1], apps[1])


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as test_client:
        yield test_client
