"""Schema inference: Vietnamese numbers, dates and booleans, safe names, Table Schema, typed parsing."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest

from ketnoi.datastore.infer import Field, column_names, infer_fields, parser, table_schema
from ketnoi.kit.errors import Invalid


def _types(headers: list[str], rows: list[list[object]]) -> dict[str, tuple[str, str]]:
    return {f.name: (f.type, f.format) for f in infer_fields(headers, rows)}


def test_safe_names_come_from_vietnamese_headers_and_titles_are_kept() -> None:
    headers = ["Mã đề tài", "Tên đề tài", "Kinh phí (triệu đồng)", "Năm bắt đầu", "2021", "Đơn vị chủ trì", "_id"]
    assert column_names(headers) == ["ma_de_tai", "ten_de_tai", "kinh_phi_trieu_dong", "nam_bat_dau", "c_2021", "don_vi_chu_tri", "id"]
    fields = infer_fields(headers, [])
    assert [f.title for f in fields] == headers
    assert all(f.type == "string" for f in fields)  # no values: nothing to decide on


def test_titles_that_fold_to_the_same_name_get_distinct_names() -> None:
    assert column_names(["Mã", "Mả", "Ma", "!!!"]) == ["ma", "ma_2", "ma_3", "cot_4"]
    assert column_names(["x" * 100])[0] == "x" * 60


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["Mã", "  ", "Tên"], "Cột thứ 2 không có tiêu đề"),
        (["Mã", None, "Tên"], "Cột thứ 2 không có tiêu đề"),
        (["Mã", "Tên", "mã"], "«mã» lặp lại ở cột 1 và cột 3"),
    ],
)
def test_blank_or_repeated_headers_are_refused_with_the_column(headers: list[object], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        column_names(headers)


def test_headers_are_stored_nfc_with_spaces_collapsed() -> None:
    nfd = unicodedata.normalize("NFD", "Ngày  cập nhật ")
    [field] = infer_fields([nfd], [["03/11/2021"]])
    assert field.title == "Ngày cập nhật" and unicodedata.is_normalized("NFC", field.title)


def test_vietnamese_forms_are_recognised() -> None:
    headers = ["ma", "nam", "kinh_phi", "ty_le", "ngay", "cap_nhat", "dat", "so_dt", "ghi_chu", "rong", "en"]
    rows: list[list[object]] = [
        ["DT-01", "2021", "1.234.567,89", "12,5", "03/11/2021", "03/11/2021 08:30", "Có", "0912345678", "", None, "1,234.5"],
        ["DT-02", "2022", "2.500", "7", "25/12/2022", "25/12/2022 17:05:09", "Không", "0987654321", "xem lại", "", "12.25"],
        ["DT-03", "", "", "", "", "", "", "", "", "", ""],
    ]
    assert _types(headers, rows) == {
        "ma": ("string", "default"),
        "nam": ("integer", "default"),
        "kinh_phi": ("number", "vi"),
        "ty_le": ("number", "vi"),
        "ngay": ("date", "%d/%m/%Y"),
        "cap_nhat": ("datetime", "%d/%m/%Y %H:%M:%S"),  # seconds optional
        "dat": ("boolean", "default"),
        "so_dt": ("string", "default"),  # a leading zero: a code, not a number
        "ghi_chu": ("string", "default"),
        "rong": ("string", "default"),
        "en": ("number", "en"),
    }


def test_times_with_and_without_seconds_share_a_column() -> None:
    assert _types(["t"], [["03/11/2021 08:30"], ["04/11/2021 09:15:30"]]) == {"t": ("datetime", "%d/%m/%Y %H:%M:%S")}
    assert parser(Field("t", "T", "datetime", "%d/%m/%Y %H:%M:%S"))("03/11/2021 08:30") == datetime(2021, 11, 3, 8, 30)
    assert _types(["t"], [["2021-11-03T08:30:00"]]) == {"t": ("datetime", "%Y-%m-%dT%H:%M:%S")}


def test_day_first_unless_a_day_above_twelve_proves_month_first() -> None:
    assert _types(["d"], [["03/11/2021"], ["11/03/2021"]]) == {"d": ("date", "%d/%m/%Y")}
    assert _types(["d"], [["11/25/2021"], ["03/11/2021"]]) == {"d": ("date", "%m/%d/%Y")}
    assert _types(["d"], [["2021-11-03"]]) == {"d": ("date", "%Y-%m-%d")}


def test_dot_groups_make_an_integer_and_a_lone_decimal_point_a_number() -> None:
    assert _types(["n"], [["1.234"], ["12.345.678"], ["7"]]) == {"n": ("integer", "vi")}
    assert _types(["n"], [["1.5"], ["3.14159"]]) == {"n": ("number", "default")}
    assert _types(["n"], [["0.125"], ["2"]]) == {"n": ("number", "default")}  # 0.125 is not 125


def test_native_values_from_spreadsheets() -> None:
    rows: list[list[object]] = [[1, 1.5, True, datetime(2021, 11, 3), datetime(2021, 11, 3, 8, 30), date(2021, 1, 1)]]
    assert _types(["a", "b", "c", "d", "e", "f"], rows) == {
        "a": ("integer", "default"),
        "b": ("number", "default"),
        "c": ("boolean", "default"),
        "d": ("date", "%d/%m/%Y"),
        "e": ("datetime", "%d/%m/%Y %H:%M:%S"),
        "f": ("date", "%d/%m/%Y"),
    }


def test_parsers_give_python_values_and_vietnamese_reasons() -> None:
    money = parser(Field("kinh_phi", "Kinh phí", "number", "vi"))
    assert money("1.234.567,89") == Decimal("1234567.89")
    assert money(" ") is None
    with pytest.raises(ValueError, match="«12a» không phải số"):
        money("12a")
    assert parser(Field("n", "N", "integer", "vi"))("12.345") == 12345
    assert parser(Field("d", "Ngày", "date", "%d/%m/%Y"))("03/11/2021") == date(2021, 11, 3)
    with pytest.raises(ValueError, match="không phải ngày theo dạng dd/mm/yyyy"):
        parser(Field("d", "Ngày", "date", "%d/%m/%Y"))("31/02/2021")
    assert parser(Field("b", "B", "boolean"))("KHÔNG") is False
    assert parser(Field("s", "S"))(unicodedata.normalize("NFD", "Hà Nội")) == "Hà Nội"


def test_table_schema_is_frictionless() -> None:
    fields = infer_fields(["Kinh phí", "Ngày", "Đạt"], [["1.234,5", "03/11/2021", "Có"]])
    schema = table_schema(fields)
    assert schema["fields"] == [
        {"name": "kinh_phi", "title": "Kinh phí", "type": "number", "groupChar": ".", "decimalChar": ",", "bareNumber": True},
        {"name": "ngay", "title": "Ngày", "type": "date", "format": "%d/%m/%Y"},
        {"name": "dat", "title": "Đạt", "type": "boolean", "trueValues": ["có", "true", "yes", "đúng"],
         "falseValues": ["false", "không", "no", "sai"]},
    ]  # fmt: skip
    assert schema["missingValues"] == [""]


def test_a_descriptor_gives_back_its_field() -> None:
    from ketnoi.datastore.infer import field_of

    fields = infer_fields(
        ["Kinh phí", "Số lượng", "Tỷ lệ", "Ngày", "Lúc", "Đạt", "Ghi chú"],
        [["1.234,5", "1,234", "0.5", "03/11/2021", "2021-11-03T08:30:00", "Có", "x y"]],
    )
    assert [field_of(f.descriptor()) for f in fields] == fields
    with pytest.raises(Invalid, match="Kiểu «geopoint» không được hỗ trợ"):
        field_of({"name": "vi_tri", "type": "geopoint"})


def test_the_short_paths_behave_as_the_full_parsers() -> None:
    integer = parser(Field("n", "N", "integer"))
    assert [integer(v) for v in ("12", " 12 ", "+5", "-3", "0", "")] == [12, 12, 5, -3, 0, None]
    for bad in ("007", "1_000", "１２", "12a"):
        with pytest.raises(ValueError, match="«"):
            integer(bad)
    iso = parser(Field("d", "D", "date", "%Y-%m-%d"))
    assert iso("2021-11-03") == date(2021, 11, 3) and iso(datetime(2021, 11, 3)) == date(2021, 11, 3)
    with pytest.raises(ValueError, match="không phải ngày theo dạng yyyy-mm-dd"):
        iso("2021-02-30")
    text = parser(Field("s", "S"))
    assert [text(v) for v in ("  x ", "   ", 12)] == ["x", None, "12"]


def test_a_nul_character_is_refused_with_its_reason() -> None:
    text = parser(Field("ten", "Tên"))
    assert text("Viện\u00a0Lúa") == "Viện\u00a0Lúa"
    for cell in ("Viện\x00Lúa", "\x00"):
        with pytest.raises(ValueError, match="ký tự NUL"):
            text(cell)
