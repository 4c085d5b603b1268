"""The datastore tests' resource: a dataset of a unit with one CSV file attached."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.identity import system_actor
from tests import factories as f
from tests.apps import shared_app

HEADER = ["Mã đề tài", "Tên đề tài", "Năm bắt đầu", "Kinh phí (triệu đồng)", "Ngày cập nhật", "Đạt"]
GOOD = [
    ["DT-01", "Giống lúa chịu mặn", "2021", "1.234,5", "03/11/2021", "Có"],
    ["DT-02", "Dự báo lũ bằng trí tuệ nhân tạo", "2022", "980", "15/02/2022", "Không"],
    ["DT-03", "Vật liệu nano", "", "", "", ""],
]


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def resource(db: Session) -> uuid.UUID:
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    view = f.dataset(db, f.database(db, unit), "Đề tài khoa học")
    res = items.add_resource(
        db,
        actor=system_actor(),
        dataset_id=view.dataset.id,
        name="Danh mục đề tài",
        description=None,
        filename="de_tai.csv",
        stream=io.BytesIO(as_csv([HEADER, *GOOD])),
        max_bytes=1 << 20,
    )
    db.commit()
    return res.id


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(shared_app()) as client:
        yield client


def datastore_tables(db: Session) -> set[str]:
    """The datastore's tables as the database lists them (served or left behind by a cut-off load)."""
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        return set(connection.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'datastore'").scalars())
    return set(
        connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds\\_%' ESCAPE '\\'").scalars()
    )
