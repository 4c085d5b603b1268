"""Reading a resource's served table: filters, sort, chosen fields and keyset pages (the data API).

Query parameters name columns by their safe names: `nam_bat_dau=2021`, `nam_bat_dau__gte=2020`,
`tinh_thanh__in=Hà Nội,Đà Nẵng`, `ten_de_tai__contains=lúa`, `sort=-kinh_phi`, `fields=ma,ten`,
`limit=100`, `cursor=…`; `q=lua chiu man` finds rows whose text columns have every word as the
start of a word, with or without diacritics (as the catalog's search). Values are read as the
column's type reads them (a Vietnamese number or a dd/mm/yyyy date works). Pages follow the sort
and the row's `_id` (keyset), so the thousandth page costs what the first does.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, false, func, or_, select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.datastore import access, infer, tables
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.kit.errors import BadRequest, Invalid
from ketnoi.kit.search import matches

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
OPERATORS = ("gt", "gte", "lt", "lte", "in", "contains")
RESERVED = frozenset({"sort", "fields", "limit", "cursor", "q", "count"})
COUNT_CAP = 100_000  # count=estimate stops counting here on a filtered query


@dataclass(frozen=True)
class RowsPage:
    version: DatastoreVersion
    fields: list[infer.Field]
    rows: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None  # with count=exact|estimate
    total_exact: bool = True  # False: at least `total` (count=estimate stopped at COUNT_CAP)


@dataclass(frozen=True)
class Selection:
    """A filtered, sorted query of a served table, before paging."""

    served: access.Served
    table: Table
    shown: list[infer.Field]
    query: Select[Any]
    sort_field: infer.Field | None
    descending: bool

    @property
    def version(self) -> DatastoreVersion:
        return self.served.version


def select_rows(
    session: Session, *, actor: Actor, resource_id: uuid.UUID, params: Sequence[tuple[str, str]], reserved: frozenset[str] = RESERVED
) -> Selection:
    """The rows the parameters ask for (filters, `fields`, `sort`), in order; paging is the caller's."""
    return select_served(session, access.served(session, actor=actor, resource_id=resource_id), params, reserved)


def select_served(
    session: Session, served: access.Served, params: Sequence[tuple[str, str]], reserved: frozenset[str] = RESERVED
) -> Selection:
    """As select_rows, over a table as someone may see it (a reader, or the gateway's consumer)."""
    version = served.version
    by_name = {f.name: f for f in served.shown}  # a hidden column can be neither read, filtered nor sorted on
    search = bool(version.table_schema.get("ketnoiSearch"))
    table = tables.table_for(session.connection(), version.table_name, served.fields, search=search)
    options = dict(p for p in params if p[0] in reserved)
    shown = _chosen_fields(options.get("fields"), by_name)
    sort_field, descending = _sort(options.get("sort"), by_name)
    query = select(table.c._id, *(table.c[f.name] for f in shown))
    for name, value in params:
        if name not in reserved:
            query = query.where(_condition(table, by_name, name, value))
    if options.get("q"):
        if not search:
            raise Invalid("Bảng này không có cột văn bản để tìm (hoặc được nạp trước khi có tìm kiếm).", fields={"q": options["q"]})
        if not served.searchable:
            hidden = "Bảng có cột văn bản bạn không được xem, nên không tìm toàn văn được: hãy lọc theo từng cột."
            raise Invalid(hidden, fields={"q": options["q"]})
        query = query.where(matches(table.c[tables.SEARCH_COLUMN], options["q"]))
    return Selection(served, table, shown, query, sort_field, descending)


def ordered(selection: Selection, query: Select[Any]) -> Select[Any]:
    table, descending = selection.table, selection.descending
    if selection.sort_field is not None:
        column = table.c[selection.sort_field.name]
        query = query.order_by(column.is_(None), column.desc() if descending else column)
    return query.order_by(table.c._id.desc() if descending else table.c._id)


def read_rows(session: Session, *, actor: Actor, resource_id: uuid.UUID, params: Sequence[tuple[str, str]]) -> RowsPage:
    return read_page(session, select_rows(session, actor=actor, resource_id=resource_id, params=params), params)


def read_page(session: Session, selection: Selection, params: Sequence[tuple[str, str]]) -> RowsPage:
    """One page of a selection: `limit`, `cursor` and `count` read from the parameters."""
    options = dict(p for p in params if p[0] in RESERVED)
    limit = page_limit(options.get("limit"))
    table, sort_field = selection.table, selection.sort_field
    query = selection.query
    if options.get("cursor"):
        order_column = table.c[sort_field.name] if sort_field else None
        query = query.where(_after(table, order_column, selection.descending, _decode(options["cursor"], sort_field)))
    query = ordered(selection, query).limit(limit + 1)

    result = [dict(row._mapping) for row in session.execute(query)]
    next_cursor = None
    if len(result) > limit:
        result = result[:limit]
        last = result[-1]
        sort_value = None if sort_field is None else _sort_value(session, table, sort_field, last)
        next_cursor = _encode(sort_value, last["_id"])
    total, exact = _count(session, selection, params, options.get("count"))
    return RowsPage(selection.version, selection.shown, [jsonable_row(row) for row in result], next_cursor, total, exact)


