"""Connection requests (art. 35): by policy for default sharing, within 2 working days otherwise, refusals reasoned."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.identity import actor_for
from ketnoi.kit.clock import utcnow
from ketnoi.notify.models import Notification
from ketnoi.org.models import OrgKind
from ketnoi.sharing import consumers, registry
from ketnoi.sharing.requests import ConnectionRequest
from ketnoi.workcal.service import WorkingDays
from tests import factories as f
from tests.sharing.conftest import Setting


@pytest.fixture
def world(db: Session, setting: Setting) -> dict[str, Any]:
    services = {}
    for code, form in (("DV.MACDINH", "default_shared"), ("DV.DACTHU", "specific_request")):
        service = registry.create_service(
            db, actor=setting.steward, data=setting.service_in(code=code, name=code, sharing_form=form)
        ).service
        registry.mark_ready(db, actor=setting.steward, service_id=service.id)
        registry.publish(db, actor=setting.admin, service_id=service.id)
        services[code] = service
    agency = f.unit(db, "Văn phòng Chính phủ", kind=OrgKind.AGENCY)
    app = consumers.register_app(db, actor=setting.admin, organization_id=agency.id, name="Cổng Dịch vụ công quốc gia", description=None)
    key = consumers.issue_credential(db, actor=setting.admin, app_id=app.id, kind="api_key").secret
    db.commit()
    return {"services": services, "key": {"X-API-Key": key}}


def _ask(api: TestClient, world: dict[str, Any], service: str, **changes: Any) -> Any:
    body = {"service": service, "purpose": "Giải quyết thủ tục hành chính trực tuyến", "data_items": ["ma_nhiem_vu"], "frequency": "daily"}
    return api.post("/x/connection-requests", json=body | changes, headers=world["key"])


def test_a_default_shared_service_is_granted_by_policy_and_the_unit_is_told(api: TestClient, world: dict[str, Any], db: Session) -> None:
    response = _ask(api, world, "DV.MACDINH", expected_records=500)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"] == "chính sách chia sẻ mặc định" and "Điều 35" in body["legal_basis"]
    told = db.scalars(select(Notification.subject)).all()
    assert told == ["Yêu cầu kết nối dịch vụ DV.MACDINH"]  # the unit's steward


def test_a_specific_request_waits_two_working_days_and_a_refusal_needs_reasons(
    api: TestClient, world: dict[str, Any], db: Session, setting: Setting
) -> None:
    asked = _ask(api, world, "DV.DACTHU").json()
    assert asked["status"] == "submitted"
    made = db.get(ConnectionRequest, uuid.UUID(asked["id"]))
    assert made is not None and made.due_at == WorkingDays(db).deadline(made.submitted_at, 2)
    steward_user = f.user(db, "steward", setting.unit, username="canbo2")
    _, token = auth.create_token(db, actor=actor_for(db, steward_user), name="t")
    other = f.user(db, "steward", f.unit(db, "Vụ Pháp chế"), username="khac")
    _, other_token = auth.create_token(db, actor=actor_for(db, other), name="t")
    db.commit()
    mine = {"Authorization": f"Bearer {token}"}
    assert [r["id"] for r in api.get("/api/v1/connection-requests", headers=mine).json()] == [asked["id"]]
    assert api.get("/api/v1/connection-requests", headers={"Authorization": f"Bearer {other_token}"}).json() == []
    decision = f"/api/v1/connection-requests/{asked['id']}/decision"
    assert api.post(decision, json={"approve": False}, headers={"Authorization": f"Bearer {other_token}"}).status_code == 403
    bare = api.post(decision, json={"approve": False, "reason": "không"}, headers=mine)
    assert bare.status_code == 422 and "lý do" in bare.json()["error"]["message"]
    refused = api.post(decision, json={"approve": False, "reason": "Chưa có thoả thuận theo Điều 38."}, headers=mine)
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert api.post(decision, json={"approve": True}, headers=mine).status_code == 422  # answered already
    seen = api.get("/x/connection-requests", headers=world["key"]).json()["items"]
    assert {r["status"] for r in seen} == {"refused"} and seen[0]["reason"] == "Chưa có thoả thuận theo Điều 38."


def test_overdue_requests_are_listed_and_bad_requests_refused(
    api: TestClient, world: dict[str, Any], db: Session, setting: Setting
) -> None:
    asked = _ask(api, world, "DV.DACTHU").json()
    made = db.get(ConnectionRequest, uuid.UUID(asked["id"]))
    assert made is not None
    from ketnoi.sharing import requests

    assert requests.pending(db, actor=setting.steward, overdue_at=utcnow()) == []
    made.due_at = utcnow() - timedelta(hours=1)
    db.flush()
    assert [r.id for r in requests.pending(db, actor=setting.steward, overdue_at=utcnow())] == [made.id]
    assert _ask(api, world, "DV.KHONGCO").status_code == 404
    wrong = _ask(api, world, "DV.DACTHU", data_items=["chu_nhiem"], frequency="hourly")
    assert wrong.status_code == 422 and "chu_nhiem" in wrong.json()["error"]["message"]
    assert api.post("/x/connection-requests", json={"service": "DV.DACTHU"}).status_code in (401, 422)
    no_key = _ask(api, {"key": {}}, "DV.DACTHU")
    assert no_key.status_code == 401 and no_key.json()["error"]["fault"] == "caller"


def test_an_overdue_request_is_told_once_to_its_unit_and_the_administrators(
    api: TestClient, world: dict[str, Any], db: Session, setting: Setting
) -> None:
    from ketnoi.jobs import queue
    from ketnoi.sharing import requests as connection_requests

    asked = _ask(api, world, "DV.DACTHU").json()
    made = db.get(ConnectionRequest, uuid.UUID(asked["id"]))
    assert made is not None
    db.query(Notification).delete()
    db.commit()
    assert connection_requests.remind_overdue(db, now=made.due_at - timedelta(minutes=1)) == 0  # still in time
    assert connection_requests.remind_overdue(db, now=made.due_at + timedelta(minutes=1)) == 1
    assert connection_requests.remind_overdue(db, now=made.due_at + timedelta(days=1)) == 0  # told once
    db.commit()
    told = db.scalars(select(Notification)).all()
    assert {n.subject for n in told} == {"Quá hạn trả lời yêu cầu kết nối dịch vụ DV.DACTHU"}
    assert len(told) == 2  # the unit's steward and the administrator
    assert told[0].link == f"/services/{made.service_id}/requests/{made.id}"
    assert "ketnoi.sharing.requests:remind_overdue" in queue.PERIODIC
    due = queue.get_huey().read_periodic(datetime(2026, 11, 27, 8, 16))  # the worker's schedule: every minute
    assert [task.name for task in due] == ["ketnoi.periodic"]
