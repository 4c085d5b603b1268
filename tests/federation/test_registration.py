"""Registering a peer: who may, the checks of the form (in Vietnamese, field by field), the keys'
refresh as an audited act, and the pages and JSON API that show a peer (never its secret)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.auth import service as auth
from ketnoi.federation import service
from ketnoi.federation.models import Peer
from ketnoi.federation.schemas import PeerIn
from ketnoi.kit.errors import Forbidden, Invalid
from ketnoi.kit.validation import parse
from ketnoi.settings import get_settings
from tests.factories import PASSWORD
from tests.federation.conftest import FakePeer, Ours
from tests.web.conftest import client, login, post

__all__ = ["client"]


def _form(url: str, **values: str) -> dict[str, str]:
    return {"code": "GIA", "name": "Nút giả", "kind": "ketnoi", "base_url": url, "client_id": "app-gia", "client_secret": "kcs_bi_mat",
            "enabled": "on", **values}  # fmt: skip


def test_a_bad_code_and_address_get_vietnamese_field_errors() -> None:
    with pytest.raises(Invalid) as refused:
        parse(PeerIn, {"code": "bắc ninh!", "name": "", "base_url": "ftp://x"})
    assert refused.value.fields["code"].startswith("Mã nút gồm chữ in hoa")
    assert refused.value.fields["name"] == "Trường này là bắt buộc."
    assert "http://" in refused.value.fields["base_url"]


def test_a_private_address_is_refused_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "harvest_allow_private", False)
    with pytest.raises(Invalid) as refused:
        parse(PeerIn, {"code": "BN", "name": "Bắc Ninh", "base_url": "http://127.0.0.1:8000"})
    assert "mạng nội bộ" in refused.value.fields["base_url"]


def test_an_address_without_a_jwks_is_refused_on_the_address_field(db: Session, ours: Ours, fake_peer: FakePeer) -> None:
    with pytest.raises(Invalid) as refused:
        service.register_peer(db, actor=ours.admin, data=PeerIn(code="GIA", name="Nút giả", base_url=fake_peer.url + "/khong-co"))
    assert refused.value.fields["base_url"].startswith("Không lấy được khoá công khai của nút")


def test_a_catalog_peer_needs_a_database_and_only_an_administrator_registers(db: Session, ours: Ours, fake_peer: FakePeer) -> None:
    with pytest.raises(Invalid) as refused:
        service.register_peer(db, actor=ours.admin, data=PeerIn(code="CKAN", name="Cổng CKAN", kind="ckan", base_url=fake_peer.url))  # type: ignore[arg-type]
    assert "database_id" in refused.value.fields
    with pytest.raises(Forbidden):
        service.register_peer(db, actor=ours.steward, data=PeerIn(code="GIA", name="Nút giả", base_url=fake_peer.url))


def test_refreshing_the_keys_is_audited_with_the_key_ids(db: Session, ours: Ours, fake_peer: FakePeer) -> None:
    peer = service.register_peer(db, actor=ours.admin, data=PeerIn(code="GIA", name="Nút giả", base_url=fake_peer.url))
    pinned = service.key_ids(peer)
    peer.keys = {"keys": []}
    service.refresh_keys(db, actor=ours.admin, peer_id=peer.id)
    db.commit()
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "peer", AuditEvent.action == "update")).all()
    assert [e.changes["keys"] for e in events] == [[[], pinned]]


def test_an_administrator_registers_a_peer_through_the_form_and_never_sees_its_secret_again(
    client: TestClient, db: Session, ours: Ours, fake_peer: FakePeer
) -> None:
    login(client, "quantri", PASSWORD)
    refused = post(client, "/peers/new", _form(fake_peer.url, code="x", name=""))
    assert refused.status_code == 422 and "Mã nút gồm chữ in hoa" in refused.text and "Trường này là bắt buộc." in refused.text
    made = post(client, "/peers/new", _form(fake_peer.url))
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "kcs_bi_mat" not in page.text and "app-gia" in page.text
    peer = db.scalars(select(Peer)).one()
    assert service.key_ids(peer)[0] in page.text
    synced = post(client, f"/peers/{peer.id}/sync")
    assert synced.status_code == 303
    assert "DV.GIA" in client.get(synced.headers["location"]).text


def test_the_json_api_registers_and_shows_a_peer_without_its_secret(
    client: TestClient, db: Session, ours: Ours, fake_peer: FakePeer
) -> None:
    _, token = auth.create_token(db, actor=ours.admin, name="t")
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    bad = client.post("/api/v1/peers", json={"code": "?", "name": "Nút giả", "base_url": fake_peer.url}, headers=headers)
    assert bad.status_code == 422 and "code" in bad.json()["error"]["fields"]
    made = client.post("/api/v1/peers", json={"code": "GIA", "name": "Nút giả", "base_url": fake_peer.url, "client_secret": "kcs_x"},
                       headers=headers)  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["client_secret_set"] is True and "kcs_x" not in made.text
    shown = client.get(f"/api/v1/peers/{made.json()['id']}", headers=headers)
    assert shown.status_code == 200 and "kcs_x" not in shown.text and shown.json()["key_ids"]
