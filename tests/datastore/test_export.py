"""Downloads: CSV (UTF-8 with BOM), JSON, XLSX and typed Parquet with the rows API's filters, and no formula ever runs."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import uuid
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.catalog import items
from ketnoi.catalog.models import Resource
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore import export
from ketnoi.datastore import ingest as datastore
from ketnoi.identity import actor_for, system_actor
from tests import factories as f
from tests.datastore.conftest import as_csv

HEADER = ["Mã", "Ghi chú", "Năm", "Kinh phí"]
ROWS = [
    ["DT-1", '=HYPERLINK("http://x.example","bấm")', "2021", "1.234,5"],
    ["DT-2", "@SUM(A1:A2)", "2022", "-7"],
    ["DT-3", "+84 912 345 678", "2021", ""],
    ["DT-4", "Bình thường", "2020", "12"],
]


@pytest.fixture
def token(db: Session, resource: uuid.UUID, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "x.csv"
    path.write_bytes(as_csv([HEADER, *ROWS]))
    datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, "leader")), name="t")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def _get(api: TestClient, resource: uuid.UUID, token: dict[str, str], **params: str) -> bytes:
    response = api.get(f"/api/v1/resources/{resource}/export", params=params, headers=token)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="danh_muc_de_tai_v1.{params.get("format", "csv")}"'
    return response.content


def test_csv_keeps_vietnamese_for_excel_and_defuses_formulas(api: TestClient, resource: uuid.UUID, token: dict[str, str]) -> None:
    data = _get(api, resource, token)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["ma", "ghi_chu", "nam", "kinh_phi"]
    assert [r[1] for r in rows[1:]] == ['\'=HYPERLINK("http://x.example","bấm")', "'@SUM(A1:A2)", "'+84 912 345 678", "Bình thường"]
    assert [r[3] for r in rows[1:]] == ["1234.5", "-7", "", "12"]  # numbers stay numbers


def test_filters_sort_and_fields_apply_to_downloads(api: TestClient, resource: uuid.UUID, token: dict[str, str]) -> None:
    data = _get(api, resource, token, format="json", nam="2021", sort="-ma", fields="ma,kinh_phi")
    assert json.loads(data) == [{"ma": "DT-3", "kinh_phi": None}, {"ma": "DT-1", "kinh_phi": 1234.5}]


def test_xlsx_cells_are_typed_and_text_never_becomes_a_formula(api: TestClient, resource: uuid.UUID, token: dict[str, str]) -> None:
    book = load_workbook(io.BytesIO(_get(api, resource, token, format="xlsx")))
    sheet = book.active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["ma", "ghi_chu", "nam", "kinh_phi"]
    assert values[1] == ["DT-1", '=HYPERLINK("http://x.example","bấm")', 2021, 1234.5]
    assert [c.data_type for c in next(sheet.iter_rows(min_row=2, max_row=2))] == ["s", "s", "n", "n"]  # text, not formula ("f")


def test_an_unknown_format_or_filter_is_refused(api: TestClient, resource: uuid.UUID, token: dict[str, str]) -> None:
    response = api.get(f"/api/v1/resources/{resource}/export", params={"format": "xml"}, headers=token)
    assert response.status_code == 422 and "csv, json, xlsx, parquet" in response.json()["error"]["message"]
    response = api.get(f"/api/v1/resources/{resource}/export", params={"nam": "x"}, headers=token)
    assert response.status_code == 422


TYPED_HEADER = ["Mã", "Tên đề tài", "Năm", "Kinh phí", "Ngày duyệt", "Cập nhật lúc", "Đạt"]
TYPED_ROWS = [
    ["DT-1", unicodedata.normalize("NFD", "Giống lúa chịu mặn"), "2021", "1.234,5", "03/11/2021", "03/11/2021 08:30:15", "Có"],
    ["DT-2", "Dự báo lũ", "2022", "-7", "15/02/2022", "15/02/2022 17:05:09", "Không"],
    ["DT-3", "=1+1 Vật liệu nano", "2021", "", "", "", ""],
]


def _load(db: Session, resource: uuid.UUID, path: Path, rows: list[list[str]]) -> dict[str, str]:
    path.write_bytes(as_csv(rows))
    datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, "leader")), name="t")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def _parquet(api: TestClient, resource: uuid.UUID, token: dict[str, str], **params: str) -> pq.ParquetFile:
    response = api.get(f"/api/v1/resources/{resource}/export", params={"format": "parquet", **params}, headers=token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert response.headers["content-disposition"] == 'attachment; filename="danh_muc_de_tai_v1.parquet"'
    return pq.ParquetFile(io.BytesIO(response.content))


def test_parquet_columns_are_typed_with_exact_values_and_the_filter_applied(
    api: TestClient, db: Session, resource: uuid.UUID, tmp_path: Path
) -> None:
    token = _load(db, resource, tmp_path / "typed.csv", [TYPED_HEADER, *TYPED_ROWS])
    table = _parquet(api, resource, token, nam="2021", sort="-ma").read()
    assert [(field.name, field.type, field.nullable) for field in table.schema] == [
        ("ma", pa.string(), True),
        ("ten_de_tai", pa.string(), True),
        ("nam", pa.int64(), True),
        ("kinh_phi", pa.float64(), True),
        ("ngay_duyet", pa.date32(), True),
        ("cap_nhat_luc", pa.timestamp("us"), True),
        ("dat", pa.bool_(), True),
    ]
    assert table.to_pylist() == [  # DT-2 (2022) filtered out; text unchanged: Parquet is not a spreadsheet
        {
            "ma": "DT-3",
            "ten_de_tai": "=1+1 Vật liệu nano",
            "nam": 2021,
            "kinh_phi": None,
            "ngay_duyet": None,
            "cap_nhat_luc": None,
            "dat": None,
        },
        {
            "ma": "DT-1",
            "ten_de_tai": "Giống lúa chịu mặn",
            "nam": 2021,
            "kinh_phi": 1234.5,
            "ngay_duyet": date(2021, 11, 3),
            "cap_nhat_luc": datetime(2021, 11, 3, 8, 30, 15),
            "dat": True,
        },
    ]
    name = table.column("ten_de_tai")[1].as_py()
    assert name == unicodedata.normalize("NFC", name) != TYPED_ROWS[0][1]  # the file's NFD comes back NFC


def test_parquet_keeps_titles_descriptions_and_the_table_schema_of_the_chosen_columns(
    api: TestClient, db: Session, resource: uuid.UUID, tmp_path: Path
) -> None:
    token = _load(db, resource, tmp_path / "typed.csv", [TYPED_HEADER, *TYPED_ROWS])
    version = datastore.versions(db, actor=system_actor(), resource_id=resource)[0]
    described = [d | {"description": "Tổng kinh phí được duyệt"} if d["name"] == "kinh_phi" else d for d in version.table_schema["fields"]]
    version.table_schema = version.table_schema | {"fields": described}  # as the data dictionary is edited
    db.commit()
    schema = _parquet(api, resource, token, fields="kinh_phi,ten_de_tai").schema_arrow
    assert schema.names == ["kinh_phi", "ten_de_tai"]
    assert schema.field("kinh_phi").metadata == {b"title": "Kinh phí".encode(), b"description": "Tổng kinh phí được duyệt".encode()}
    assert schema.field("ten_de_tai").metadata == {b"title": "Tên đề tài".encode()}
    table_schema = json.loads(schema.metadata[b"table_schema"])
    assert [(d["name"], d["title"], d["type"]) for d in table_schema["fields"]] == [
        ("kinh_phi", "Kinh phí", "number"),
        ("ten_de_tai", "Tên đề tài", "string"),
    ]
    assert table_schema["fields"][0]["decimalChar"] == "," and "ketnoiSearch" not in table_schema


def test_parquet_holds_no_trace_of_a_column_hidden_from_the_reader(
    api: TestClient, db: Session, resource: uuid.UUID, tmp_path: Path
) -> None:
    dataset_id = db.get_one(Resource, resource).dataset_id
    personal = DataItemIn(name="ten_de_tai", title="Tên đề tài", sharing_form="open", is_personal=True, position=1)  # type: ignore[arg-type]
    items.add_item(db, actor=system_actor(), dataset_id=dataset_id, data=personal)
    token = _load(db, resource, tmp_path / "typed.csv", [TYPED_HEADER, *TYPED_ROWS])
    parquet = _parquet(api, resource, token)
    assert parquet.schema_arrow.names == ["ma", "nam", "kinh_phi", "ngay_duyet", "cap_nhat_luc", "dat"]
    assert "ten_de_tai" not in parquet.schema_arrow.metadata[b"table_schema"].decode()


def test_parquet_rows_cross_fetch_batches_and_row_groups_in_order(
    api: TestClient, db: Session, resource: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"DT-{i:02}", f"Đề tài số {i}", str(2000 + i), "" if i % 4 == 0 else f"{i},5"] for i in range(1, 26)]
    token = _load(db, resource, tmp_path / "many.csv", [HEADER, *rows])
    monkeypatch.setattr(export, "FETCH_ROWS", 3)  # 25 rows: fetched 3 at a time
    monkeypatch.setattr(export, "ROW_GROUP_ROWS", 5)  # a row group once 5 rows are pending
    parquet = _parquet(api, resource, token)
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [6, 6, 6, 6, 1]
    table = parquet.read()
    assert table.column("ma").to_pylist() == [r[0] for r in rows]
    assert table.column("nam").to_pylist() == list(range(2001, 2026))
    assert table.column("kinh_phi").to_pylist() == [None if i % 4 == 0 else i + 0.5 for i in range(1, 26)]
