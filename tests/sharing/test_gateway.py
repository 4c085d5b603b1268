"""The gateway's records: deny by default, the grant's allow-list, masks and row filters, revocation,
rates and quotas, the query modes, and every call in the exchange log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.kit.clock import utcnow
from ketnoi.sharing import evidence
from ketnoi.sharing.evidence import ExchangeRecord
from ketnoi.sharing.grants import Grant
from tests.sharing.conftest import ITEMS, ROWS, World, agree, ask_connection


def _records(api: TestClient, key: dict[str, str], service: str, **params: str) -> dict[str, object]:
    response = api.get(f"/x/{service}/records", params=params, headers=key)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_no_grant_no_data_and_the_refusal_is_logged(api: TestClient, gateway: World, db: Session) -> None:
    response = api.get("/x/DV.MACDINH/records", headers=gateway.key)
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "access_denied" and response.json()["error"]["fault"] == "caller"
    record = db.get(ExchangeRecord, int(response.headers["ketnoi-exchange"]))
    assert record is not None and (record.status, record.form, record.service) == (403, "refused", "DV.MACDINH")
    assert record.response_digest == response.headers["content-digest"]
    assert api.get("/x/DV.KHONGCO/records", headers=gateway.key).status_code == 404
    assert api.get("/x/DV.MACDINH/records").status_code == 401  # no credential at all


def test_a_grant_by_policy_masks_personal_data_which_cannot_be_filtered_on(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu", "ten_nhiem_vu", "chu_nhiem"])
    body = _records(api, gateway.key, "DV.MACDINH")
    assert body["masked"] == ["chu_nhiem"]
    items_ = body["items"]
    assert isinstance(items_, list) and len(items_) == 3
    assert items_[0]["ma_nhiem_vu"] == "NV-01" and items_[0]["chu_nhiem"] is None
    assert "tinh_thanh" not in items_[0]  # not asked for, not granted
    for param in ({"chu_nhiem": "Nguyễn Văn An"}, {"sort": "chu_nhiem"}, {"q": "an"}, {"tinh_thanh": "Hà Nội"}):
        refused = api.get("/x/DV.MACDINH/records", params=param, headers=gateway.key)
        assert refused.status_code == 422, (param, refused.text)
    record = db.scalars(select(ExchangeRecord).where(ExchangeRecord.status == 200)).one()
    assert (record.form, record.row_count, record.service) == ("records", 3, "DV.MACDINH")


def test_a_decided_grant_discloses_what_it_says_and_its_row_filters_cannot_be_lifted(api: TestClient, gateway: World, db: Session) -> None:
    asked = ask_connection(api, gateway.key, "DV.DACTHU", ITEMS)
    assert asked["status"] == "submitted"
    decision = {"approve": True, "personal_items": ["chu_nhiem"], "row_filters": [["tinh_thanh", "Hà Nội"]]}
    decided = api.post(f"/api/v1/connection-requests/{asked['id']}/decision", json=decision, headers=gateway.setting.headers["steward"])
    assert decided.status_code == 200, decided.text
    agree(api, gateway, gateway.key, asked["id"])
    body = _records(api, gateway.key, "DV.DACTHU")
    assert body["masked"] == []
    assert [(r["ma_nhiem_vu"], r["chu_nhiem"]) for r in body["items"]] == [("NV-01", "Nguyễn Văn An"), ("NV-03", "Lê Văn Cường")]  # type: ignore[attr-defined]
    assert _records(api, gateway.key, "DV.DACTHU", tinh_thanh="Đà Nẵng")["items"] == []
    bad = {"approve": True, "personal_items": ["ten_nhiem_vu"]}
    again = ask_connection(api, gateway.other_key, "DV.DACTHU", ["ma_nhiem_vu", "ten_nhiem_vu"])
    refused = api.post(f"/api/v1/connection-requests/{again['id']}/decision", json=bad, headers=gateway.setting.headers["steward"])
    assert refused.status_code == 422 and "personal_items" in refused.json()["error"]["fields"]


def test_a_grant_revoked_is_refused_at_the_next_request(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    assert _records(api, gateway.key, "DV.MACDINH")["items"]
    grant = db.scalars(select(Grant)).one()
    short = api.post(f"/api/v1/grants/{grant.id}/revoke", json={"reason": "x"}, headers=gateway.setting.headers["steward"])
    assert short.status_code == 422
    revoked = api.post(
        f"/api/v1/grants/{grant.id}/revoke", json={"reason": "Vi phạm quy chế khai thác."}, headers=gateway.setting.headers["steward"]
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert api.get("/x/DV.MACDINH/records", headers=gateway.key).status_code == 403
    listed = api.get(f"/api/v1/services/{grant.service_id}/grants", headers=gateway.setting.headers["steward"]).json()
    assert [g["revoked_reason"] for g in listed] == ["Vi phạm quy chế khai thác."]


def test_rate_and_quota_of_a_grant(api: TestClient, gateway: World, db: Session) -> None:
    asked = ask_connection(api, gateway.key, "DV.DACTHU", ["ma_nhiem_vu"])
    decision = {"approve": True, "rate_per_minute": 2}
    api.post(f"/api/v1/connection-requests/{asked['id']}/decision", json=decision, headers=gateway.setting.headers["steward"])
    agree(api, gateway, gateway.key, asked["id"])
    statuses = [api.get("/x/DV.DACTHU/records", headers=gateway.key).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = api.get("/x/DV.DACTHU/records", headers=gateway.key)
    assert limited.json()["error"]["type"] == "rate_limited" and 1 <= int(limited.headers["retry-after"]) <= 60
    asked = ask_connection(api, gateway.other_key, "DV.DACTHU", ["ma_nhiem_vu"])
    api.post(
        f"/api/v1/connection-requests/{asked['id']}/decision",
        json={"approve": True, "quota_per_day": 1},
        headers=gateway.setting.headers["steward"],
    )
    agree(api, gateway, gateway.other_key, asked["id"])
    assert api.get("/x/DV.DACTHU/records", headers=gateway.other_key).status_code == 200
    over = api.get("/x/DV.DACTHU/records", headers=gateway.other_key)
    assert over.status_code == 429 and over.json()["error"]["type"] == "quota_exceeded"
    assert over.json()["error"]["message"] == "Đã dùng hết hạn mức 1 lần gọi trong ngày."
    in_english = api.get("/x/DV.DACTHU/records", params={"lang": "en"}, headers=gateway.other_key).json()["error"]["message"]
    assert in_english == "The day's quota of 1 calls is used up."
    refused = db.scalars(select(ExchangeRecord.status).where(ExchangeRecord.form == "refused")).all()
    assert sorted(refused) == [429, 429, 429, 429]


def test_as_of_and_changed_since(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu", "ten_nhiem_vu", "tinh_thanh"])
    between = utcnow().isoformat()
    gateway.load(
        db, [ROWS[0], ["NV-02", "Dự báo lũ sông Hồng", "Trần Thị Bình", "Đà Nẵng"], ["NV-04", "Pin mặt trời", "Phạm Dung", "Huế"]], "v2.csv"
    )
    then = _records(api, gateway.key, "DV.MACDINH", as_of=between)
    assert then["version"] == 1 and [r["ma_nhiem_vu"] for r in then["items"]] == ["NV-01", "NV-02", "NV-03"]  # type: ignore[attr-defined]
    changes = _records(api, gateway.key, "DV.MACDINH", changed_since=between)
    assert (changes["from_version"], changes["version"]) == (1, 2)
    seen = {(r["_change"], r["ma_nhiem_vu"], r["ten_nhiem_vu"]) for r in changes["items"]}  # type: ignore[attr-defined]
    assert seen == {
        ("added", "NV-02", "Dự báo lũ sông Hồng"),
        ("added", "NV-04", "Pin mặt trời"),
        ("removed", "NV-02", "Dự báo lũ"),
        ("removed", "NV-03", "Vật liệu nano"),
    }
    first = _records(api, gateway.key, "DV.MACDINH", changed_since=between, limit="3")
    rest = _records(api, gateway.key, "DV.MACDINH", changed_since=between, limit="3", cursor=str(first["next_cursor"]))
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None  # type: ignore[arg-type]
    assert _records(api, gateway.key, "DV.MACDINH", changed_since=utcnow().isoformat())["items"] == []
    before_all = _records(api, gateway.key, "DV.MACDINH", changed_since="2000-01-01T00:00:00")
    assert {r["_change"] for r in before_all["items"]} == {"added"} and len(before_all["items"]) == 3  # type: ignore[attr-defined]
    assert api.get("/x/DV.MACDINH/records", params={"as_of": "2000-01-01"}, headers=gateway.key).status_code == 404
    assert api.get("/x/DV.MACDINH/records", params={"as_of": "hôm qua"}, headers=gateway.key).status_code == 400
    both = api.get("/x/DV.MACDINH/records", params={"as_of": between, "changed_since": between}, headers=gateway.key)
    assert both.status_code == 400
    forms = set(db.scalars(select(ExchangeRecord.form)))
    assert {"as_of", "changes"} <= forms


def test_a_consumer_reads_its_own_log_and_the_chain_holds(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    mine = [int(api.get("/x/DV.MACDINH/records", headers=gateway.key).headers["ketnoi-exchange"]) for _ in range(3)]
    api.get("/x/DV.MACDINH/records", headers=gateway.other_key)  # refused: not granted; the other's record
    log = api.get("/x/log", headers=gateway.key).json()
    assert [r["seq"] for r in log["items"]] == mine and log["next_after"] is None
    page = api.get("/x/log", params={"after": mine[0], "limit": 1}, headers=gateway.key).json()
    assert [r["seq"] for r in page["items"]] == [mine[1]] and page["next_after"] == mine[1]
    assert evidence.verify(db).ok


def test_a_grant_allows_only_its_operations(api: TestClient, gateway: World, db: Session) -> None:
    asked = ask_connection(api, gateway.key, "DV.DACTHU", ["ma_nhiem_vu"])
    steward = gateway.setting.headers["steward"]
    decision = f"/api/v1/connection-requests/{asked['id']}/decision"
    wrong = api.post(decision, json={"approve": True, "operations": ["delete"]}, headers=steward)
    assert wrong.status_code == 422 and "operations" in wrong.json()["error"]["fields"]
    only_pages = {"approve": True, "operations": ["records"]}
    assert api.post(decision, json=only_pages, headers=steward).status_code == 200
    agree(api, gateway, gateway.key, asked["id"])
    assert api.get("/x/DV.DACTHU/records", headers=gateway.key).status_code == 200
    for mode in ("as_of", "changed_since"):
        refused = api.get("/x/DV.DACTHU/records", params={mode: "2026-01-01T00:00:00"}, headers=gateway.key)
        assert refused.status_code == 403 and refused.json()["error"]["type"] == "access_denied", mode
