"""Two ketnoi nodes on 127.0.0.1: ours registers the peer, lists its services, asks for access, and
our application calls a service through our gateway; both nodes log the exchange."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.federation import access, service, tasks
from ketnoi.federation.models import Peer, PeerRequest, PeerService
from ketnoi.federation.schemas import AccessIn, PeerIn
from ketnoi.kit import httpsig, nodekey, secretbox
from ketnoi.sharing import evidence
from ketnoi.sharing.evidence import ExchangeRecord
from tests.federation.conftest import Ours, PeerNode

OPEN, SPECIFIC = "DV.BN.DOANHNGHIEP", "DV.BN.DATDAI"
PURPOSE = "Tổng hợp báo cáo doanh nghiệp khoa học và công nghệ"


def register(db: Session, ours: Ours, peer: PeerNode) -> Peer:
    data = PeerIn(code="bn", name="Nền tảng chia sẻ dữ liệu tỉnh Bắc Ninh", base_url=peer.url + "/",
                  client_id=peer.seeded["client_id"], client_secret=peer.seeded["client_secret"])  # fmt: skip
    made = service.register_peer(db, actor=ours.admin, data=data)
    db.commit()
    return made


def listed(db: Session, peer: Peer) -> dict[str, PeerService]:
    service.list_services(db, peer)
    db.commit()
    return {s.code: s for s in db.scalars(select(PeerService).where(PeerService.peer_id == peer.id))}


def test_registering_pins_the_peers_keys_and_seals_the_secret(db: Session, ours: Ours, peer: PeerNode) -> None:
    made = register(db, ours, peer)
    published = httpx.get(f"{peer.url}/.well-known/jwks.json", timeout=30).json()
    assert made.code == "BN" and made.base_url == peer.url
    assert service.key_ids(made) == [k["kid"] for k in published["keys"]]
    assert made.client_secret is not None and peer.seeded["client_secret"] not in made.client_secret
    assert secretbox.unseal(made.client_secret) == peer.seeded["client_secret"]


def test_the_peers_services_are_listed_with_their_art_25_fields(db: Session, ours: Ours, peer: PeerNode) -> None:
    services = listed(db, register(db, ours, peer))
    assert set(services) == {OPEN, SPECIFIC}
    assert services[OPEN].owner == "Sở Kế hoạch và Đầu tư tỉnh Bắc Ninh"
    assert services[OPEN].sharing_form == "default_shared" and services[SPECIFIC].sharing_form == "specific_request"
    assert services[OPEN].data_items == ["ma_so_doanh_nghiep", "ten_doanh_nghiep", "huyen"]
    assert services[OPEN].fields["code"] == OPEN and "usage_regulation" in services[OPEN].fields


def test_a_request_for_a_default_shared_service_is_approved_at_the_peer_at_once(db: Session, ours: Ours, peer: PeerNode) -> None:
    services = listed(db, register(db, ours, peer))
    data = AccessIn(purpose=PURPOSE, data_items=["ma_so_doanh_nghiep"], frequency="daily")
    made = access.request_access(db, actor=ours.steward, peer_service_id=services[OPEN].id, data=data)
    db.commit()
    assert made.status == "approved" and made.remote_id and made.submitted_by == "canbo"
    assert made.reason and "mặc định" in made.reason


def test_a_specific_request_is_answered_by_the_peers_unit_and_read_back(db: Session, ours: Ours, peer: PeerNode) -> None:
    made_peer = register(db, ours, peer)
    services = listed(db, made_peer)
    data = AccessIn(purpose=PURPOSE, data_items=["huyen"], frequency="monthly", expected_records=100)
    made = access.request_access(db, actor=ours.admin, peer_service_id=services[SPECIFIC].id, data=data)
    db.commit()
    assert made.status == "submitted"
    refusal = {"approve": False, "reason": "Chưa có thoả thuận khai thác giữa hai cơ quan."}
    decided = httpx.post(f"{peer.url}/api/v1/connection-requests/{made.remote_id}/decision", json=refusal,
                         headers={"Authorization": f"Bearer {peer.seeded['admin_token']}"}, timeout=30)  # fmt: skip
    assert decided.status_code == 200, decided.text
    synced = tasks.sync_peer(db, made_peer)
    db.commit()
    assert synced.changed == 1 and synced.error is None
    db.expire_all()
    again = db.get_one(PeerRequest, made.id)
    assert again.status == "refused" and again.reason == refusal["reason"] and again.decided_at is not None


def test_a_granted_app_calls_the_peer_through_our_gateway_and_both_nodes_log_it(
    db: Session, api: TestClient, ours: Ours, peer: PeerNode
) -> None:
    made_peer = register(db, ours, peer)
    services = listed(db, made_peer)
    data = AccessIn(purpose=PURPOSE, data_items=["ma_so_doanh_nghiep", "ten_doanh_nghiep"], frequency="daily")
    access.request_access(db, actor=ours.admin, peer_service_id=services[OPEN].id, data=data)
    access.grant(db, actor=ours.admin, peer_service_id=services[OPEN].id, app_id=ours.app_id)
    db.commit()
    before = {row["seq"] for row in peer.log()}

    response = api.get(f"/x/peers/BN/{OPEN}/records", params={"limit": "2"}, headers=ours.key)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["service"] == OPEN and len(body["items"]) == 2
    assert str(body["items"][0]["ma_so_doanh_nghiep"]) == "2300000001" and "huyen" not in body["items"][0]  # the peer's grant applies
    line = httpsig.RequestLine("GET", f"/x/peers/BN/{OPEN}/records", "limit=2")
    httpsig.verify_response(status=200, headers=dict(response.headers), body=response.content, request=line, keys=nodekey.public_keys())
    ours_logged = db.scalars(select(ExchangeRecord).where(ExchangeRecord.service == f"peer:BN/{OPEN}")).all()
    assert len(ours_logged) == 1 and ours_logged[0].status == 200 and ours_logged[0].consumer == str(ours.app_id)
    assert ours_logged[0].row_count == 2 and ours_logged[0].response_digest == response.headers["content-digest"]
    peer_seq = int(response.headers["ketnoi-peer-exchange"])
    assert ours_logged[0].request.endswith(f"[peer-exchange={peer_seq}]")
    assert evidence.verify(db).ok
    theirs = [row for row in peer.log() if row["seq"] not in before]
    assert [(r["seq"], r["service"], r["status"], r["request"]) for r in theirs] == [
        (peer_seq, OPEN, 200, f"GET /x/{OPEN}/records?limit=2")
    ]
    assert theirs[0]["response_digest"] == ours_logged[0].response_digest


def test_an_app_without_a_grant_is_refused_and_the_refusal_is_logged(db: Session, api: TestClient, ours: Ours, peer: PeerNode) -> None:
    services = listed(db, register(db, ours, peer))
    access.grant(db, actor=ours.admin, peer_service_id=services[OPEN].id, app_id=ours.app_id)
    db.commit()
    response = api.get(f"/x/peers/BN/{OPEN}/records", headers=ours.other_key)
    assert response.status_code == 403 and response.json()["error"]["type"] == "access_denied"
    logged = db.scalars(select(ExchangeRecord).where(ExchangeRecord.consumer == str(ours.other_app_id))).all()
    assert [(r.form, r.status, r.service) for r in logged] == [("refused", 403, f"peer:BN/{OPEN}")]


def test_a_disabled_peer_refuses_calls(db: Session, api: TestClient, ours: Ours, peer: PeerNode) -> None:
    made_peer = register(db, ours, peer)
    services = listed(db, made_peer)
    access.grant(db, actor=ours.admin, peer_service_id=services[OPEN].id, app_id=ours.app_id)
    made_peer.enabled = False
    db.commit()
    response = api.get(f"/x/peers/BN/{OPEN}/records", headers=ours.key)
    assert response.status_code == 503 and response.json()["error"]["type"] == "peer_disabled"
    assert "tạm dừng" in response.json()["error"]["message"]


def test_a_service_gone_at_the_peer_is_marked_withdrawn(db: Session, ours: Ours, peer: PeerNode) -> None:
    made_peer = register(db, ours, peer)
    db.add(PeerService(peer_id=made_peer.id, code="DV.CU", name="Dịch vụ cũ", status="published", data_items=[], fields={}))
    db.commit()
    services = listed(db, made_peer)
    assert services["DV.CU"].status == "withdrawn" and services[OPEN].status == "published"
