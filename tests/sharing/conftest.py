"""A unit with a dataset of three data items (one personal, one not shared), its steward and an administrator;
for the gateway, a table loaded from a file, two services over it, and two agencies' applications."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.authz import Actor
from ketnoi.catalog import items
from ketnoi.catalog.models import Dataset
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore.ingest import ingest
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import Organization, OrgKind
from ketnoi.sharing import agreements, consumers, registry
from ketnoi.sharing.schemas import ServiceIn
from tests import factories as f
from tests.apps import shared_app
from tests.datastore.conftest import as_csv


@dataclass
class Setting:
    unit: Organization
    dataset: Dataset
    steward: Actor
    admin: Actor
    headers: dict[str, dict[str, str]]

    def service_in(self, **changes: object) -> ServiceIn:
        values: dict[str, object] = {
            "code": "DV.KHCN.NHIEMVU",
            "name": "Tra cứu nhiệm vụ khoa học và công nghệ",
            "owner_unit_id": self.unit.id,
            "dataset_id": self.dataset.id,
            "data_items": ["ma_nhiem_vu", "ten_nhiem_vu"],
            "usage_regulation": "Chỉ dùng cho công tác quản lý nhà nước.",
            "rate_limit_per_minute": 600,
        }
        return ServiceIn.model_validate(values | changes)


@pytest.fixture
def setting(db: Session) -> Setting:
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    dataset = f.dataset(db, f.database(db, unit), "Nhiệm vụ khoa học và công nghệ").dataset
    for name, title, form, personal in (
        ("ma_nhiem_vu", "Mã nhiệm vụ", "default_shared", False),
        ("ten_nhiem_vu", "Tên nhiệm vụ", "default_shared", False),
        ("chu_nhiem", "Chủ nhiệm", "specific_request", True),
        ("ghi_chu_noi_bo", "Ghi chú nội bộ", "not_shared", False),
    ):
        data = DataItemIn(name=name, title=title, sharing_form=form, is_personal=personal)  # type: ignore[arg-type]
        items.add_item(db, actor=system_actor(), dataset_id=dataset.id, data=data)
    steward_user = f.user(db, "steward", unit, username="canbo")
    admin_user = f.user(db, "admin", username="quantri")
    headers = {}
    for key, user in (("steward", steward_user), ("admin", admin_user)):
        _, secret = auth.create_token(db, actor=actor_for(db, user), name="t")
        headers[key] = {"Authorization": f"Bearer {secret}"}
    db.commit()
    return Setting(unit, dataset, actor_for(db, steward_user), actor_for(db, admin_user), headers)


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client


# -- the gateway's tests: a loaded table behind two published services, two agencies' applications --

HEADER = ["Mã nhiệm vụ", "Tên nhiệm vụ", "Chủ nhiệm", "Tỉnh thành"]
ROWS = [
    ["NV-01", "Giống lúa chịu mặn", "Nguyễn Văn An", "Hà Nội"],
    ["NV-02", "Dự báo lũ", "Trần Thị Bình", "Đà Nẵng"],
    ["NV-03", "Vật liệu nano", "Lê Văn Cường", "Hà Nội"],
]
ITEMS = ["ma_nhiem_vu", "ten_nhiem_vu", "chu_nhiem", "tinh_thanh"]


@dataclass
class World:
    setting: Setting
    resource_id: uuid.UUID
    key: dict[str, str]
    other_key: dict[str, str]
    tmp: Path

    def load(self, db: Session, rows: list[list[str]], name: str) -> None:
        path = self.tmp / name
        path.write_bytes(as_csv([HEADER, *rows]))
        ingest(db, actor=system_actor(), resource_id=self.resource_id, path=path)
        db.commit()


@pytest.fixture
def gateway(db: Session, setting: Setting, tmp_path: Path) -> World:
    data = DataItemIn(name="tinh_thanh", title="Tỉnh thành", sharing_form="default_shared")  # type: ignore[arg-type]
    items.add_item(db, actor=system_actor(), dataset_id=setting.dataset.id, data=data)
    resource = items.add_resource(db, actor=system_actor(), dataset_id=setting.dataset.id, name="Nhiệm vụ", description=None,
                                  filename="nhiem_vu.csv", stream=io.BytesIO(b"x"), max_bytes=1 << 20)  # fmt: skip
    for code, form in (("DV.MACDINH", "default_shared"), ("DV.DACTHU", "specific_request")):
        service = registry.create_service(
            db, actor=setting.steward, data=setting.service_in(code=code, name=code, sharing_form=form, data_items=ITEMS)
        ).service
        registry.mark_ready(db, actor=setting.steward, service_id=service.id)
        registry.publish(db, actor=setting.admin, service_id=service.id)
    keys = []
    for agency_name in ("Văn phòng Chính phủ", "Bộ Công an"):
        agency = f.unit(db, agency_name, kind=OrgKind.AGENCY)
        app = consumers.register_app(
            db, actor=setting.admin, organization_id=agency.id, name=f"Hệ thống của {agency_name}", description=None
        )
        keys.append({"X-API-Key": consumers.issue_credential(db, actor=setting.admin, app_id=app.id, kind="api_key").secret})
    db.commit()
    made = World(setting, resource.id, keys[0], keys[1], tmp_path)
    made.load(db, ROWS, "v1.csv")
    return made


def ask_connection(api: TestClient, key: dict[str, str], service: str, data_items: list[str]) -> dict[str, object]:
    body = {"service": service, "purpose": "Giải quyết thủ tục hành chính trực tuyến", "data_items": data_items, "frequency": "daily"}
    response = api.post("/x/connection-requests", json=body, headers=key)
    assert response.status_code == 201, response.text
    return dict(response.json())


AGREEMENT = {key: f"Nội dung {label.lower()} đã thống nhất." for key, label in agreements.ITEMS.items()}


def agree(api: TestClient, gateway: World, key: dict[str, str], request_id: object, **changes: object) -> dict[str, object]:
    """The unit proposes an art. 38 agreement for an approved request, and the application accepts it."""
    body = {"terms": AGREEMENT, "valid_from": "2020-01-01"} | changes
    proposed = api.post(f"/api/v1/connection-requests/{request_id}/agreements", json=body, headers=gateway.setting.headers["steward"])
    assert proposed.status_code == 201, proposed.text
    accepted = api.post(f"/x/agreements/{proposed.json()['id']}/accept", headers=key)
    assert accepted.status_code == 200, accepted.text
    return dict(accepted.json())
