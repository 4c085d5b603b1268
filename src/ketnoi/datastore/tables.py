"""The typed SQL tables of the datastore: created from a schema, filled fast, one per version.

PostgreSQL: schema `datastore`, rows sent with COPY. SQLite: the main database, rows sent with
executemany in batches. Both run inside the caller's transaction, so a load that fails leaves no
table behind, and the table only becomes visible to readers when its version turns active.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, Numeric, Table, Text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeEngine

from ketnoi.datastore.infer import Field

SCHEMA = "datastore"
BATCH_ROWS = 5000
MAX_INDEXES = 8

_SQL_TYPES: dict[str, TypeEngine[Any]] = {
    "integer": BigInteger(),
    "number": Numeric(),
    "boolean": Boolean(),
    "date": Date(),
    "datetime": DateTime(),
    "string": Text(),
}


def new_table_name() -> str:
    return f"ds_{uuid.uuid4().hex[:24]}"


def schema_of(connection: Connection) -> str | None:
    return SCHEMA if connection.dialect.name == "postgresql" else None


SEARCH_COLUMN = "_search"  # the row's text folded for `q=` (kit.search): " ha noi lua chiu man"


def searchable(fields: Sequence[Field]) -> bool:
    return any(f.type == "string" for f in fields)


def table_for(connection: Connection, name: str, fields: Sequence[Field], *, search: bool = False) -> Table:
    """The SQLAlchemy Table of a datastore table: `_id` (the row's place in the file), the fields,
    and with `search` the folded text the `q=` filter reads."""
    return _table(schema_of(connection), name, tuple((f.name, f.type) for f in fields), search)


@lru_cache(maxsize=512)
def _table(schema: str | None, name: str, columns: tuple[tuple[str, str], ...], search: bool) -> Table:
    """One Table object per table (a table's columns never change: a new type is a new version's
    table), so SQLAlchemy compiles each query shape once and reuses it from its statement cache."""
    # On SQLite, INTEGER PRIMARY KEY makes `_id` the rowid itself: no separate key index to fill or to read.
    key = Column("_id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False)
    typed = [Column(column, _SQL_TYPES[type_]) for column, type_ in columns]
    extra = [Column(SEARCH_COLUMN, Text())] if search else []
    return Table(name, MetaData(schema=schema), key, *typed, *extra)


SHORT_TEXT = 64  # longer texts (names, descriptions) are searched, not filtered by value


def filter_columns(fields: Sequence[Field], sample: Sequence[Sequence[Any]]) -> list[str]:
    """Columns worth an index for filtering: short texts that are keys (codes: every value differs)
    or categories (provinces, statuses: values repeat), then typed values (years, dates, flags)."""
    keys, categories = [], []
    for i, f in enumerate(fields):
        if f.type != "string":
            continue
        values = [str(row[i]) for row in sample if i < len(row) and row[i] not in (None, "")]
        if not values or max(map(len, values)) > SHORT_TEXT:
            continue
        distinct = len(set(values))
        if distinct == len(values):
            keys.append(f.name)
        elif distinct <= len(values) // 2:
            categories.append(f.name)
    typed = [f.name for f in fields if f.type in ("integer", "date", "datetime", "boolean")]
    return (keys + categories + typed)[:MAX_INDEXES]


def create(connection: Connection, table: Table) -> None:
    table.create(connection)


def index(connection: Connection, table: Table, indexed: Sequence[str]) -> None:
    """After the rows are in: building an index once is much cheaper than keeping it up to date row by row."""
    for name in indexed:
        # (column, _id): an equality filter then reads its rows already in page order (keyset on _id).
        Index(f"{table.name}_{name}_idx"[:63], table.c[name], table.c._id).create(connection)


def index_search(connection: Connection, name: str) -> bool:
    """PostgreSQL: the trigram index `q=` uses, built apart from the load (it costs as much as the
    load itself: 6 s for 200,000 rows), while the table already serves; False if the table is gone."""
    exists = connection.exec_driver_sql(f'SELECT to_regclass(\'"{SCHEMA}"."{name}"\') IS NOT NULL').scalar()
    if not exists:
        return False
    qualified = f'"{SCHEMA}"."{name}"'
    connection.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS "{name}_search_idx" ON {qualified} USING gin ("{SEARCH_COLUMN}" gin_trgm_ops)')
    return True


def analyze(engine: Engine, name: str) -> bool:
    """Statistics for the planner once a table is loaded, and on PostgreSQL the visibility map too
    (VACUUM): without them a GROUP BY over 1M rows spills to disk and index-only scans read the heap
    (measured by bench/quality.py: five quality rules 2.4 s → 0.7 s). False if the table is gone."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            if not connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).first():
                return False
            connection.exec_driver_sql(f'ANALYZE "{name}"')
        return True
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # VACUUM runs outside a transaction
        if not connection.exec_driver_sql(f'SELECT to_regclass(\'"{SCHEMA}"."{name}"\') IS NOT NULL').scalar():
            return False
        connection.exec_driver_sql(f'VACUUM (ANALYZE) "{SCHEMA}"."{name}"')
    return True


def drop(connection: Connection, name: str) -> None:
    schema = schema_of(connection)
    qualified = f'"{schema}"."{name}"' if schema else f'"{name}"'
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {qualified}")


def insert(connection: Connection, table: Table, rows: Iterable[MutableSequence[Any]]) -> int:
    """Append rows (values in column order, `_id` first; changed in place); how many. Streams: memory is one batch."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, rows)
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608 - generated names, bound values
    cursor = _driver(connection).cursor()
    # Only the columns whose values SQLite's driver does not take as they are get converted.
    converted = [(i, _SQLITE_VALUES[type(c.type)]) for i, c in enumerate(table.columns) if type(c.type) in _SQLITE_VALUES]
    count, batch = 0, []
    try:
        for row in rows:
            for i, convert in converted:
                if row[i] is not None:
                    row[i] = convert(row[i])
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                cursor.executemany(statement, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


def _sqlite_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # the text SQLAlchemy's SQLite DateTime writes and compares with


# SQLite stores what its driver knows: decimals as floats, dates and times as ISO text.
_SQLITE_VALUES: dict[type[TypeEngine[Any]], Callable[[Any], Any]] = {
    Numeric: float,
    DateTime: _sqlite_datetime,
    Date: date.isoformat,
}


def _copy(connection: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> int:
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    count = 0
    with _driver(connection).cursor() as cursor, cursor.copy(f'COPY "{SCHEMA}"."{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _driver(connection: Connection) -> Any:
    """The DBAPI connection under the session's (same transaction): for COPY and executemany."""
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the connection was closed")
    return driver
