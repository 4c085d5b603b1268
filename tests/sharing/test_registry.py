"""The sharing-service registry: fields, lifecycle, the publication time limit, who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound
from ketnoi.sharing import registry
from ketnoi.sharing.models import ServiceStatus
from ketnoi.workcal.service import WorkingDays
from tests import factories as f
from tests.sharing.conftest import Setting


def test_a_service_publishes_its_fields_and_the_structure_of_its_records(db: Session, setting: Setting) -> None:
    view = registry.create_service(db, actor=setting.steward, data=setting.service_in())
    service = view.service
    assert service.status == ServiceStatus.DRAFT and service.code == "DV.KHCN.NHIEMVU"
    assert view.owner.name == "Cục Thông tin khoa học và công nghệ quốc gia"
    assert list(service.exchange_schema["properties"]) == ["ma_nhiem_vu", "ten_nhiem_vu"]
    assert service.exchange_schema["properties"]["ten_nhiem_vu"] == {"type": ["string", "null"], "title": "Tên nhiệm vụ"}
    personal = registry.update_service(
        db, actor=setting.steward, service_id=service.id, data=setting.service_in(data_items=["ma_nhiem_vu", "chu_nhiem"])
    )
    assert personal.service.exchange_schema["properties"]["chu_nhiem"]["x-personal-data"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"data_items": ["khong_co"]}, "data_items"),  # not an item of the dataset
        ({"data_items": ["ghi_chu_noi_bo"]}, "data_items"),  # an item that is not shared
        ({"upstream_url": "https://api.example.vn/v1"}, "dataset_id"),  # a dataset and an upstream API: choose one
        ({"dataset_id": None, "data_items": []}, "dataset_id"),  # neither
    ],
)
def test_a_service_that_does_not_hold_together_is_refused(db: Session, setting: Setting, changes: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        registry.create_service(db, actor=setting.steward, data=setting.service_in(**changes))
    assert field in refused.value.fields


def test_codes_are_unique_and_other_units_cannot_offer_this_units_data(db: Session, setting: Setting) -> None:
    registry.create_service(db, actor=setting.steward, data=setting.service_in())
    with pytest.raises(Conflict):
        registry.create_service(db, actor=setting.steward, data=setting.service_in(name="Bản sao"))
    other = f.actor(db, "steward", f.unit(db, "Vụ Pháp chế"))
    with pytest.raises(Forbidden):
        registry.create_service(db, actor=other, data=setting.service_in(code="DV.KHAC"))


def test_ready_starts_the_one_working_day_limit_and_only_the_platform_publishes(db: Session, setting: Setting) -> None:
    service = registry.create_service(db, actor=setting.steward, data=setting.service_in()).service
    ready = registry.mark_ready(db, actor=setting.steward, service_id=service.id).service
    assert ready.status == ServiceStatus.READY and ready.ready_at is not None
    assert ready.publish_due_at == WorkingDays(db).deadline(ready.ready_at, 1)
    with pytest.raises(Forbidden):
        registry.publish(db, actor=setting.steward, service_id=service.id)  # the unit does not publish itself
    published = registry.publish(db, actor=setting.admin, service_id=service.id).service
    assert published.status == ServiceStatus.PUBLISHED and published.publish_due_at is None
    changed = registry.update_service(db, actor=setting.steward, service_id=service.id, data=setting.service_in(name="Tên mới"))
    assert changed.service.status == ServiceStatus.CHANGED and changed.service.publish_due_at is not None
    unchanged = registry.update_service(db, actor=setting.admin, service_id=service.id, data=setting.service_in(name="Tên mới"))
    assert unchanged.service.status == ServiceStatus.CHANGED  # nothing changed: nothing more to do
    registry.publish(db, actor=setting.admin, service_id=service.id)
    retired = registry.retire(db, actor=setting.steward, service_id=service.id).service
    assert retired.status == ServiceStatus.RETIRED
    with pytest.raises(Invalid):
        registry.update_service(db, actor=setting.steward, service_id=service.id, data=setting.service_in())


def test_the_dashboard_lists_services_late_or_due_today(db: Session, setting: Setting) -> None:
    late = registry.create_service(db, actor=setting.steward, data=setting.service_in(code="DV.TRE", name="Dịch vụ trễ")).service
    today = registry.create_service(db, actor=setting.steward, data=setting.service_in(code="DV.HOMNAY", name="Dịch vụ đến hạn")).service
    for service in (late, today):
        registry.mark_ready(db, actor=setting.steward, service_id=service.id)
    now = datetime(2025, 3, 12, 3, 0, tzinfo=UTC)  # Wednesday 10:00 in Hà Nội
    late.publish_due_at = datetime(2025, 3, 11, 17, 0, tzinfo=UTC)  # end of Tuesday: passed
    today.publish_due_at = datetime(2025, 3, 12, 17, 0, tzinfo=UTC)  # end of Wednesday
    db.flush()
    assert [v.service.code for v in registry.list_services(db, actor=setting.admin, sla="late", now=now)] == ["DV.TRE"]
    assert [v.service.code for v in registry.list_services(db, actor=setting.admin, sla="due_today", now=now)] == ["DV.HOMNAY"]
    assert registry.list_services(db, actor=setting.admin, sla="late", now=now - timedelta(days=2)) == []
    waiting = registry.list_services(db, actor=setting.admin, sla="waiting", now=now)
    assert [(v.service.code, v.sla) for v in waiting] == [("DV.TRE", "late"), ("DV.HOMNAY", "due_today")]  # most urgent first


def test_the_public_sees_published_services_only(db: Session, setting: Setting) -> None:
    draft = registry.create_service(db, actor=setting.steward, data=setting.service_in()).service
    with pytest.raises(NotFound):
        registry.get_service(db, actor=PUBLIC, service_id=draft.id)
    registry.mark_ready(db, actor=setting.steward, service_id=draft.id)
    registry.publish(db, actor=setting.admin, service_id=draft.id)
    assert [v.service.code for v in registry.list_services(db, actor=PUBLIC)] == ["DV.KHCN.NHIEMVU"]


def test_the_api_gives_the_catalog_and_an_openapi_document_per_service(api: TestClient, setting: Setting) -> None:
    body = setting.service_in().model_dump(mode="json")
    created = api.post("/api/v1/services", json=body, headers=setting.headers["steward"])
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    assert api.get(f"/api/v1/services/{service_id}").status_code == 404  # a draft: not public
    assert api.post(f"/api/v1/services/{service_id}/ready", headers=setting.headers["steward"]).json()["sla"] in ("on_time", "due_today")
    assert api.post(f"/api/v1/services/{service_id}/publish", headers=setting.headers["steward"]).status_code == 403
    assert api.post(f"/api/v1/services/{service_id}/publish", headers=setting.headers["admin"]).json()["status"] == "published"
    listed = api.get("/api/v1/services").json()
    assert [s["code"] for s in listed] == ["DV.KHCN.NHIEMVU"] and listed[0]["rate_limit_per_minute"] == 600
    doc = api.get(f"/api/v1/services/{service_id}/openapi.json").json()
    assert doc["openapi"] == "3.1.0" and doc["info"]["x-ketnoi-service-code"] == "DV.KHCN.NHIEMVU"
    assert list(doc["components"]["schemas"]["Record"]["properties"]) == ["ma_nhiem_vu", "ten_nhiem_vu"]
    assert "/x/DV.KHCN.NHIEMVU/records" in doc["paths"]
    wrong = api.post("/api/v1/services", json=body | {"code": "có dấu", "sharing_form": "not_shared"}, headers=setting.headers["steward"])
    assert wrong.status_code == 422 and {"code", "sharing_form"} <= set(wrong.json()["error"]["fields"])
