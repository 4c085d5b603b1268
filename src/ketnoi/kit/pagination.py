"""Keyset pagination: an opaque cursor holding the sort key of the last row shown.

A page never uses OFFSET, so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from ketnoi.kit.errors import BadRequest

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([str(v) for v in values], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("Con trỏ phân trang không hợp lệ.", fields={"cursor": "Không hợp lệ."}) from exc
    if not isinstance(values, list) or len(values) != size or not all(isinstance(v, str) for v in values):
        raise BadRequest("Con trỏ phân trang không hợp lệ.", fields={"cursor": "Không hợp lệ."})
    return values


def keyset_page(
    session: Any,
    query: Select[Any],
    keys: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    limit: int,
    descending: bool = False,
    rows: bool = False,
) -> Page[Any]:
    """Run `query` ordered by `keys` (the last one unique), continuing after `cursor`."""
    if cursor:
        after = decode_cursor(cursor, len(keys))
        typed = [_coerce(key, value) for key, value in zip(keys, after, strict=True)]
        query = query.where(_after(keys, typed, descending))
    order = [key.desc() for key in keys] if descending else list(keys)
    result = session.execute(query.order_by(*order).limit(limit + 1))
    # `rows`: the query selects columns, not an entity (cheaper for a hot list); keep the rows.
    found = list(result.all() if rows else result.scalars())
    more = len(found) > limit
    found = found[:limit]
    next_cursor = encode_cursor([getattr(found[-1], key.key) for key in keys]) if more else None
    return Page(items=found, next_cursor=next_cursor)


def _after(keys: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool) -> Any:
    """(k1, k2, …) > (v1, v2, …), or < when descending, spelled out so both databases use indexes."""
    clauses = []
    for i, key in enumerate(keys):
        equal_prefix = [keys[j] == values[j] for j in range(i)]
        beyond = key < values[i] if descending else key > values[i]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


def _coerce(key: InstrumentedAttribute[Any], value: str) -> Any:
    python_type = key.type.python_type
    try:
        if python_type is str:
            return value
        if hasattr(python_type, "fromisoformat"):
            return python_type.fromisoformat(value)
        return python_type(value)
    except (ValueError, TypeError) as exc:
        raise BadRequest("Con trỏ phân trang không hợp lệ.", fields={"cursor": "Không hợp lệ."}) from exc
