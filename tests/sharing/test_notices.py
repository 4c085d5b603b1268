"""Planned maintenance announced 7 working days ahead, termination, and a violating application suspended and told."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ketnoi.kit.clock import utcnow
from ketnoi.sharing.evidence import ExchangeRecord
from ketnoi.sharing.notices import Notice
from ketnoi.workcal.service import WorkingDays
from tests.sharing.conftest import World, ask_connection


def _notice(api: TestClient, gateway: World, service_id: str, **body: object) -> object:
    return api.post(f"/api/v1/services/{service_id}/notices", json=body, headers=gateway.setting.headers["steward"])


def test_maintenance_is_announced_seven_working_days_ahead_and_pauses_the_service(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    ask_connection(api, gateway.other_key, "DV.MACDINH", ["ma_nhiem_vu"])
    service_id = next(s["id"] for s in api.get("/api/v1/services").json() if s["code"] == "DV.MACDINH")
    now = utcnow()
    earliest = WorkingDays(db).deadline(now, 7)
    message = "Nâng cấp máy chủ cơ sở dữ liệu nhiệm vụ KH&CN."
    early = _notice(api, gateway, service_id, kind="maintenance", starts_at=(earliest - timedelta(hours=2)).isoformat(),
                    ends_at=(earliest + timedelta(hours=4)).isoformat(), message=message)  # fmt: skip
    assert early.status_code == 422 and "7 ngày làm việc" in early.json()["error"]["message"]  # type: ignore[attr-defined]
    no_end = _notice(api, gateway, service_id, kind="maintenance", starts_at=earliest.isoformat(), message=message)
    assert no_end.status_code == 422 and "ends_at" in no_end.json()["error"]["fields"]  # type: ignore[attr-defined]
    made = _notice(api, gateway, service_id, kind="maintenance", starts_at=earliest.isoformat(),
                   ends_at=(earliest + timedelta(hours=4)).isoformat(), message=message)  # fmt: skip
    assert made.status_code == 201  # type: ignore[attr-defined]
    told = db.scalars(select(ExchangeRecord).where(ExchangeRecord.form == "notice")).all()
    assert len(told) == 2 and {r.service for r in told} == {"DV.MACDINH"}  # both applications granted the service, in the log
    seen = api.get("/x/notices", headers=gateway.key).json()
    assert seen["items"][0]["kind"] == "maintenance" and seen["items"][0]["message"] == message
    assert api.get("/x/DV.MACDINH/records", headers=gateway.key).status_code == 200  # not yet
    db.execute(update(Notice).values(starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1)))  # the window opens
    db.commit()
    paused = api.get("/x/DV.MACDINH/records", headers=gateway.key)
    assert paused.status_code == 503 and paused.json()["error"]["fault"] == "provider" and paused.json()["error"]["type"] == "maintenance"
    assert 3000 < int(paused.headers["retry-after"]) <= 3600
    db.execute(update(Notice).values(kind="termination", ends_at=None))
    db.commit()
    ended = api.get("/x/DV.MACDINH/records", headers=gateway.key)
    assert ended.status_code == 410 and ended.json()["error"]["type"] == "service_terminated"


def test_a_violating_application_is_suspended_and_reads_why(api: TestClient, gateway: World, db: Session) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    app_id = api.get("/x/whoami", headers=gateway.key).json()["app_id"]
    admin = gateway.setting.headers["admin"]
    assert api.post(f"/api/v1/consumers/{app_id}/suspend", json={"reason": "x"}, headers=admin).status_code == 422
    assert api.post(f"/api/v1/consumers/{app_id}/suspend", json={"reason": "Vượt quá phạm vi thỏa thuận."},
                    headers=gateway.setting.headers["steward"]).status_code == 403  # fmt: skip
    suspended = api.post(
        f"/api/v1/consumers/{app_id}/suspend", json={"reason": "Công bố lại dữ liệu trái quy chế khai thác."}, headers=admin
    )
    assert suspended.status_code == 200 and suspended.json()["kind"] == "suspension"
    refused = api.get("/x/DV.MACDINH/records", headers=gateway.key)
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "consumer_suspended"
    why = api.get("/x/notices", headers=gateway.key).json()
    assert why["app_status"] == "suspended" and why["items"][0]["message"] == "Công bố lại dữ liệu trái quy chế khai thác."
    told = db.scalars(select(ExchangeRecord).where(ExchangeRecord.form == "notice", ExchangeRecord.consumer == app_id)).one()
    assert told.request.startswith("NOTICE suspension")