def _count(session: Session, selection: Selection, params: Sequence[tuple[str, str]], mode: str | None) -> tuple[int | None, bool]:
    """count=exact counts every match; count=estimate takes the load's row count when nothing is
    filtered, else counts up to COUNT_CAP (then the total is a lower bound)."""
    if mode is None:
        return None, True
    if mode not in ("exact", "estimate"):
        raise Invalid("count phải là «exact» hoặc «estimate».", fields={"count": mode})
    filtered = any(name not in RESERVED or name == "q" for name, _ in params)
    if mode == "estimate" and not filtered:
        return selection.version.row_count, True
    matching = selection.query.with_only_columns(selection.table.c._id)
    if mode == "estimate":
        matching = matching.limit(COUNT_CAP + 1)
    counted = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    if mode == "estimate" and counted > COUNT_CAP:
        return COUNT_CAP, False
    return counted, True


def _sort_value(session: Session, table: Table, field: infer.Field, last: dict[str, Any]) -> Any:
    if field.name in last:
        return last[field.name]
    return session.scalar(select(table.c[field.name]).where(table.c._id == last["_id"]))  # sorted by a column not shown


def _chosen_fields(text: str | None, by_name: Mapping[str, infer.Field]) -> list[infer.Field]:
    if not text:
        return list(by_name.values())
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise Invalid("Không có cột: {columns}.", fields={"fields": ", ".join(unknown)}, values={"columns": ", ".join(unknown)})
    return [by_name[n] for n in names]


def page_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise Invalid("limit phải là số từ 1 đến {limit}.", fields={"limit": text}, values={"limit": MAX_LIMIT})
    return int(text)


def _sort(text: str | None, by_name: Mapping[str, infer.Field]) -> tuple[infer.Field | None, bool]:
    if not text or text in ("_id", "-_id"):
        return None, bool(text and text.startswith("-"))
    name = text.removeprefix("-")
    if name not in by_name:
        raise Invalid("Không có cột «{column}» để sắp xếp.", fields={"sort": text}, values={"column": name})
    return by_name[name], text.startswith("-")


def _condition(table: Table, by_name: Mapping[str, infer.Field], key: str, value: str) -> ColumnElement[bool]:
    name, _, operator = key.partition("__")
    if name == "_id" and operator in ("", "in"):  # the row's key: one row (or a few) by id
        ids = [_row_id(v, key) for v in value.split(",")] if operator else [_row_id(value, key)]
        return table.c._id.in_(ids)
    if name not in by_name or (operator and operator not in OPERATORS):
        raise Invalid("Tham số lọc không hợp lệ: «{key}».", fields={key: "Không có cột hoặc phép so sánh này."}, values={"key": key})
    field, column = by_name[name], table.c[name]
    if operator == "contains":
        if field.type != "string":
            raise Invalid("«{key}»: chỉ lọc «chứa» trên cột văn bản.", fields={key: value}, values={"key": key})
        return column.contains(value, autoescape=True)
    if operator == "in":
        return column.in_([_typed(field, v.strip(), key) for v in value.split(",")])
    typed = _typed(field, value, key)
    comparisons = {"": column == typed, "gt": column > typed, "gte": column >= typed, "lt": column < typed, "lte": column <= typed}
    return comparisons[operator] if typed is not None else (column.is_(None) if not operator else false())


def _row_id(value: str, key: str) -> int:
    if not value.strip().isdigit():
        raise Invalid("«{key}»: mã dòng phải là số nguyên dương.", fields={key: value}, values={"key": key})
    return int(value)


def _typed(field: infer.Field, value: str, key: str) -> Any:
    try:
        return infer.parser(field)(value)
    except ValueError as exc:
        raise Invalid("«{key}»: {error}.", fields={key: str(exc)}, values={"key": key, "error": str(exc)}) from None


def _after(table: Table, column: Any, descending: bool, position: tuple[bool, Any, int]) -> ColumnElement[bool]:
    """Rows after the cursor's, in (nulls last, sort value, _id) order."""
    was_null, value, last_id = position
    id_after = table.c._id < last_id if descending else table.c._id > last_id
    if column is None:
        return id_after
    if was_null:
        return and_(column.is_(None), id_after)
    beyond = column < value if descending else column > value
    return or_(column.is_(None), beyond, and_(column == value, id_after))


def _encode(value: Any, row_id: int) -> str:
    raw = json.dumps([value is None, jsonable_value(value), row_id], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, field: infer.Field | None) -> tuple[bool, Any, int]:
    try:
        was_null, raw, row_id = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        value = None if was_null or field is None else _from_json(field, raw)
        if not isinstance(row_id, int):
            raise ValueError("id")
        return bool(was_null), value, row_id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise BadRequest("Con trỏ phân trang không hợp lệ.", fields={"cursor": "Không hợp lệ."}) from None


def _from_json(field: infer.Field, raw: Any) -> Any:
    if field.type == "date":
        return date.fromisoformat(raw)
    if field.type == "datetime":
        return datetime.fromisoformat(raw)
    if field.type == "number":
        return Decimal(str(raw))
    return raw


def jsonable_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 1 << 53 else float(value)
    return value


def jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: jsonable_value(v) for k, v in row.items()}
