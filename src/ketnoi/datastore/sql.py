"""Read-only SQL over the open tables of the datastore (`/api/v1/sql`), enforced by the database.

Which tables: the served version of each resource of a public dataset whose every column is
open data for the public (its data item open, neither personal nor sensitive). A table with a
hidden column is left out whole: SQL could read the column by name.

How it is held to that, on a connection of its own (never the request's):
- SQLite: an authorizer lets the statement do nothing but SELECT, read the open tables and call
  functions; a progress handler stops it at the time limit. sqlite3 runs one statement only.
- PostgreSQL: a connection logged in as a reader role that may SELECT the open tables and
  nothing else (its grants are brought in line with the catalog before each query), in a READ
  ONLY transaction with `statement_timeout`, the search path on the datastore schema, and the
  statement prepared (the server refuses more than one command).
Either way at most `max_rows` rows are read (the answer says when there were more).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog.models import Dataset, Resource, Visibility
from ketnoi.datastore import access
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.datastore.query import jsonable_value
from ketnoi.db import get_engine
from ketnoi.kit.errors import BadRequest, DomainError, Forbidden
from ketnoi.settings import get_settings

READER_ROLE = "ketnoi_sql_reader"
MAX_SQL = 10_000  # characters of one statement
_GRANTS_LOCK = 0x6B6E5351  # pg_advisory_xact_lock key of the grants' reconciliation ("knSQ")


@dataclass(frozen=True)
class OpenTable:
    table_name: str
    resource_id: str
    resource_name: str
    dataset_id: str
    dataset_name: str
    columns: list[dict[str, Any]]  # Table Schema fields


@dataclass(frozen=True)
class SqlResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool  # more rows than the limit: only the first ones are here


class SqlTimeout(DomainError):
    status = 400
    type = "sql-timeout"


def open_tables(session: Session) -> list[OpenTable]:
    """The tables anyone may query: served versions of public datasets with every column open."""
    query = (
        select(DatastoreVersion, Resource, Dataset)
        .join(Resource, Resource.id == DatastoreVersion.resource_id)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(DatastoreVersion.status == VersionStatus.ACTIVE, Dataset.visibility == Visibility.PUBLIC)
        .order_by(Dataset.name, Resource.name)
    )
    found = []
    for version, resource, dataset in session.execute(query).tuples():
        try:
            served = access.served(session, actor=PUBLIC, resource_id=resource.id)
        except DomainError:  # no column open to the public
            continue
        if not served.hidden:
            columns = [f.descriptor() for f in served.fields]
            found.append(OpenTable(version.table_name, str(resource.id), resource.name, str(dataset.id), dataset.name, columns))
    return found


def run(session: Session, *, sql: str, max_rows: int | None = None) -> SqlResult:
    """Run one read-only statement over the open tables."""
    settings = get_settings()
    statement = sql.strip().rstrip(";").strip()
    if not statement:
        raise BadRequest("Hãy nhập một câu lệnh SELECT.", fields={"sql": "Bắt buộc."})
    if len(statement) > MAX_SQL:
        raise BadRequest("Câu lệnh dài quá {limit} ký tự.", fields={"sql": "Quá dài."}, values={"limit": f"{MAX_SQL:,}".replace(",", ".")})
    limit = max(1, min(max_rows or settings.sql_max_rows, settings.sql_max_rows))
    allowed = {t.table_name for t in open_tables(session)}
    seconds = settings.sql_time_limit_ms / 1000
    with get_engine().connect() as connection:
        if connection.dialect.name == "sqlite":
            return _sqlite(connection, statement, allowed, limit, seconds)
        return _postgresql(connection, statement, allowed, limit, settings.sql_time_limit_ms)


def _rows(cursor: Any, limit: int) -> SqlResult:
    columns = [d[0] for d in cursor.description or ()]
    fetched = cursor.fetchmany(limit + 1)
    rows = [[jsonable_value(v) for v in row] for row in fetched[:limit]]
    return SqlResult(columns, rows, len(fetched) > limit)


# -- SQLite ---------------------------------------------------------------------------------------

_READ_ONLY_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_TABLE_FUNCTIONS = {"json_each", "json_tree"}  # table-valued functions over the statement's own values


def _sqlite(connection: Connection, statement: str, allowed: set[str], limit: int, seconds: float) -> SqlResult:
    raw = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    refused: list[str] = []
    # Every name of the database's schema (this read also loads the schema now, before the
    # authorizer would see SQLite's own reads of it). A name read that is none of these is the
    # statement's own CTE; the schema's tables are readable only when open.
    known = {name.casefold() for (name,) in raw.execute("SELECT name FROM sqlite_schema")}

    def readable(table: str | None) -> bool:
        name = (table or "").casefold()
        if table in allowed or name in _TABLE_FUNCTIONS:
            return True
        return name not in known and not name.startswith(("sqlite_", "pragma_")) and name != "dbstat"

    def authorize(action: int, table: str | None, _column: str | None, _database: str | None, _trigger: str | None) -> int:
        if action in _READ_ONLY_ACTIONS or (action == sqlite3.SQLITE_READ and readable(table)):
            return sqlite3.SQLITE_OK
        refused.append(table if action == sqlite3.SQLITE_READ and table else _ACTION_NAMES.get(action, str(action)))
        return sqlite3.SQLITE_DENY

    deadline = time.monotonic() + seconds
    raw.set_authorizer(authorize)
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    cursor = raw.cursor()
    try:
        cursor.execute(statement)
        return _rows(cursor, limit)
    except (sqlite3.Warning, sqlite3.ProgrammingError) as exc:  # more than one statement
        if "one statement" not in str(exc):
            raise BadRequest("Câu lệnh SQL lỗi: {error}", fields={"sql": str(exc)}, values={"error": str(exc)}) from None
        raise BadRequest("Chỉ chạy được một câu lệnh SELECT mỗi lần.", fields={"sql": str(exc)}) from None
    except sqlite3.DatabaseError as exc:
        if refused:
            raise _refusal(refused) from None
        if "interrupted" in str(exc):
            raise SqlTimeout(
                "Câu lệnh chạy quá {seconds:g} giây nên bị dừng.", fields={"sql": "Quá thời gian."}, values={"seconds": seconds}
            ) from None
        raise BadRequest("Câu lệnh SQL lỗi: {error}", fields={"sql": str(exc)}, values={"error": str(exc)}) from None
    finally:
        cursor.close()
        raw.set_authorizer(None)
        raw.set_progress_handler(None, 0)
        raw.rollback()


_ACTION_NAMES = {
    getattr(sqlite3, name): name.removeprefix("SQLITE_")
    for name in dir(sqlite3)
    if name.startswith("SQLITE_") and name not in ("SQLITE_OK", "SQLITE_DENY", "SQLITE_IGNORE") and isinstance(getattr(sqlite3, name), int)
}


def _refusal(refused: Iterable[str]) -> Forbidden:
    named = ", ".join(sorted(set(refused)))
    return Forbidden("Chỉ được đọc (SELECT) các bảng dữ liệu mở; câu lệnh dùng: {tables}.", fields={"sql": named}, values={"tables": named})


# -- PostgreSQL -----------------------------------------------------------------------------------


def _postgresql(connection: Connection, statement: str, allowed: set[str], limit: int, milliseconds: int) -> SqlResult:
    """On a connection logged in as the reader role itself, so no statement can take back the
    platform's own rights (SET ROLE and set_config('role') check the session's user)."""
    _reconcile_grants(connection, allowed)
    with _reader_engine(str(connection.engine.url.render_as_string(hide_password=False))).connect() as reader:
        raw = reader.connection.driver_connection
        reader.exec_driver_sql("SET TRANSACTION READ ONLY")
        reader.exec_driver_sql(f"SET LOCAL statement_timeout = {int(milliseconds)}")
        reader.exec_driver_sql("SET LOCAL search_path = datastore")
        cursor = raw.cursor()  # type: ignore[union-attr]
        try:
            # A prepared statement holds one command: "SELECT 1; COMMIT; …" is refused by the server.
            cursor.execute(statement, prepare=True)
            return _rows(cursor, limit)
        except Exception as exc:
            raise _pg_error(exc) from None
        finally:
            cursor.close()
            reader.rollback()


@lru_cache(maxsize=4)
def _reader_engine(platform_url: str) -> Engine:
    url = make_url(platform_url).set(username=READER_ROLE, password=get_settings().sql_reader_password or None)
    return create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)


def _pg_error(exc: Exception) -> DomainError:
    import psycopg.errors as pg

    message = getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)
    if isinstance(exc, pg.QueryCanceled):
        return SqlTimeout("Câu lệnh chạy quá thời gian cho phép nên bị dừng.", fields={"sql": "Quá thời gian."})
    if isinstance(exc, pg.InsufficientPrivilege | pg.ReadOnlySqlTransaction):
        return _refusal([message])
    if "multiple commands" in message:
        return BadRequest("Chỉ chạy được một câu lệnh SELECT mỗi lần.", fields={"sql": message})
    return BadRequest("Câu lệnh SQL lỗi: {error}", fields={"sql": message}, values={"error": message})


def _granted(connection: Connection) -> set[str] | None:
    """The datastore tables the reader role may SELECT; None when the role is not set up."""
    ready = connection.execute(
        text("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role AND rolcanlogin)"), {"role": READER_ROLE}
    ).scalar()
    usage = text("SELECT has_schema_privilege(:role, 'datastore', 'USAGE')")
    if not ready or not connection.execute(usage, {"role": READER_ROLE}).scalar():
        return None
    tables = text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'datastore' AND c.relkind = 'r' AND has_table_privilege(:role, c.oid, 'SELECT')"
    )
    return set(connection.execute(tables, {"role": READER_ROLE}).scalars())


def _reconcile_grants(connection: Connection, allowed: set[str]) -> None:
    """The reader role may SELECT exactly the open tables: grant and revoke what changed since.

    In a transaction of its own, committed before the query runs, under an advisory lock so two
    requests never change the same grants at once. Nothing is written when nothing changed.
    """
    unchanged = _granted(connection) == allowed
    connection.rollback()
    if unchanged:
        return
    try:
        with connection.begin():
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _GRANTS_LOCK})
            granted = _granted(connection)
            if granted is None:
                _set_up_role(connection)
                granted = _granted(connection) or set()
            for table in sorted(allowed - granted):
                connection.exec_driver_sql(f'GRANT SELECT ON datastore."{table}" TO {READER_ROLE}')
            for table in sorted(granted - allowed):
                connection.exec_driver_sql(f'REVOKE ALL ON datastore."{table}" FROM {READER_ROLE}')
    except DBAPIError as exc:
        steps = f"CREATE ROLE {READER_ROLE} LOGIN; GRANT USAGE ON SCHEMA datastore TO {READER_ROLE}"
        raise DomainError(
            "Máy chủ chưa sẵn sàng cho truy vấn SQL: {error}. Quản trị CSDL cần chạy: {steps}.",
            values={"error": str(exc.orig), "steps": steps},
        ) from None


def _set_up_role(connection: Connection) -> None:
    """The reader role: may log in (with KETNOI_SQL_READER_PASSWORD when set), use the schema, nothing else."""
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": READER_ROLE}).scalar()
    if not exists:
        connection.exec_driver_sql(f"CREATE ROLE {READER_ROLE} LOGIN")
    password = get_settings().sql_reader_password
    if password:  # a utility statement takes no parameters: the password is quoted as a literal
        from psycopg import sql as pgsql

        change = pgsql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(pgsql.Identifier(READER_ROLE), pgsql.Literal(password))
        connection.connection.driver_connection.cursor().execute(change)  # type: ignore[union-attr]
    else:
        connection.exec_driver_sql(f"ALTER ROLE {READER_ROLE} LOGIN")
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA datastore TO {READER_ROLE}")
