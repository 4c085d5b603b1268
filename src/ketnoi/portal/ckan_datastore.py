"""CKAN's `datastore_search` and `datastore_search_sql` over our datastore, as the public reads it.

`datastore_search` translates CKAN's parameters into the data API's (datastore.query), so the
columns hidden from the public stay hidden, filters are typed the same way and `q` ignores
diacritics: `filters={"tinh": ["Hà Nội", "Huế"]}` is `tinh__in`, `sort="nam desc"` is `-nam`
(the first key only), `fields=["a","b"]` is `fields=a,b`. Pages are CKAN's `limit`/`offset`.

`datastore_search_sql` runs datastore.sql (read-only, over tables whose every column is open)
and is off unless KETNOI_CKAN_DATASTORE_SQL is set. CKAN clients name a table by its resource
id (`SELECT * FROM "1b2c…"`): such a quoted id is replaced by the table's name before the
statement runs; the database's own guard (authorizer or reader role) still decides.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.datastore import access, query, sql
from ketnoi.kit.errors import Forbidden, Invalid
from ketnoi.portal import ckan_params as p
from ketnoi.settings import get_settings

CKAN_TYPES = {"string": "text", "integer": "int", "number": "numeric", "boolean": "bool", "date": "date", "datetime": "timestamp"}
DEFAULT_LIMIT = 100
RESERVED = frozenset({"fields", "sort", "q"})
_QUOTED_ID = re.compile(r'"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"')


def search(session: Session, params: Mapping[str, Any]) -> dict[str, Any]:
    resource_ref = p.text(params, "resource_id") or p.required(params, "id")
    try:
        resource_id = uuid.UUID(resource_ref)
    except ValueError:
        raise p.ParameterError("resource_id", "Không phải mã tài nguyên (UUID).") from None
    limit = p.integer(params, "limit", DEFAULT_LIMIT, high=query.MAX_LIMIT)
    offset = p.integer(params, "offset", 0)
    served = access.served(session, actor=PUBLIC, resource_id=resource_id)
    translated = _data_api_params(params)
    try:
        selection = query.select_served(session, served, translated, RESERVED)
    except Invalid as exc:
        name = next(iter(exc.fields), "filters")
        raise p.ParameterError(name, exc.message) from exc
    rows = session.execute(query.ordered(selection, selection.query).offset(offset).limit(limit))
    result: dict[str, Any] = {
        "resource_id": str(resource_id),
        "fields": [{"id": "_id", "type": "int"}] + [{"id": f.name, "type": CKAN_TYPES.get(f.type, "text")} for f in selection.shown],
        "records": [query.jsonable_row(dict(row._mapping)) for row in rows],
        "limit": limit,
        "offset": offset,
        "_links": _links(params, resource_id, limit, offset),
    }
    if p.boolean(params, "include_total", True):
        counted = select(func.count()).select_from(selection.query.with_only_columns(selection.table.c._id).subquery())
        result |= {"total": session.scalar(counted) or 0, "total_was_estimated": False}
    return result


def _data_api_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    translated: list[tuple[str, str]] = []
    for name, value in p.json_object(params, "filters").items():
        if isinstance(value, list):
            translated.append((f"{name}__in", ",".join(str(v) for v in value)))
        elif isinstance(value, str | int | float | bool):
            translated.append((name, str(value)))
        else:
            raise p.ParameterError("filters", f"Giá trị lọc của «{name}» phải là một giá trị hoặc danh sách.")
    fields = p.string_list(params, "fields")
    if fields:
        translated.append(("fields", ",".join(f for f in fields if f != "_id")))
    sort = (p.text(params, "sort") or "").split(",")[0].split()
    if sort:
        translated.append(("sort", ("-" if len(sort) > 1 and sort[1].lower() == "desc" else "") + sort[0].strip('"')))
    if isinstance(params.get("q"), dict):
        raise p.ParameterError("q", "Chỉ hỗ trợ q là một chuỗi (tìm trên mọi cột văn bản).")
    if p.text(params, "q"):
        translated.append(("q", p.text(params, "q") or ""))
    return translated


def _links(params: Mapping[str, Any], resource_id: uuid.UUID, limit: int, offset: int) -> dict[str, str]:
    path = "/api/3/action/datastore_search?"
    kept = {k: v for k, v in params.items() if k not in ("offset", "resource_id", "id") and isinstance(v, str)}
    start = {"resource_id": str(resource_id), **kept}
    return {"start": path + urlencode(start), "next": path + urlencode({**start, "offset": offset + limit})}


def search_sql(session: Session, params: Mapping[str, Any]) -> dict[str, Any]:
    if not get_settings().ckan_datastore_sql:
        raise Forbidden("datastore_search_sql đã bị tắt trên cổng này (KETNOI_CKAN_DATASTORE_SQL).")
    statement = p.required(params, "sql")
    tables = {table.resource_id: table.table_name for table in sql.open_tables(session)}
    for resource_id in set(_QUOTED_ID.findall(statement)):
        if resource_id.lower() not in tables:
            msg = "Tài nguyên {resource_id} không phải bảng mở (chưa nạp, hoặc có cột không công khai): không truy vấn SQL được."
            raise Forbidden(msg, values={"resource_id": resource_id})
        statement = statement.replace(f'"{resource_id}"', f'"{tables[resource_id.lower()]}"')
    result = sql.run(session, sql=statement)
    records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    return {
        "sql": statement,
        "fields": [{"id": name, "type": "text"} for name in result.columns],
        "records": records,
        "records_truncated": result.truncated,
    }
