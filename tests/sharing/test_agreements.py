"""Specific-request sharing: no data before an art. 38 agreement accepted by both sides; versions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sharing.conftest import AGREEMENT, World, agree, ask_connection


def _approved(api: TestClient, gateway: World, key: dict[str, str]) -> str:
    asked = ask_connection(api, key, "DV.DACTHU", ["ma_nhiem_vu"])
    decided = api.post(
        f"/api/v1/connection-requests/{asked['id']}/decision", json={"approve": True}, headers=gateway.setting.headers["steward"]
    )
    assert decided.status_code == 200
    return str(asked["id"])


def test_no_data_flows_before_both_sides_accept_the_agreement(api: TestClient, gateway: World, db: Session) -> None:
    request_id = _approved(api, gateway, gateway.key)
    waiting = api.get("/x/DV.DACTHU/records", headers=gateway.key)
    assert waiting.status_code == 403 and waiting.json()["error"]["type"] == "agreement_required"
    steward = gateway.setting.headers["steward"]
    only_parties = {"terms": {"parties": "Cục Thông tin; Văn phòng Chính phủ"}, "valid_from": "2026-01-01"}
    incomplete = api.post(f"/api/v1/connection-requests/{request_id}/agreements", json=only_parties, headers=steward)
    assert incomplete.status_code == 422 and {"data", "retention", "deletion"} <= set(incomplete.json()["error"]["fields"])
    backwards = api.post(f"/api/v1/connection-requests/{request_id}/agreements",
                         json={"terms": AGREEMENT, "valid_from": "2026-06-01", "valid_until": "2026-01-01"}, headers=steward)  # fmt: skip
    assert backwards.status_code == 422 and "valid_until" in backwards.json()["error"]["fields"]
    proposed = api.post(
        f"/api/v1/connection-requests/{request_id}/agreements", json={"terms": AGREEMENT, "valid_from": "2020-01-01"}, headers=steward
    )
    assert proposed.status_code == 201 and proposed.json()["version"] == 1 and proposed.json()["consumer_accepted"] is None
    assert api.get("/x/DV.DACTHU/records", headers=gateway.key).status_code == 403  # proposed, not yet accepted
    assert api.post(f"/x/agreements/{proposed.json()['id']}/accept", headers=gateway.other_key).status_code == 404  # not theirs
    accepted = api.post(f"/x/agreements/{proposed.json()['id']}/accept", headers=gateway.key)
    assert accepted.status_code == 200 and accepted.json()["status"] == "in_force"
    assert [t["label"] for t in accepted.json()["terms"]][:2] == ["Các bên tham gia thỏa thuận", "Dữ liệu được chia sẻ"]
    assert api.get("/x/DV.DACTHU/records", headers=gateway.key).status_code == 200
    assert api.post(f"/x/agreements/{proposed.json()['id']}/accept", headers=gateway.key).status_code == 409  # accepted already


def test_a_new_version_replaces_the_one_in_force_only_once_accepted(api: TestClient, gateway: World, db: Session) -> None:
    request_id = _approved(api, gateway, gateway.key)
    first = agree(api, gateway, gateway.key, request_id)
    steward = gateway.setting.headers["steward"]
    ended = api.post(f"/api/v1/connection-requests/{request_id}/agreements",
                     json={"terms": AGREEMENT, "valid_from": "2020-01-01", "valid_until": "2021-12-31"}, headers=steward)  # fmt: skip
    assert ended.status_code == 201 and ended.json()["version"] == 2
    assert api.get("/x/DV.DACTHU/records", headers=gateway.key).status_code == 200  # v1 still in force
    assert api.post(f"/x/agreements/{first['id']}/accept", headers=gateway.key).status_code == 409
    assert api.post(f"/x/agreements/{ended.json()['id']}/accept", headers=gateway.key).status_code == 200
    expired = api.get("/x/DV.DACTHU/records", headers=gateway.key)
    assert expired.status_code == 403 and expired.json()["error"]["type"] == "agreement_required"  # v2 ended in 2021
    versions = api.get(f"/api/v1/connection-requests/{request_id}/agreements", headers=steward).json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "in_force"), (1, "superseded")]
    mine = api.get("/x/agreements", headers=gateway.key).json()["items"]
    assert {a["version"] for a in mine} == {1, 2} and api.get("/x/agreements", headers=gateway.other_key).json()["items"] == []
