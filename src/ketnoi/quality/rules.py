"""The kinds of quality rule, their parameters, and how each is checked before it is saved.

Every kind belongs to one dimension of ../../docs/quality.md. Column rules read one table of the
datastore (a resource's served version); the others read the catalog (timeliness of the dataset,
its metadata) or a review the steward recorded (accuracy). `normalize` checks a rule's
parameters against the table's columns and returns them in the one form the runner reads; every
refusal names the parameter at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import nfc
from ketnoi.quality import expr
from ketnoi.quality.labels import KIND_LABELS, METADATA_FIELDS, TYPE_LABELS
from ketnoi.quality.models import Dimension

MAX_ALLOWED_VALUES = 500
MAX_KEY_COLUMNS = 5
MAX_REGEX = 300


@dataclass(frozen=True)
class Kind:
    name: str
    dimension: Dimension
    on_table: bool  # reads a table of the datastore

    @property
    def label(self) -> str:
        return KIND_LABELS[self.name]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("not_null", Dimension.COMPLETENESS, True),
        Kind("required_if", Dimension.COMPLETENESS, True),
        Kind("type", Dimension.VALIDITY, True),
        Kind("pattern", Dimension.VALIDITY, True),
        Kind("allowed", Dimension.VALIDITY, True),
        Kind("range", Dimension.VALIDITY, True),
        Kind("length", Dimension.VALIDITY, True),
        Kind("unique", Dimension.UNIQUENESS, True),
        Kind("expression", Dimension.CONSISTENCY, True),
        Kind("foreign_key", Dimension.CONSISTENCY, True),
        Kind("date_freshness", Dimension.TIMELINESS, True),
        Kind("freshness", Dimension.TIMELINESS, False),
        Kind("review", Dimension.ACCURACY, False),
        Kind("metadata", Dimension.METADATA, False),
    )
}

# Python's `re` checks a pattern; PostgreSQL runs it. These constructs mean something else (or
# nothing) to PostgreSQL's regular expressions, so a rule could pass on one database and fail on the other.
# (\\b is a word boundary to Python and a backspace to PostgreSQL.)
_NOT_PORTABLE = (("(?P", "nhóm có tên (?P…)"), ("(?#", "chú thích (?#…)"), ("\\b", "\\b"), ("\\B", "\\B"))


def anchored(regex: str) -> str:
    """The whole value must match (as Table Schema and Great Expectations read a pattern)."""
    return f"^(?:{regex})\\Z"  # \Z, not $: Python's $ also matches before a final newline


# Resolves a code-list or foreign-key reference: (resource id, column) → the referenced column's type;
# raises Invalid/NotFound/Forbidden when the steward may not read it.
RefResolver = Callable[[str, str], str]


def normalize(kind: str, params: Mapping[str, Any], columns: Mapping[str, str], resolve: RefResolver | None = None) -> dict[str, Any]:
    """The parameters of a rule of this kind, checked against the table's columns (name → type)."""
    if kind not in KINDS:
        raise _invalid("Loại quy tắc không hợp lệ.", "kind")
    check = _CHECKS[kind]
    return check(dict(params), columns, resolve)


def _invalid(message: str, field: str, values: Mapping[str, object] | None = None) -> Invalid:
    return Invalid(message, values=values).on_field(field)


def _column(params: dict[str, Any], columns: Mapping[str, str], field: str = "column") -> str:
    name = str(params.get(field) or "").strip()
    if not name:
        raise _invalid("Hãy chọn cột.", field)
    if name not in columns:
        raise _invalid("Không có cột «{column}» trong bảng dữ liệu.", field, values={"column": name})
    return name


def _number(value: Any, field: str) -> float | int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _invalid("Hãy nhập một số.", field)
    if isinstance(value, int | float):
        return value
    text = str(value).strip().replace(" ", "")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise _invalid("«{value}» không phải là số.", field, values={"value": value}) from None


