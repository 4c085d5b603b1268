"""Reading CKAN action parameters, which arrive as JSON values (POST) or as strings (GET).

`rows=20` and `"rows": 20` mean the same; a list comes as JSON (`facet.field=["tags"]`) or as
a list. Solr's filter syntax is read for the fields CKAN clients use:
`organization:vu-khtc -tags:"lúa gạo" metadata_modified:[2026-01-01T00:00:00Z TO *]`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ketnoi.portal.search import FIELDS, Criteria

_CLAUSE = re.compile(r'\s*(?P<sign>[-+!]?)(?P<field>[\w.]+):(?P<value>"[^"]*"|\[[^\]]*\]|\S+)')
_RANGE = re.compile(r"^\[\s*(?P<low>\S+)\s+TO\s+(?P<high>\S+)\s*\]$")
_NOW_MINUS = re.compile(r"^NOW(?:-(?P<n>\d+)(?P<unit>DAYS?|HOURS?|MONTHS?|YEARS?))?(?:/DAY)?$")
_UNIT_DAYS = {"DAY": 1, "HOUR": 1 / 24, "MONTH": 30, "YEAR": 365}


class ParameterError(Exception):
    """A parameter CKAN's validators would refuse: a Validation Error naming the field."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


class QueryError(Exception):
    """A filter query we cannot read: CKAN's Search Query Error."""


LARGEST = 2**31 - 1  # no offset or count goes past this: beyond it the databases' integers overflow


def integer(params: Mapping[str, Any], name: str, default: int, *, low: int = 0, high: int = LARGEST) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise ParameterError(name, "Phải là số nguyên.") from None
    if value < low:
        raise ParameterError(name, f"Phải lớn hơn hoặc bằng {low}.")
    if value > high:
        raise ParameterError(name, f"Phải nhỏ hơn hoặc bằng {high}.")
    return value


def boolean(params: Mapping[str, Any], name: str, default: bool) -> bool:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "1", "yes", "on"):
        return True
    if str(raw).lower() in ("false", "0", "no", "off"):
        return False
    raise ParameterError(name, "Phải là true hoặc false.")


def text(params: Mapping[str, Any], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str | int | float):
        raise ParameterError(name, "Phải là một chuỗi.")
    return str(raw)


def required(params: Mapping[str, Any], name: str) -> str:
    value = text(params, name)
    if not value:
        raise ParameterError(name, "Thiếu giá trị.")
    return value


def string_list(params: Mapping[str, Any], name: str) -> list[str]:
    raw = params.get(name)
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.lstrip().startswith("[") else raw.split(",")
        except ValueError:
            raise ParameterError(name, "Phải là một danh sách JSON.") from None
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise ParameterError(name, "Phải là một danh sách chuỗi.")
    return [v.strip() for v in raw if v.strip()]


def json_object(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    raw = params.get(name)
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ParameterError(name, "Phải là một đối tượng JSON.") from None
    if not isinstance(raw, dict):
        raise ParameterError(name, "Phải là một đối tượng JSON.")
    return raw


def criteria(q: str | None, fq: str | None) -> Criteria:
    """The search criteria of `q` (words, and field:value clauses as fq) and `fq`."""
    found = Criteria()
    words = _read_clauses(found, q or "", words_allowed=True)
    found.q = " ".join(w for w in words if w not in ("*:*", "*")) or None
    _read_clauses(found, fq or "", words_allowed=False)
    return found


def _read_clauses(found: Criteria, query: str, *, words_allowed: bool) -> list[str]:
    words: list[str] = []
    position = 0
    while position < len(query):
        clause = _CLAUSE.match(query, position)
        if clause and not clause.group("value").startswith("//"):  # not a word like "http://…"
            if clause.group("field") not in (*FIELDS, "metadata_modified"):
                raise QueryError(f"không lọc được theo trường «{clause.group('field')}»; dùng: {', '.join(FIELDS)}, metadata_modified")
            _apply(found, clause.group("sign") in ("-", "!"), clause.group("field"), clause.group("value"))
            position = clause.end()
            continue
        word = re.compile(r"\s*(\S+)").match(query, position)
        if word is None:
            break
        position = word.end()
        if word.group(1) in ("AND", "&&", "*:*"):
            continue
        if word.group(1) in ("OR", "||", "NOT") or not words_allowed:
            raise QueryError(f"không hiểu «{word.group(1)}» (chỉ hỗ trợ các điều kiện trường:giá trị nối bằng AND)")
        words.append(word.group(1))
    return words


def _apply(found: Criteria, negated: bool, name: str, raw: str) -> None:
    value = raw[1:-1] if raw.startswith('"') and raw.endswith('"') else raw
    if name != "metadata_modified":
        found.add(name, value, negated=negated)
        return
    span = _RANGE.match(raw)
    if negated or span is None:
        raise QueryError("metadata_modified chỉ nhận khoảng [từ TO đến], ví dụ [2026-01-01T00:00:00Z TO *]")
    found.modified_since = moment(span.group("low"))
    found.modified_until = moment(span.group("high"))


def moment(value: str) -> datetime | None:
    """A Solr date: ISO-8601 (Z or offset; naive is UTC), `*`, `NOW`, `NOW-7DAYS`."""
    if value == "*":
        return None
    relative = _NOW_MINUS.match(value.upper())
    if relative:
        now = datetime.now(UTC)
        if relative.group("n") is None:
            return now
        return now - timedelta(days=int(relative.group("n")) * _UNIT_DAYS[relative.group("unit").rstrip("S")])
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"ngày giờ «{value}» không hợp lệ (dạng ISO-8601, ví dụ 2026-01-01T00:00:00Z)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
