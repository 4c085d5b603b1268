"""From a table's header and first rows to a Frictionless Table Schema, the way Vietnamese files are written.

Types, most specific first: boolean, integer, number, date, datetime, string; empty cells are
nulls and never decide a type. Vietnamese forms are understood: `03/11/2021` is 3 November
(day first, as officials write dates; month first only when a day above 12 proves it),
`1.234.567,89` has dot groups and a decimal comma, and "Có"/"Không" or "Đúng"/"Sai" are booleans.
Each field keeps the header as the person wrote it (its `title`) and gets a safe column name
derived from it: `Mã đề tài` → `ma_de_tai`.

`parser(field)` turns a cell into the field's Python value, or raises ValueError with a
Vietnamese reason: the loader uses it to type each row and to report bad rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import fold

NAME_LIMIT = 60  # below PostgreSQL's 63-byte identifiers, with room for a "_2" suffix
RESERVED = {"_id"}
TRUE_WORDS = {"có", "đúng", "true", "yes"}
FALSE_WORDS = {"không", "sai", "false", "no"}

_INTEGER_FORMATS = {
    "default": re.compile(r"[+-]?\d+", re.ASCII),
    "vi": re.compile(r"[+-]?[1-9]\d{0,2}(\.\d{3})+", re.ASCII),  # 1.234.567
    "en": re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+", re.ASCII),  # 1,234,567
}
_NUMBER_FORMATS = {
    "default": re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII),  # 1234.5
    "vi": re.compile(r"[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+)(,\d+)?", re.ASCII),  # 1.234.567,89
    "en": re.compile(r"[+-]?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?", re.ASCII),  # 1,234,567.89
}
_DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
# Seconds are optional in every datetime format: "08:30" and "17:05:09" may share a column.
_DATETIME_FORMATS = (*(f"{d} %H:%M:%S" for d in _DATE_FORMATS), "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Field:
    name: str  # the column's safe SQL name
    title: str  # the header as written (NFC)
    type: str = "string"  # integer | number | boolean | date | datetime | string
    format: str = "default"  # numbers: default | vi | en; dates and times: a strftime pattern
    description: str = ""  # the data dictionary's words, written by the steward
    item: str | None = None  # the dataset's data item this column holds (its sharing rules apply)

    def descriptor(self) -> dict[str, Any]:
        """This field as a Frictionless Table Schema field descriptor (`ketnoiItem`: our extension)."""
        out: dict[str, Any] = {"name": self.name, "title": self.title, "type": self.type}
        if self.description:
            out["description"] = self.description
        if self.item:
            out["ketnoiItem"] = self.item
        if self.type in ("integer", "number") and self.format != "default":
            decimal, group = (",", ".") if self.format == "vi" else (".", ",")
            out |= {"groupChar": group, "bareNumber": True} | ({"decimalChar": decimal} if self.type == "number" else {})
        elif self.type in ("date", "datetime"):
            out["format"] = self.format
        elif self.type == "boolean":
            out |= {"trueValues": sorted(TRUE_WORDS), "falseValues": sorted(FALSE_WORDS)}
        return out


def field_of(descriptor: dict[str, Any]) -> Field:
    """The Field a descriptor of `Field.descriptor()` (or one edited the same way) describes."""
    type_ = descriptor.get("type", "string")
    if type_ not in _PARSERS:
        raise Invalid("Kiểu «{type}» không được hỗ trợ.", fields={"type": str(type_)}, values={"type": type_})
    fmt = "default"
    if type_ in ("integer", "number") and "groupChar" in descriptor:
        fmt = "vi" if descriptor["groupChar"] == "." else "en"
    elif type_ in ("date", "datetime"):
        fmt = descriptor.get("format") or (_DATE_FORMATS[0] if type_ == "date" else _DATETIME_FORMATS[0])
    title = descriptor.get("title") or descriptor["name"]
    return Field(descriptor["name"], title, type_, fmt, descriptor.get("description") or "", descriptor.get("ketnoiItem"))


def table_schema(fields: Sequence[Field]) -> dict[str, Any]:
    return {"fields": [f.descriptor() for f in fields], "missingValues": [""]}


# -- column names ---------------------------------------------------------------------------------


def column_names(headers: Sequence[object]) -> list[str]:
    """Safe, unique SQL names for these headers; a blank or repeated header is the file's error."""
    titles = [title_of(h) for h in headers]
    seen: dict[str, int] = {}
    for number, title in enumerate(titles, start=1):
        if not title:
            raise Invalid(
                "Cột thứ {number} không có tiêu đề: hãy đặt tên cho cột.", fields={"header": f"cột {number}"}, values={"number": number}
            )
        if title.casefold() in seen:
            first = seen[title.casefold()]
            msg = "Tiêu đề «{title}» lặp lại ở cột {first} và cột {number}: mỗi cột cần một tiêu đề riêng."
            raise Invalid(msg, fields={"header": title}, values={"title": title, "first": first, "number": number})
        seen[title.casefold()] = number
    names: list[str] = []
    for number, title in enumerate(titles, start=1):
        base = re.sub(r"[^a-z0-9]+", "_", fold(title)).strip("_")[:NAME_LIMIT] or f"cot_{number}"
        if base[0].isdigit():
            base = f"c_{base}"[:NAME_LIMIT]
        name, n = base, 1
        while name in names or name in RESERVED:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


def title_of(header: object) -> str:
    text = "" if header is None else str(header)
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- inference ------------------------------------------------------------------------------------


