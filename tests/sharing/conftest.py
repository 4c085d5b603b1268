"""A unit with a dataset of three data items (one personal, one not shared), its steward and an administrator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ketnoi.app import create_app
from ketnoi.auth import service as auth
from ketnoi.authz import Actor
from ketnoi.catalog import items
from ketnoi.catalog.models import Dataset
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import Organization
from ketnoi.sharing.schemas import ServiceIn
from tests import factories as f


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
    with TestClient(create_app()) as client:
        yield client
