"""Downloads: CSV (UTF-8 with BOM), JSON and XLSX with the rows API's filters, and no formula ever runs."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
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
    response = api.get(f"/api/v1/resources/{resource}/export", params={"format": "parquet"}, headers=token)
    assert response.status_code == 422 and "csv, json, xlsx" in response.json()["error"]["message"]
    response = api.get(f"/api/v1/resources/{resource}/export", params={"nam": "x"}, headers=token)
    assert response.status_code == 422