def _not_null(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    return {"column": _column(params, columns)}


def _required_if(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    when = expr.parse(str(params.get("when") or ""), columns, field="when")
    return {"column": column, "when": when.text}


def _type(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    wanted = str(params.get("type") or "")
    if wanted not in TYPE_LABELS:
        raise _invalid("Hãy chọn kiểu dữ liệu.", "type")
    return {"column": column, "type": wanted}


def _pattern(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    if columns[column] != "string":
        raise _invalid("Mẫu chỉ áp dụng cho cột kiểu chuỗi ký tự.", "column")
    regex = str(params.get("regex") or "")
    if not regex:
        raise _invalid("Hãy nhập biểu thức chính quy.", "regex")
    if len(regex) > MAX_REGEX:
        raise _invalid("Biểu thức chính quy dài quá {limit} ký tự.", "regex", values={"limit": MAX_REGEX})
    regex = regex.removeprefix("^").removesuffix("$") if regex.startswith("^") and regex.endswith("$") else regex
    try:
        re.compile(anchored(regex))
    except re.error as error:
        raise _invalid(
            "Biểu thức chính quy không hợp lệ: {error} (vị trí {position}).", "regex", values={"error": error.msg, "position": error.pos}
        ) from None
    for construct, label in _NOT_PORTABLE:
        if construct in regex:
            raise _invalid("Không dùng {construct} trong biểu thức chính quy.", "regex", values={"construct": label})
    return {"column": column, "regex": regex}


def _allowed(params: dict[str, Any], columns: Mapping[str, str], resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    if params.get("ref_resource_id"):
        return {"column": column, **_reference(params, columns[column], resolve)}
    raw = params.get("values")
    values = [v.strip() for v in raw.splitlines()] if isinstance(raw, str) else list(raw or [])
    values = [v for v in values if v not in ("", None)]
    if not values:
        raise _invalid("Hãy nhập các giá trị được phép (mỗi dòng một giá trị) hoặc chọn một danh mục.", "values")
    if len(values) > MAX_ALLOWED_VALUES:
        raise _invalid("Tối đa {limit} giá trị: hãy dùng một bộ dữ liệu danh mục.", "values", values={"limit": MAX_ALLOWED_VALUES})
    numeric = columns[column] in expr.NUMERIC
    values = [_number(v, "values") if numeric else nfc(str(v)) for v in values]
    return {"column": column, "values": sorted(set(values), key=str)}


def _reference(params: dict[str, Any], column_type: str, resolve: RefResolver | None) -> dict[str, Any]:
    resource_id = str(params.get("ref_resource_id") or "")
    ref_column = str(params.get("ref_column") or "").strip()
    if not ref_column:
        raise _invalid("Hãy chọn cột được tham chiếu.", "ref_column")
    if resolve is None:
        raise _invalid("Không kiểm tra được bộ dữ liệu được tham chiếu.", "ref_resource_id")
    ref_type = resolve(resource_id, ref_column)
    if (ref_type in expr.NUMERIC) != (column_type in expr.NUMERIC):
        raise _invalid("Cột được tham chiếu khác kiểu với cột được kiểm tra.", "ref_column")
    return {"ref_resource_id": resource_id, "ref_column": ref_column}


def _range(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    kind = columns[column]
    low: float | str | None
    high: float | str | None
    if kind in expr.NUMERIC:
        low, high = _number(params.get("min"), "min"), _number(params.get("max"), "max")
    elif kind in ("date", "datetime"):
        low, high = _date(params.get("min"), "min"), _date(params.get("max"), "max")
    else:
        raise _invalid("Khoảng giá trị chỉ áp dụng cho cột số hoặc ngày (với chuỗi ký tự, hãy dùng độ dài).", "column")
    if low is None and high is None:
        raise _invalid("Hãy nhập giá trị nhỏ nhất, lớn nhất hoặc cả hai.", "min")
    if low is not None and high is not None and low > high:  # type: ignore[operator]  # both numbers or both ISO dates
        raise _invalid("Giá trị lớn nhất phải không nhỏ hơn giá trị nhỏ nhất.", "max")
    return {"column": column, "min": low, "max": high}


def _date(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _invalid("«{value}» không phải là ngày dạng YYYY-MM-DD.", field, values={"value": value}) from None


def _length(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    if columns[column] != "string":
        raise _invalid("Độ dài chỉ áp dụng cho cột kiểu chuỗi ký tự.", "column")
    low, high = _number(params.get("min"), "min"), _number(params.get("max"), "max")
    if low is None and high is None:
        raise _invalid("Hãy nhập độ dài nhỏ nhất, lớn nhất hoặc cả hai.", "min")
    for field, value in (("min", low), ("max", high)):
        if value is not None and (value < 0 or int(value) != value):
            raise _invalid("Độ dài là một số nguyên không âm.", field)
    if low is not None and high is not None and low > high:
        raise _invalid("Độ dài lớn nhất phải không nhỏ hơn độ dài nhỏ nhất.", "max")
    return {"column": column, "min": None if low is None else int(low), "max": None if high is None else int(high)}


def _unique(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    raw = params.get("columns") or params.get("column")
    names = [c.strip() for c in raw.split(",")] if isinstance(raw, str) else list(raw or [])
    names = [n for n in names if n]
    if not names:
        raise _invalid("Hãy chọn một hoặc nhiều cột làm khóa.", "columns")
    if len(names) > MAX_KEY_COLUMNS:
        raise _invalid("Khóa gồm tối đa {limit} cột.", "columns", values={"limit": MAX_KEY_COLUMNS})
    for name in names:
        if name not in columns:
            raise _invalid("Không có cột «{column}» trong bảng dữ liệu.", "columns", values={"column": name})
    return {"columns": list(dict.fromkeys(names))}


def _expression(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    return {"expression": expr.parse(str(params.get("expression") or ""), columns).text}


def _foreign_key(params: dict[str, Any], columns: Mapping[str, str], resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    if not params.get("ref_resource_id"):
        raise _invalid("Hãy chọn bảng dữ liệu được tham chiếu.", "ref_resource_id")
    return {"column": column, **_reference(params, columns[column], resolve)}


def _date_freshness(params: dict[str, Any], columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    column = _column(params, columns)
    if columns[column] not in ("date", "datetime"):
        raise _invalid("Hãy chọn một cột kiểu ngày.", "column")
    days = _number(params.get("max_age_days"), "max_age_days")
    if days is None or days < 1 or int(days) != days:
        raise _invalid("Số ngày là một số nguyên dương.", "max_age_days")
    return {"column": column, "max_age_days": int(days)}


def _freshness(params: dict[str, Any], _columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    return {}


def _review(params: dict[str, Any], _columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    checked, correct = _number(params.get("checked"), "checked"), _number(params.get("correct"), "correct")
    if checked is None or checked < 1 or int(checked) != checked:
        raise _invalid("Số bản ghi đã đối chiếu là một số nguyên dương.", "checked")
    if correct is None or correct < 0 or int(correct) != correct or correct > checked:
        raise _invalid("Số bản ghi đúng là số nguyên từ 0 đến số bản ghi đã đối chiếu.", "correct")
    reviewed_on = _date(params.get("reviewed_on"), "reviewed_on") or date.today().isoformat()
    source = nfc(str(params.get("source") or "").strip())[:500]
    if not source:
        raise _invalid("Hãy ghi nguồn đối chiếu (hồ sơ gốc, hệ thống nguồn...).", "source")
    return {"checked": int(checked), "correct": int(correct), "reviewed_on": reviewed_on, "source": source}


def _metadata(params: dict[str, Any], _columns: Mapping[str, str], _resolve: RefResolver | None) -> dict[str, Any]:
    raw = params.get("fields")
    fields = [f.strip() for f in raw.split(",")] if isinstance(raw, str) else list(raw or METADATA_FIELDS)
    unknown = [f for f in fields if f not in METADATA_FIELDS]
    if unknown or not fields:
        raise _invalid("Trường siêu dữ liệu không hợp lệ: {fields}", "fields", values={"fields": ", ".join(unknown or ["(trống)"])})
    return {"fields": [f for f in METADATA_FIELDS if f in fields]}


_CHECKS: dict[str, Callable[[dict[str, Any], Mapping[str, str], RefResolver | None], dict[str, Any]]] = {
    "not_null": _not_null,
    "required_if": _required_if,
    "type": _type,
    "pattern": _pattern,
    "allowed": _allowed,
    "range": _range,
    "length": _length,
    "unique": _unique,
    "expression": _expression,
    "foreign_key": _foreign_key,
    "date_freshness": _date_freshness,
    "freshness": _freshness,
    "review": _review,
    "metadata": _metadata,
}
