"""A peer's answer is passed on only when signed by a key pinned at registration: a fake peer that
signs with its key, with another, not at all, or whose body was changed after signing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.federation import access, service
from ketnoi.federation.models import PeerService
from ketnoi.federation.schemas import PeerIn
from ketnoi.sharing import evidence
from ketnoi.sharing.evidence import ExchangeRecord
from tests.federation.conftest import FAKE_BODY, FAKE_CODE, FakePeer, Ours

URL = f"/x/peers/GIA/{FAKE_CODE}/records"


def _granted(db: Session, ours: Ours, fake: FakePeer) -> None:
    peer = service.register_peer(db, actor=ours.admin, data=PeerIn(code="GIA", name="Nút giả", base_url=fake.url,
                                                                       client_id="app-gia", client_secret="kcs_gia"))  # fmt: skip
    service.list_services(db, peer)
    listed = db.scalars(select(PeerService).where(PeerService.peer_id == peer.id)).one()
    access.grant(db, actor=ours.admin, peer_service_id=listed.id, app_id=ours.app_id)
    db.commit()


def _logged(db: Session) -> list[tuple[str, int, str]]:
    rows = db.scalars(select(ExchangeRecord).where(ExchangeRecord.service == f"peer:GIA/{FAKE_CODE}").order_by(ExchangeRecord.seq))
    return [(r.form, r.status, r.request) for r in rows]


def test_a_properly_signed_answer_is_passed_on(db: Session, api: TestClient, ours: Ours, fake_peer: FakePeer) -> None:
    _granted(db, ours, fake_peer)
    response = api.get(URL, params={"limit": "1"}, headers=ours.key)
    assert response.status_code == 200, response.text
    assert response.json() == FAKE_BODY
    assert f"GET /x/{FAKE_CODE}/records?limit=1" in fake_peer.asked
    assert _logged(db) == [("records", 200, f"GET {URL}?limit=1 [peer-exchange=7]")]


@pytest.mark.parametrize("answer", ["tampered", "unsigned", "foreign"])
def test_an_answer_not_signed_by_a_pinned_key_is_refused_with_502_and_logged(
    db: Session, api: TestClient, ours: Ours, fake_peer: FakePeer, answer: str
) -> None:
    _granted(db, ours, fake_peer)
    fake_peer.answer = answer
    response = api.get(URL, params={"limit": "1"}, headers=ours.key)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["type"] == "peer_response_refused" and error["fault"] == "provider"
    assert "chữ ký" in error["message"] and "Bản ghi của nút giả" not in response.text and "99" not in response.text
    assert _logged(db) == [("refused", 502, f"GET {URL}?limit=1")]
    assert evidence.verify(db).ok
