from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from ketnoi.auth.models import ApiToken
from ketnoi.db import unit_of_work
from tests.api.conftest import World, error_of


def test_changes_are_recorded_with_before_and_after(api: TestClient, world: World) -> None:
    h = world.headers["steward_a"]
    body = {"name": "CSDL thống kê", "owner_unit_id": str(world.unit_a.id), "db_class": "internal"}
    created = api.post("/api/v1/databases", json=body, headers=h).json()
    api.patch(f"/api/v1/databases/{created['id']}", json={"name": "CSDL thống kê KH&CN", "security_level": 3}, headers=h)
    history = api.get(f"/api/v1/audit/database/{created['id']}", headers=world.headers["leader"]).json()
    assert [e["action"] for e in history] == ["update", "create"]
    assert history[0]["actor_label"] == "steward_a"
    assert history[0]["changes"] == {"name": ["CSDL thống kê", "CSDL thống kê KH&CN"], "security_level": [None, 3]}
    assert api.get("/api/v1/audit", headers=world.headers["public"]).status_code == 401


def test_audit_trail_cannot_be_edited_through_the_api(api: TestClient, world: World) -> None:
    h = world.headers["admin"]
    event = api.get("/api/v1/audit", headers=h).json()["items"][0]
    for method in ("PUT", "PATCH", "DELETE"):
        assert api.request(method, f"/api/v1/audit/organization/{event['entity_id']}", headers=h).status_code == 405
    assert api.post("/api/v1/audit", json={}, headers=h).status_code == 405


def test_token_created_shown_once_stored_hashed_and_revocable(api: TestClient, world: World) -> None:
    h = world.headers["steward_a"]
    created = api.post("/api/v1/tokens", json={"name": "Kịch bản đồng bộ"}, headers=h)
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("kn_")
    mine = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/me", headers=mine).json()["username"] == "steward_a"
    assert all("token" not in t for t in api.get("/api/v1/tokens", headers=mine).json())
    with unit_of_work() as s:
        stored = s.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and all(len(v) == 64 for v in stored)
    assert api.delete(f"/api/v1/tokens/{created.json()['id']}", headers=world.headers["steward_b"]).status_code == 403
    assert api.delete(f"/api/v1/tokens/{created.json()['id']}", headers=h).status_code == 200
    after = api.get("/api/v1/me", headers=mine)
    assert after.status_code == 401 and error_of(after)["type"] == "unauthenticated"


def test_focal_point_appointment_notifies_admins_in_app(api: TestClient, world: World) -> None:
    url = f"/api/v1/organizations/{world.unit_a.id}/focal-points"
    r = api.post(url, json={"full_name": "Phạm Thu Trang", "started_on": "2025-03-01"}, headers=world.headers["steward_a"])
    assert r.status_code == 201
    notes = api.get("/api/v1/notifications", headers=world.headers["admin"]).json()
    assert [n["subject"] for n in notes] == ["Trung tâm Công nghệ thông tin cử đầu mối mới: Phạm Thu Trang"]
    assert api.get("/api/v1/notifications", headers=world.headers["steward_a"]).json() == []
    jobs = api.get("/api/v1/jobs", headers=world.headers["steward_a"]).json()["items"]
    assert [(j["kind"], j["status"]) for j in jobs] == [("notify.send_email", "succeeded")]


def test_openapi_is_3_1_and_errors_are_typed(api: TestClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/databases", "/api/v1/datasets", "/api/v1/organizations", "/api/v1/tokens"} <= set(spec["paths"])
    missing = api.get("/api/v1/datasets/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and error_of(missing)["type"] == "not_found"
    not_uuid = api.get("/api/v1/datasets/abc")
    assert not_uuid.status_code == 422 and error_of(not_uuid)["fields"] == {"dataset_id": "Mã định danh không hợp lệ."}