def infer_fields(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> list[Field]:
    """The fields of a table from its header and sample rows (a few thousand are plenty)."""
    names = column_names(headers)
    columns: list[list[object]] = [[] for _ in names]
    for row in rows:
        for i, value in enumerate(row[: len(names)]):
            if not _empty(value):
                columns[i].append(value.strip() if isinstance(value, str) else value)
    return [_infer(name, title_of(title), values) for name, title, values in zip(names, headers, columns, strict=True)]


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _infer(name: str, title: str, values: list[object]) -> Field:
    if not values:
        return Field(name, title)
    for type_, format_ in _candidates(values):
        check = parser(Field(name, title, type_, format_))
        try:
            for value in values:
                check(value)
        except ValueError:
            continue
        return Field(name, title, type_, format_)
    return Field(name, title)


def _candidates(values: list[object]) -> Iterable[tuple[str, str]]:
    """(type, format) pairs worth trying, most specific first."""
    yield "boolean", "default"
    for fmt in _INTEGER_FORMATS:
        yield "integer", fmt
    for fmt in _NUMBER_FORMATS:
        yield "number", fmt
    for fmt in _DATE_FORMATS:
        yield "date", fmt
    for fmt in _DATETIME_FORMATS:
        yield "datetime", fmt


# -- parsing --------------------------------------------------------------------------------------


def parser(field: Field) -> Callable[[object], object]:
    """value → the field's Python value (None for an empty cell); ValueError with the reason otherwise.

    The common cells take a short path (loading calls this for every cell of a file): text, plain
    integers, ISO dates. Anything else goes through the full parser, which also words the errors.
    """
    parse = _PARSERS[field.type]

    def typed(value: object) -> object:
        if _empty(value):
            return None
        return parse(value.strip() if isinstance(value, str) else value, field.format)

    return _short_path(field, typed) or typed


def _short_path(field: Field, typed: Callable[[object], object]) -> Callable[[object], object] | None:
    """A faster parser for the cells most files are made of, falling back on `typed` for the rest."""
    if field.type == "string":
        return _text_path(typed)
    if (field.type, field.format) == ("integer", "default"):
        return _integer_path(typed)
    if (field.type, field.format) == ("date", "%Y-%m-%d"):
        return _iso_date_path(typed)
    return None


def _text_path(typed: Callable[[object], object]) -> Callable[[object], object]:
    def text(value: object) -> object:
        if isinstance(value, str):
            stripped = value.strip()
            if "\x00" in stripped:
                return typed(stripped)  # refused there, with the reason
            return unicodedata.normalize("NFC", stripped) if stripped else None
        return typed(value)

    return text


def _integer_path(typed: Callable[[object], object]) -> Callable[[object], object]:
    def integer(value: object) -> object:
        if isinstance(value, str) and value.isascii() and value.isdigit() and (len(value) == 1 or value[0] != "0"):
            return int(value)
        return typed(value)

    return integer


def _iso_date_path(typed: Callable[[object], object]) -> Callable[[object], object]:
    def iso_date(value: object) -> object:
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        return typed(value)

    return iso_date


def _boolean(value: object, _format: str) -> bool:
    if isinstance(value, bool):
        return value
    word = unicodedata.normalize("NFC", str(value)).casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"«{value}» không phải giá trị có/không")


_LEADING_ZERO = re.compile(r"[+-]?0\d", re.ASCII)


def _integer(value: object, fmt: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"«{value}» không phải số nguyên")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value)
    if _LEADING_ZERO.match(text):  # a code or a phone number (0912…): its zero must be kept
        raise ValueError(f"«{value}» bắt đầu bằng chữ số 0: là mã, không phải số")
    if not _INTEGER_FORMATS[fmt].fullmatch(text) and not (fmt != "default" and _INTEGER_FORMATS["default"].fullmatch(text)):
        raise ValueError(f"«{value}» không phải số nguyên")
    return int(text.replace("." if fmt == "vi" else ",", "") if fmt != "default" else text)


def _number(value: object, fmt: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"«{value}» không phải số")
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value)
    if _LEADING_ZERO.match(text) and not re.match(r"[+-]?0[.,]", text):
        raise ValueError(f"«{value}» bắt đầu bằng chữ số 0: là mã, không phải số")
    if not _NUMBER_FORMATS[fmt].fullmatch(text):
        raise ValueError(f"«{value}» không phải số")
    if fmt == "vi":
        text = text.replace(".", "").replace(",", ".")
    elif fmt == "en":
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"«{value}» không phải số") from None


def _date(value: object, fmt: str) -> date:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise ValueError(f"«{value}» có cả giờ, không chỉ ngày")
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(str(value), fmt).date()
    except ValueError:
        raise ValueError(f"«{value}» không phải ngày theo dạng {_shown(fmt)}") from None


def _datetime(value: object, fmt: str) -> datetime:
    if isinstance(value, datetime):
        return value
    for pattern in (fmt, fmt.removesuffix(":%S")):
        try:
            return datetime.strptime(str(value), pattern)
        except ValueError:
            continue
    raise ValueError(f"«{value}» không phải ngày giờ theo dạng {_shown(fmt)}")


def _string(value: object, _format: str) -> str:
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:  # PostgreSQL cannot store it, and SQLite's text functions stop at it
        raise ValueError("ô có ký tự NUL (mã 0), không lưu được")
    return unicodedata.normalize("NFC", text)


def _shown(fmt: str) -> str:
    """A strftime pattern as people read it: %d/%m/%Y → dd/mm/yyyy."""
    for code, shown in (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%H", "HH"), ("%M", "MM"), ("%S", "SS")):
        fmt = fmt.replace(code, shown)
    return fmt


_PARSERS: dict[str, Callable[[Any, str], object]] = {
    "boolean": _boolean,
    "integer": _integer,
    "number": _number,
    "date": _date,
    "datetime": _datetime,
    "string": _string,
}
