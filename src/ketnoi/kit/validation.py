"""Pydantic at the edges, with errors a Vietnamese civil servant can act on, field by field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator

from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import nfc

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "Trường này là bắt buộc.",
    "string_too_short": "Trường này là bắt buộc.",
    "string_too_long": "Tối đa {max_length} ký tự.",
    "string_type": "Phải là chuỗi ký tự.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "bool_parsing": "Phải là đúng/sai.",
    "bool_type": "Phải là đúng/sai.",
    "uuid_parsing": "Mã định danh không hợp lệ.",
    "uuid_type": "Mã định danh không hợp lệ.",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_type": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "enum": "Giá trị không hợp lệ; chọn một trong: {expected}.",
    "literal_error": "Giá trị không hợp lệ; chọn một trong: {expected}.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "extra_forbidden": "Trường không được hỗ trợ.",
    "list_type": "Phải là danh sách.",
    "too_long": "Tối đa {max_length} phần tử.",
    "model_type": "Phải là một đối tượng JSON.",
    "dict_type": "Phải là một đối tượng JSON.",
}


def vietnamese_fields(errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{field path: Vietnamese message} from Pydantic's error list (first error of each field)."""
    fields: dict[str, str] = {}
    for item in errors:
        name = ".".join(str(part) for part in item["loc"]) or "_body"
        if item["type"] == "value_error":
            message = str(item.get("ctx", {}).get("error", item["msg"]))
        else:
            template = _MESSAGES.get(item["type"], "Giá trị không hợp lệ.")
            try:
                message = template.format(**item.get("ctx", {}))
            except (KeyError, IndexError):
                message = template
        fields.setdefault(name, message)
    return fields


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("Dữ liệu không hợp lệ, vui lòng kiểm tra các trường được đánh dấu.", fields=vietnamese_fields(exc.errors())) from None


class Input(BaseModel):
    """Base of every input schema: unknown fields refused, text stripped, dates written as dates."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _dates_are_written(cls, data: Any) -> Any:
        """A date or a time comes as text (ISO 8601). Pydantic's lax mode reads a number, or a text of digits,
        as seconds since 1970 (0 became 1970-01-01, found by the API fuzzer): such a value is refused at its field."""
        if not isinstance(data, dict):
            return data
        numbers = {name: "không phải ngày" for name in _temporal_fields(cls) if _a_number(data.get(name))}
        return data | numbers if numbers else data


def _a_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()


@cache
def _temporal_fields(model: type[BaseModel]) -> tuple[str, ...]:
    def temporal(annotation: Any) -> bool:
        return annotation in (date, datetime) or any(temporal(arg) for arg in get_args(annotation))

    return tuple(name for name, field in model.model_fields.items() if temporal(field.annotation))


def _nfc_text(value: str) -> str:
    return nfc(value)


def _optional_nfc(value: str | None) -> str | None:
    if value is None:
        return None
    value = nfc(value)
    return value or None


Text = Annotated[str, AfterValidator(_nfc_text)]
OptionalText = Annotated[str | None, AfterValidator(_optional_nfc)]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{6,20}$")


def _email(value: str | None) -> str | None:
    if value and not _EMAIL.match(value):
        raise ValueError("Địa chỉ e-mail không hợp lệ.")
    return value or None


def _phone(value: str | None) -> str | None:
    if value and not _PHONE.match(value):
        raise ValueError("Số điện thoại không hợp lệ.")
    return value or None


Email = Annotated[str | None, AfterValidator(_email)]
Phone = Annotated[str | None, AfterValidator(_phone)]
