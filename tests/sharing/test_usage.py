"""Who used what: figures per service and per application from the exchange log, for the unit that owns the service."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.identity import actor_for
from ketnoi.sharing.evidence import ExchangeRecord
from tests import factories as f
from tests.sharing.conftest import World, ask_connection


def test_figures_by_service_and_by_application(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    for _ in range(3):
        assert api.get("/x/DV.MACDINH/records", headers=gateway.key).status_code == 200  # 3 rows each
    assert api.get("/x/DV.MACDINH/records", params={"limit": "1"}, headers=gateway.key).status_code == 200
    assert api.get("/x/DV.MACDINH/records", headers=gateway.other_key).status_code == 403  # not granted
    assert api.get("/x/DV.MACDINH/records", params={"limit": "0"}, headers=gateway.key).status_code == 422
    db.execute(update(ExchangeRecord).where(ExchangeRecord.status == 200).values(latency_ms=ExchangeRecord.seq * 10))
    db.commit()
    steward = gateway.setting.headers["steward"]
    [service] = api.get("/api/v1/exchange-stats", params={"by": "service"}, headers=steward).json()
    assert (service["key"], service["requests"], service["refused"], service["errors"], service["rows"]) == ("DV.MACDINH", 6, 2, 0, 10)
    assert service["latency_ms"] == {"p50": 20, "p95": 40, "p99": 40}  # answered: 10, 20, 30, 40 ms
    by_app = api.get("/api/v1/exchange-stats", params={"by": "consumer", "period": "1d"}, headers=steward).json()
    assert sorted((a["label"], a["requests"]) for a in by_app) == [
        ("Hệ thống của Bộ Công an (Bộ Công an)", 1),
        ("Hệ thống của Văn phòng Chính phủ (Văn phòng Chính phủ)", 5),
    ]
    log = api.get("/api/v1/exchange-log", params={"limit": 4}, headers=steward).json()
    assert [r["seq"] for r in log["items"]] == [1, 2, 3, 4] and log["next_after"] == 4
    assert api.get("/api/v1/exchange-stats", params={"period": "tuần"}, headers=steward).status_code == 422
    assert api.get("/api/v1/exchange-stats").status_code == 401


def test_a_unit_sees_only_its_own_services(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    api.get("/x/DV.MACDINH/records", headers=gateway.key)
    other = f.user(db, "steward", f.unit(db, "Vụ Pháp chế"), username="phapche")
    leader = f.user(db, "leader", username="lanhdao")
    tokens = {}
    for name, user in (("other", other), ("leader", leader)):
        tokens[name] = {"Authorization": f"Bearer {auth.create_token(db, actor=actor_for(db, user), name='t')[1]}"}
    db.commit()
    assert api.get("/api/v1/exchange-stats", headers=tokens["other"]).json() == []
    assert api.get("/api/v1/exchange-log", headers=tokens["other"]).json()["items"] == []
    assert [s["key"] for s in api.get("/api/v1/exchange-stats", headers=tokens["leader"]).json()] == ["DV.MACDINH"]
    page = api.get("/exchanges", params={"period": "30d"}, headers=tokens["leader"])
    assert page.status_code == 200 and "DV.MACDINH" in page.text and "Văn phòng Chính phủ" in page.text
