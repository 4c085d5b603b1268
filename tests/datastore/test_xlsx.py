"""XLSX: a report with a merged title, typed cells, sheets; and files that only pretend to be workbooks."""

from __future__ import annotations

import uuid
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session

from ketnoi.datastore import ingest as datastore
from ketnoi.datastore.readers import open_table
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Invalid

HEADER = ["Mã đề tài", "Tên đề tài", "Năm bắt đầu", "Kinh phí (triệu đồng)", "Ngày cập nhật"]


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Đề tài"
    sheet.append(["BÁO CÁO DANH MỤC ĐỀ TÀI KHOA HỌC NĂM 2021"])
    sheet.merge_cells("A1:E1")
    sheet.append(["(Kèm theo Công văn số 123/BKHCN-TTCNTT ngày 03/11/2021)"])
    sheet.merge_cells("A2:E2")
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(["DT-01", "Giống lúa chịu mặn", 2021, 1234.5, datetime(2021, 11, 3)])
    sheet.append(["DT-02", "Dự báo lũ", 2022, 980, datetime(2022, 2, 15)])
    other = book.create_sheet("Ghi chú")
    other.append(["Ghi chú", "Người lập"])
    other.append(["Số liệu sơ bộ", "Nguyễn Văn A"])
    book.save(path)
    return path


def test_a_report_sheet_is_read_below_its_merged_title(tmp_path: Path) -> None:
    table = open_table(_workbook(tmp_path / "bao_cao.xlsx"))
    assert (table.format, table.header_line, table.headers) == ("xlsx", 4, HEADER)
    rows = list(table.rows())
    assert rows == [
        (5, ["DT-01", "Giống lúa chịu mặn", 2021, 1234.5, datetime(2021, 11, 3)]),
        (6, ["DT-02", "Dự báo lũ", 2022, 980, datetime(2022, 2, 15)]),
    ]
    other = open_table(tmp_path / "bao_cao.xlsx", sheet="Ghi chú")
    assert other.headers == ["Ghi chú", "Người lập"] and len(list(other.rows())) == 1
    with pytest.raises(Invalid, match="không có trang «Tổng hợp» \\(các trang: Đề tài, Ghi chú\\)"):
        open_table(tmp_path / "bao_cao.xlsx", sheet="Tổng hợp")


def test_a_workbook_loads_with_native_types(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    version = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_workbook(tmp_path / "bao_cao.xlsx"))
    types = [(f["title"], f["type"]) for f in version.table_schema["fields"]]
    assert types == [(HEADER[0], "string"), (HEADER[1], "string"), (HEADER[2], "integer"), (HEADER[3], "number"), (HEADER[4], "date")]
    assert (version.row_count, version.header_line, version.source_format) == (2, 4, "xlsx")


def test_a_zip_bomb_is_refused_before_any_xml_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 << 20))  # 64 MB of zeros: about 64 KB packed
    assert path.stat().st_size < 1 << 20
    with pytest.raises(Invalid, match="bom nén"):
        open_table(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"Ma,Ten\r\n1,a\r\n", "không mở được tệp nén"), (b"PK\x03\x04 not really a zip", "không mở được tệp nén")],
)
def test_files_named_xlsx_that_are_not_workbooks(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "gia.xlsx"
    path.write_bytes(content)
    with pytest.raises(Invalid, match=message):
        open_table(path)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "xin chào")
    with pytest.raises(Invalid, match=r"thiếu xl/workbook\.xml"):
        open_table(path)


def test_a_two_row_header_over_merged_cells_and_merged_data_cells(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["TỔNG HỢP KINH PHÍ NHIỆM VỤ KHOA HỌC VÀ CÔNG NGHỆ"])
    sheet.merge_cells("A1:E1")
    sheet.append(["Mã nhiệm vụ", "Cấp quản lý", "Kinh phí (triệu đồng)", None, "Ghi chú"])
    sheet.append([None, None, "Ngân sách nhà nước", "Nguồn khác", None])
    for cells in ("A2:A3", "B2:B3", "C2:D2", "E2:E3"):
        sheet.merge_cells(cells)
    sheet.append(["NV-01", "Quốc gia", 8500, 1200, "Đang thực hiện"])
    sheet.append(["NV-02", None, 4800, 0, None])
    sheet.append(["NV-03", None, 3150, 250, None])
    sheet.merge_cells("B4:B6")  # one level written once for three tasks, as offices do
    sheet.append(["NV-04", "Bộ", 950, None, "Đã nghiệm thu"])
    path = tmp_path / "kinh_phi.xlsx"
    book.save(path)

    table = open_table(path)
    assert table.headers == [
        "Mã nhiệm vụ",
        "Cấp quản lý",
        "Kinh phí (triệu đồng) – Ngân sách nhà nước",
        "Kinh phí (triệu đồng) – Nguồn khác",
        "Ghi chú",
    ]
    assert table.header_line == 3 and any("hai dòng" in note for note in table.notes)
    assert [cells[1] for _, cells in table.rows()] == ["Quốc gia", "Quốc gia", "Quốc gia", "Bộ"]
    version = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    names = [f["name"] for f in version.table_schema["fields"]]
    assert names == ["ma_nhiem_vu", "cap_quan_ly", "kinh_phi_trieu_dong_ngan_sach_nha_nuoc", "kinh_phi_trieu_dong_nguon_khac", "ghi_chu"]
    assert version.row_count == 4


def test_a_title_spanning_columns_without_sub_titles_names_each_column(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã", "Tên", "Liên hệ", None])
    sheet.merge_cells("C1:D1")
    sheet.append(["A-1", "Viện Lúa", "0292 3861 954", "vienlua@example.vn"])
    path = tmp_path / "lien_he.xlsx"
    book.save(path)
    assert open_table(path).headers == ["Mã", "Tên", "Liên hệ", "Liên hệ (2)"]
