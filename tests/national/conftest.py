"""Fixtures of the national registration: the national portal as a small HTTP receiver on 127.0.0.1,
a target configured to it, and a unit with one published service (tests.sharing's setting).

The receiver checks nothing itself: it records each request and answers the next status of its
script (then its `status`), so the tests can verify what arrived with an independent RFC 9421 library.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms
from sqlalchemy.orm import Session

from ketnoi.kit import httpsig, nodekey
from ketnoi.national import push
from ketnoi.org import service as org
from ketnoi.org.schemas import FocalPointIn
from ketnoi.settings import get_settings
from ketnoi.sharing import registry
from ketnoi.sharing.registry import ServiceView
from tests.sharing.conftest import Setting, api, setting

__all__ = ["Portal", "Setting", "api", "setting"]

TOKEN = "token-cua-cong-du-lieu-quoc-gia"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Portal:
    """The national portal's registration endpoint: records what it is sent, answers `script` then `status`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self.status = 202
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                portal.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(portal.script.pop(0) if portal.script else portal.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/dang-ky"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verify(self, received: Received) -> list[Any]:
        """Check the request's RFC 9421 signature with the node's published keys (JWKS) and its Content-Digest."""
        keys = nodekey.keys_from_jwks(nodekey.jwks())
        verifier = HTTPMessageVerifier(
            signature_algorithm=algorithms.ED25519, key_resolver=MappingKeyResolver(public_keys=keys, private_keys={})
        )
        message = SimpleNamespace(method="POST", url=self.url, headers=received.headers)
        required = ('"@method"', '"@target-uri"', '"content-digest"', '"content-type"')
        return list(verifier.verify(message, expect_tag=httpsig.WEBHOOK_TAG, require_components=required, body=received.body))


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    """The receiver, configured as the target, with no wait between attempts."""
    made = Portal()
    monkeypatch.setattr(get_settings(), "national_push_url", made.url)
    monkeypatch.setattr(get_settings(), "national_push_token", TOKEN)
    monkeypatch.setattr(push, "BACKOFF", (0.0, 0.0))
    yield made
    made.server.shutdown()
    made.server.server_close()


def published(db: Session, setting: Setting, **changes: object) -> ServiceView:
    """A service created by the unit's steward, marked ready and published by the administrator."""
    made = registry.create_service(db, actor=setting.steward, data=setting.service_in(**changes))
    registry.mark_ready(db, actor=setting.steward, service_id=made.service.id)
    return registry.publish(db, actor=setting.admin, service_id=made.service.id)


def appoint(db: Session, setting: Setting) -> None:
    data = FocalPointIn(full_name="Nguyễn Thị Hoa", position="Phó Giám đốc", email="hoa@most.gov.vn", phone="024 3943 1234",
                        started_on=date(2026, 1, 5))  # fmt: skip
    org.appoint_focal_point(db, actor=setting.admin, org_id=setting.unit.id, data=data)
