"""The registry's pages: a unit declares a service, marks it ready, the platform publishes it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.sharing.models import SharingService
from tests import factories as f
from tests.sharing.conftest import Setting
from tests.web.conftest import login, post


def _form(setting: Setting, **changes: str) -> dict[str, object]:
    values = {
        "code": "dv.khcn.nhiemvu",  # typed in lower case: stored in capitals
        "name": "Tra cứu nhiệm vụ khoa học và công nghệ",
        "owner_unit_id": str(setting.unit.id),
        "dataset_id": str(setting.dataset.id),
        "data_items": "ma_nhiem_vu, ten_nhiem_vu",
        "sharing_form": "default_shared",
        "method": "live_call",
        "usage_regulation": "Chỉ dùng cho công tác quản lý nhà nước.",
        "rate_limit_per_minute": "600",
    }
    return values | changes


def test_a_unit_declares_a_service_and_the_platform_publishes_it(api: TestClient, setting: Setting, db: Session) -> None:
    login(api, "canbo", f.PASSWORD)
    assert api.get("/services/new").status_code == 200
    wrong = post(api, "/services/new", _form(setting, code="có dấu", data_items="khong_co"))
    assert wrong.status_code == 422 and "Mã dịch vụ gồm chữ in hoa" in wrong.text and 'aria-invalid="true"' in wrong.text
    created = post(api, "/services/new", _form(setting))
    assert created.status_code == 303, created.text
    service_url = created.headers["location"].split("?")[0]
    page = api.get(service_url).text
    assert "DV.KHCN.NHIEMVU" in page and "Đang soạn" in page and "Tên nhiệm vụ" in page and "Quy chế khai thác" in page
    assert post(api, f"{service_url}/ready").status_code == 303
    assert "Sẵn sàng, chờ công bố" in api.get(service_url).text
    assert "Công bố</button>" not in api.get(service_url).text  # the unit does not publish
    assert post(api, f"{service_url}/publish").status_code == 403

    api.cookies.clear()
    login(api, "quantri", f.PASSWORD)
    listing = api.get("/services").text
    assert "Chờ công bố (1)" in listing and "DV.KHCN.NHIEMVU" in listing
    assert post(api, f"{service_url}/publish").status_code == 303
    assert "Đã công bố" in api.get(service_url).text
    db.expire_all()
    service = db.scalar(select(SharingService))
    assert service is not None and service.published_at is not None and service.published_at <= datetime.now(UTC)

    api.cookies.clear()
    public = api.get("/services").text
    assert "Tra cứu nhiệm vụ khoa học và công nghệ" in public and "Khai báo dịch vụ" not in public
    assert re.search(r"Tất cả dịch vụ \(1\)", public)
