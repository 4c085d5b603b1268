"""Subscription push: a new version is told to the subscriber's URL, signed; failures retried, then dead letters."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.kit import httpsig, nodekey
from ketnoi.kit.clock import utcnow
from ketnoi.settings import get_settings
from ketnoi.sharing import subscriptions
from ketnoi.sharing.subscriptions import Delivery, DeliveryStatus
from tests.sharing.conftest import ROWS, World, ask_connection


class Receiver:
    """An agency's endpoint on 127.0.0.1: records what it is sent, answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ketnoi/thong-bao"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setattr(get_settings(), "webhook_allow_http", True)
    made = Receiver()
    yield made
    made.server.shutdown()


def _verify(received: dict[str, Any], url: str) -> list[Any]:
    keys = nodekey.keys_from_jwks(nodekey.jwks())
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=MappingKeyResolver(public_keys=keys, private_keys={})
    )
    message = SimpleNamespace(method="POST", url=url, headers=received["headers"])
    return list(verifier.verify(message, expect_tag=httpsig.WEBHOOK_TAG, require_components=('"@target-uri"', '"content-digest"'),
                                body=received["body"]))  # fmt: skip


def test_a_new_version_is_pushed_signed_and_the_changes_can_be_pulled(
    api: TestClient, gateway: World, db: Session, receiver: Receiver
) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    https_only = api.post("/x/subscriptions", json={"service": "DV.MACDINH", "url": "ftp://example.org/x"}, headers=gateway.key)
    assert https_only.status_code == 422
    assert api.post("/x/subscriptions", json={"service": "DV.DACTHU", "url": receiver.url}, headers=gateway.key).status_code == 403
    made = api.post("/x/subscriptions", json={"service": "DV.MACDINH", "url": receiver.url}, headers=gateway.key)
    assert made.status_code == 201
    subscriptions.run(db)
    assert receiver.received == []  # nothing new since the subscription
    gateway.load(db, [*ROWS, ["NV-04", "Pin mặt trời", "Phạm Dung", "Huế"]], "v2.csv")
    subscriptions.run(db)
    db.commit()
    [sent] = receiver.received
    assert _verify(sent, receiver.url)
    payload = json.loads(sent["body"])
    assert (payload["event"], payload["service"], payload["version"], payload["previous_version"]) == ("data_changed", "DV.MACDINH", 2, 1)
    changes = api.get(payload["changes"], headers=gateway.key).json()
    assert [(r["_change"], r["ma_nhiem_vu"]) for r in changes["items"]] == [("added", "NV-04")]
    subscriptions.run(db)
    assert len(receiver.received) == 1  # told once
    listed = api.get("/x/subscriptions", headers=gateway.key).json()
    assert [d["status"] for d in listed["deliveries"]] == ["delivered"]


def test_failures_are_retried_then_dead_letters_sent_again(api: TestClient, gateway: World, db: Session, receiver: Receiver) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    api.post("/x/subscriptions", json={"service": "DV.MACDINH", "url": receiver.url}, headers=gateway.key)
    gateway.load(db, ROWS[:2], "v2.csv")
    receiver.status = 500
    now = utcnow()
    subscriptions.run(db, now)
    delivery = db.scalars(select(Delivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "Bên nhận trả lời HTTP 500")
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    subscriptions.run(db, now + timedelta(seconds=30))
    assert delivery.attempts == 1  # not due yet
    for retry_after in subscriptions.RETRY_AFTER:
        now += retry_after
        subscriptions.run(db, now)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, 6) and len(receiver.received) == 6
    db.commit()
    dead = api.get("/x/subscriptions", params={"status": "dead"}, headers=gateway.key).json()["deliveries"]
    assert [d["id"] for d in dead] == [str(delivery.id)]
    page = api.get("/exchanges", headers=gateway.setting.headers["steward"])
    assert "Bên nhận trả lời HTTP 500" in page.text
    receiver.status = 200
    subscriptions.resend_for_staff(db, actor=gateway.setting.steward, delivery_id=delivery.id)
    subscriptions.run(db, now)
    assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.received) == 7
