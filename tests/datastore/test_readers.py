"""Reading uploaded tables: encodings, delimiters, headers below titles, JSON streams, and broken files."""

from __future__ import annotations

import codecs
import io
import json
import unicodedata
from pathlib import Path

import pytest

from ketnoi.datastore import readers
from ketnoi.datastore.readers import open_table
from ketnoi.kit.errors import Invalid

HEADER = ["Mã đề tài", "Tên đề tài", "Ngày bắt đầu", "Kinh phí (triệu đồng)"]
ROWS = [
    ["DT-2021-000123", "Nghiên cứu giống lúa chịu mặn vùng Đồng bằng sông Cửu Long", "03/11/2021", "1.234,5"],
    ["DT-2022-000007", 'Ứng dụng "trí tuệ nhân tạo"; dự báo lũ', "15/02/2022", "980"],
]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    import csv

    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rows(path: Path, **kwargs: str) -> tuple[readers.Table, list[tuple[int, list[object]]]]:
    table = open_table(path, **kwargs)
    return table, list(table.rows())


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_found(tmp_path: Path, delimiter: str) -> None:
    path = _write(tmp_path, "de_tai.csv", _csv([HEADER, *ROWS], delimiter).encode())
    table, rows = _rows(path)
    assert (table.delimiter, table.headers) == (delimiter, HEADER)
    assert [cells for _, cells in rows] == ROWS


def test_a_tcvn3_report_with_titles_above_the_header(tmp_path: Path) -> None:
    """The spreadsheet an office exported years ago: a title, a subtitle, a blank line, then the table."""
    lines = [["BÁO CÁO DANH MỤC ĐỀ TÀI KHOA HỌC", "", "", ""], ["(Kèm theo Công văn số 123/BKHCN-TTCNTT)", "", "", ""], ["", "", "", ""]]
    text = _csv([*lines, HEADER, *ROWS, ["", "", "", ""]])
    path = _write(tmp_path, "bao_cao.csv", text.encode("tcvn3"))
    table, rows = _rows(path)
    assert table.encoding.encoding == "tcvn3" and "TCVN3" in table.encoding.label
    assert table.header_line == 4 and table.headers == HEADER
    assert "Dòng tiêu đề là dòng 4" in table.notes[0]
    assert rows == [(5, ROWS[0]), (6, ROWS[1])]  # line numbers of the file; the blank last line skipped


def test_nfd_text_is_stored_nfc_and_a_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    text = unicodedata.normalize("NFD", _csv([HEADER, *ROWS]))
    path = _write(tmp_path, "nfd.csv", codecs.BOM_UTF8 + text.encode())
    table, rows = _rows(path)
    assert table.headers == HEADER and table.encoding.encoding == "utf-8-sig"
    assert all(unicodedata.is_normalized("NFC", str(cell)) for _, cells in rows for cell in cells)
    table, _ = _rows(path, encoding="utf-8")  # chosen by the user: the BOM is still not a character of the header
    assert table.headers[0] == "Mã đề tài"


def test_the_user_can_override_the_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, "vni.csv", _csv([HEADER, *ROWS]).encode("vni"))
    assert open_table(path).encoding.encoding == "vni"
    table, rows = _rows(path, encoding="cp1258")
    assert table.encoding.reason == "Do người dùng chọn." and rows[0][1][1] != ROWS[0][1]  # wrong table, wrong text


def test_a_quoted_cell_may_hold_newlines_and_line_numbers_stay_right(tmp_path: Path) -> None:
    path = _write(tmp_path, "multi.csv", _csv([["ma", "ghi_chu"], ["1", "dòng một\ndòng hai"], ["2", "x"]]).encode())
    _, rows = _rows(path)
    assert rows == [(2, ["1", "dòng một\ndòng hai"]), (4, ["2", "x"])]


def test_tsv_by_extension(tmp_path: Path) -> None:
    table, rows = _rows(_write(tmp_path, "a.tsv", _csv([HEADER, *ROWS], "\t").encode()))
    assert table.format == "tsv" and len(rows) == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("rong.csv", b"", "Tệp rỗng"),
        ("trang.csv", b"  \r\n\r\n", "Tệp rỗng"),
        ("tieu_de.csv", "Mã,Tên\r\n".encode(), "chỉ có dòng tiêu đề"),
        ("anh.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4, "byte nhị phân"),
        ("a.xml", b"<a/>", None),
    ],
)
def test_files_that_are_not_tables_are_refused_clearly(tmp_path: Path, name: str, data: bytes, message: str | None) -> None:
    path = _write(tmp_path, name, data)
    if message is None:
        with pytest.raises(Invalid, match="Định dạng «xml» không được hỗ trợ"):
            open_table(path, format="xml")
        return
    with pytest.raises(Invalid, match=message):
        open_table(path)


def test_a_runaway_cell_is_refused_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 1000)
    path = _write(tmp_path, "hong.csv", b'ma,ten\r\n1,ok\r\n2,"' + b"x" * 5000 + b"\r\n3,z\r\n")
    with pytest.raises(Invalid, match=r"Dòng 3: một ô dài hơn 1\.000 ký tự"):
        list(open_table(path).rows())


def test_json_array_streams_objects_and_keeps_nested_values_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"ma": f"DT-{n}", "ten": "Đề tài " + "x" * (n % 13), "kinh_phi": n * 1.5, "nhom": {"cap": "quốc gia"}} for n in range(300)]
    records[5]["moi"] = "chỉ ở bản ghi 6"
    path = _write(tmp_path, "de_tai.json", json.dumps(records, ensure_ascii=False, indent=1).encode())
    chunks = readers._array_values  # read in tiny chunks: objects cut across every boundary
    monkeypatch.setattr(readers, "_array_values", lambda stream: chunks(stream, chunk=7))
    table, rows = _rows(path)
    assert table.format == "json" and table.headers == ["ma", "ten", "kinh_phi", "nhom", "moi"]
    assert len(rows) == 300 and rows[5] == (6, ["DT-5", "Đề tài xxxxx", 7.5, '{"cap": "quốc gia"}', "chỉ ở bản ghi 6"])
    assert rows[0][1][4] is None


def test_ndjson_line_by_line_with_the_bad_line_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.ndjson", b'{"ma": 1}\n\n{"ma": 2, "ten": "Hai"}\n')
    table, rows = _rows(path)
    assert table.headers == ["ma", "ten"] and rows == [(1, [1, None]), (2, [2, "Hai"])]
    broken = _write(tmp_path, "b.jsonl", b'{"ma": 1}\n{"ma": 2,\n')
    with pytest.raises(Invalid, match="Dòng 2: JSON không hợp lệ"):
        open_table(broken)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b'"DT-1"', "Bản ghi 1 không phải một đối tượng"), (b"[1, 2]", "Bản ghi 1 không phải một đối tượng"),
     (b'[{"ma": 1}, {"ma": }]', "JSON không hợp lệ"), (b"[]", "không có bản ghi nào")],
)  # fmt: skip
def test_json_that_is_not_a_list_of_objects_is_refused(tmp_path: Path, data: bytes, message: str) -> None:
    path = _write(tmp_path, "x.json", data)
    with pytest.raises(Invalid, match=message):
        list(open_table(path).rows())


def test_a_json_file_forced_as_an_array_must_be_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.json", b'{"ma": 1}')
    assert [cells for _, cells in open_table(path).rows()] == [[1]]  # one object: a one-record NDJSON
    with pytest.raises(Invalid, match="phải là một mảng"):
        open_table(path, format="json")
