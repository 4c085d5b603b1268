"""Who sees which columns: the dataset's data items decide, read at each request."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.catalog import items
from ketnoi.catalog.models import DataItem, Dataset, Resource
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore import ingest as datastore
from ketnoi.identity import actor_for, system_actor
from tests import factories as f
from tests.datastore.conftest import as_csv

HEADER = ["Mã", "Tỉnh thành", "Chủ nhiệm", "Năm", "Kinh phí", "Ghi chú"]
ROWS = [
    ["DT-1", "Hà Nội", "Nguyễn Văn An", "2021", "100", "lúa chịu mặn"],
    ["DT-2", "Huế", "Trần Thị Bình", "2022", "200", "dự báo lũ"],
]
# name, title, sharing form, personal: "tinh" is found by its title, "ghi_chu" has no item at all.
ITEMS = [
    ("ma", "Mã đề tài", "open", False),
    ("tinh", "Tỉnh thành", "open", False),
    ("chu_nhiem", "Chủ nhiệm", "open", True),
    ("nam", "Năm bắt đầu", "open", False),
    ("kinh_phi", "Kinh phí", "default_shared", False),
]


def _token(db: Session, role: str, unit: Any = None) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, role, unit)), name="t")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def table(db: Session, resource: uuid.UUID, tmp_path: Path) -> uuid.UUID:
    res = db.get(Resource, resource)
    assert res is not None
    for position, (name, title, form, personal) in enumerate(ITEMS, start=1):
        data = DataItemIn(name=name, title=title, sharing_form=form, is_personal=personal, position=position)  # type: ignore[arg-type]
        items.add_item(db, actor=system_actor(), dataset_id=res.dataset_id, data=data)
    dataset = db.get(Dataset, res.dataset_id)
    assert dataset is not None
    dataset.visibility = "public"
    path = tmp_path / "de_tai.csv"
    path.write_bytes(as_csv([HEADER, *ROWS]))
    datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    db.commit()
    return resource


def _rows(api: TestClient, resource: uuid.UUID, headers: dict[str, str] | None = None, **params: str) -> Any:
    return api.get(f"/api/v1/resources/{resource}/rows", params=params, headers=headers or {})


def test_columns_are_tied_to_data_items_by_name_or_title_at_load(db: Session, table: uuid.UUID) -> None:
    version = datastore.versions(db, actor=system_actor(), resource_id=table)[0]
    tied = {fd["name"]: fd.get("ketnoiItem") for fd in version.table_schema["fields"]}
    assert tied == {"ma": "ma", "tinh_thanh": "tinh", "chu_nhiem": "chu_nhiem", "nam": "nam", "kinh_phi": "kinh_phi", "ghi_chu": None}


def test_the_public_sees_only_open_columns_that_are_not_personal(api: TestClient, table: uuid.UUID) -> None:
    body = _rows(api, table).json()
    assert [fd["name"] for fd in body["fields"]] == ["ma", "tinh_thanh", "nam"]
    assert body["items"][0] == {"_id": 1, "ma": "DT-1", "tinh_thanh": "Hà Nội", "nam": 2021}
    assert "Nguyễn" not in _rows(api, table).text
    for hidden in ({"chu_nhiem": "Nguyễn Văn An"}, {"kinh_phi__gt": "1"}, {"sort": "ghi_chu"}, {"fields": "ma,chu_nhiem"}):
        assert _rows(api, table, **hidden).status_code == 422, hidden  # not even filtered or sorted on
    # A word search reads all the row's text, the personal name too: refused while a text column is hidden.
    refused = _rows(api, table, q="nguyen")
    assert refused.status_code == 422 and "không tìm toàn văn" in refused.json()["error"]["message"]
    export = api.get(f"/api/v1/resources/{table}/export", params={"format": "csv"})
    assert export.status_code == 200 and export.content.decode("utf-8-sig").splitlines()[0] == "ma,tinh_thanh,nam"


def test_other_signed_in_readers_see_all_but_personal_columns_and_the_unit_sees_all(api: TestClient, table: uuid.UUID, db: Session) -> None:
    leader = _token(db, "leader")
    owner = db.get(Dataset, db.get_one(Resource, table).dataset_id)
    assert owner is not None
    steward = _token(db, "steward", db.get(type(f.unit(db)), owner.owner_unit_id))
    db.commit()
    seen = [fd["name"] for fd in _rows(api, table, leader).json()["fields"]]
    assert seen == ["ma", "tinh_thanh", "nam", "kinh_phi", "ghi_chu"]
    assert _rows(api, table, leader, q="lua").status_code == 422
    mine = _rows(api, table, steward, q="nguyen an").json()
    assert [r["chu_nhiem"] for r in mine["items"]] == ["Nguyễn Văn An"]


def test_a_flag_changed_in_the_catalog_applies_at_the_next_request(api: TestClient, table: uuid.UUID, db: Session) -> None:
    item = db.scalar(select(DataItem).where(DataItem.name == "ma"))
    assert item is not None
    item.is_sensitive = True
    db.commit()
    assert [fd["name"] for fd in _rows(api, table).json()["fields"]] == ["tinh_thanh", "nam"]
    for name in ("tinh", "nam"):
        other = db.scalar(select(DataItem).where(DataItem.name == name))
        assert other is not None
        other.sharing_form = "specific_request"
    db.commit()
    response = _rows(api, table)
    assert response.status_code == 401 and "dữ liệu mở" in response.json()["error"]["message"]
