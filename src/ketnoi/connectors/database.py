"""Database sources: a table, a view or a read-only query of a unit's own database, read through
SQLAlchemy (PostgreSQL, MySQL/MariaDB, SQLite here; SQL Server and Oracle with their drivers).

The connection is read-only where the database can say so (PostgreSQL's
default_transaction_read_only, MySQL's READ ONLY transaction, SQLite's query_only): a query
typed into the form cannot change the unit's data even with an account that could. Rows are
streamed with a server-side cursor, so memory stays one batch whatever the table's size, and each
statement has a time limit. The source's password is kept sealed (kit.secretbox) and joins the
URL only in memory, for the engine of this run.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table, column, create_engine, event, func, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import Subquery

from ketnoi.connectors.extract import SourceColumn, SourceRefused, SourceUnavailable, parse_mark, type_of_python, type_of_value
from ketnoi.connectors.network import host_problem
from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings

OBJECTS = ("table", "view", "query")
DIALECTS = {  # the URL's scheme → the name shown; the driver each needs
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "sqlite": "SQLite",
    "mssql": "SQL Server",
    "oracle": "Oracle",
}
BATCH = 5000
PEEK_ROWS = 200  # a query's column types are read off its first rows
_QUALIFIED = re.compile(r"^[\w$]+(\.[\w$]+)?$")
_READING_QUERY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DatabaseConfig:
    url: str  # a SQLAlchemy URL without its password
    object: str = "table"  # table | view | query
    table: str | None = None  # [schema.]name, for a table or a view
    query: str | None = None  # one SELECT (or WITH … SELECT)

    @classmethod
    def of(cls, config: dict[str, Any]) -> DatabaseConfig:
        return cls(
            url=str(config.get("url") or ""),
            object=str(config.get("object") or "table"),
            table=config.get("table"),
            query=config.get("query"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "object": self.object, "table": self.table, "query": self.query}


def check(config: DatabaseConfig) -> DatabaseConfig:
    """The configuration as it will be used, or Invalid naming the field at fault."""
    url = _parsed(config.url)
    if url.password:
        raise Invalid(
            "Không ghi mật khẩu trong địa chỉ: hãy nhập mật khẩu vào ô riêng (được mã hoá khi lưu).", fields={"url": "Có mật khẩu."}
        )
    _refuse_own_database(url)
    if config.object not in OBJECTS:
        raise Invalid("Đối tượng nguồn phải là bảng, khung nhìn hoặc câu truy vấn.", fields={"object": config.object})
    if config.object == "query":
        query = (config.query or "").strip().rstrip(";").strip()
        if not _READING_QUERY.match(query) or ";" in query:
            raise Invalid("Câu truy vấn phải là một lệnh SELECT (hoặc WITH … SELECT) duy nhất.", fields={"query": "Không phải SELECT."})
        return DatabaseConfig(url=config.url.strip(), object="query", query=query)
    name = (config.table or "").strip()
    if not _QUALIFIED.match(name):
        raise Invalid("Tên bảng hoặc khung nhìn có dạng «tên» hoặc «lược_đồ.tên».", fields={"table": name or "Bắt buộc."})
    return DatabaseConfig(url=config.url.strip(), object=config.object, table=name)


def _parsed(raw: str) -> URL:
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise Invalid(
            "Địa chỉ cơ sở dữ liệu không đúng dạng URL của SQLAlchemy (vd. postgresql+psycopg://ten@may:5432/csdl).", fields={"url": raw}
        ) from None
    if url.get_backend_name() not in DIALECTS:
        shown = ", ".join(DIALECTS.values())
        raise Invalid(
            "Loại cơ sở dữ liệu «{backend}» không được hỗ trợ (chỉ {shown}).",
            fields={"url": url.get_backend_name()},
            values={"backend": url.get_backend_name(), "shown": shown},
        )
    return url


def _refuse_own_database(url: URL) -> None:
    """A source may not be the platform's own metadata database (its users, keys and logs), nor a
    SQLite file elsewhere than KETNOI_SOURCE_SQLITE_DIR: a steward must not read what only the platform may."""
    own = make_url(get_settings().database_url)
    if url.get_backend_name() == "sqlite":
        allowed = get_settings().source_sqlite_dir
        path = (url.database or "").strip()
        if allowed is None or not path or ".." in path.split("/") or not path.startswith(str(allowed).rstrip("/") + "/"):
            raise Invalid("Nguồn SQLite chỉ được đặt trong thư mục KETNOI_SOURCE_SQLITE_DIR.", fields={"url": path or "sqlite"})
        return
    host_problem(url.host or "localhost", url.port)
    if own.get_backend_name() == url.get_backend_name() and (own.host or "localhost", own.port, own.database) == (
        url.host or "localhost",
        url.port,
        url.database,
    ):
        raise Invalid("Không được lấy chính cơ sở dữ liệu của nền tảng làm nguồn.", fields={"url": "CSDL của nền tảng."})


def engine_for(config: DatabaseConfig, password: str | None) -> Engine:
    """An engine for one run: no pool kept, a connect and a statement time limit, read-only sessions."""
    url = _parsed(config.url)
    _refuse_own_database(url)  # again at each run: a name may resolve elsewhere since the source was saved
    seconds = get_settings().sync_timeout_seconds
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args = {"connect_timeout": 10, "options": f"-c statement_timeout={int(seconds * 1000)} -c default_transaction_read_only=on"}
    elif backend in ("mysql", "mariadb"):
        connect_args = {"connect_timeout": 10, "read_timeout": int(seconds)}
        if password:  # as UTF-8 bytes: PyMySQL would encode a text password as Latin-1 and fail on Vietnamese letters
            connect_args["password"] = password.encode()
            password = None
    elif backend == "sqlite":
        connect_args = {"timeout": 10}
    if password:
        url = url.set(password=password)
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise SourceRefused(
            "Máy chủ chưa cài trình kết nối cho «{backend}» ({error}): xem docs/connectors.md.",
            values={"backend": backend, "error": str(exc)},
        ) from None
    if backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _mysql_read_only)
    elif backend == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only)
    return engine


def _mysql_read_only(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


class DatabaseExtract:
    """One run's read: opened by `open_extract`, the rows streamed by `rows()`."""

    def __init__(
        self, engine: Engine, connection: Connection, columns: list[SourceColumn], peeked: Sequence[Sequence[Any]], rest: Iterator[Any]
    ) -> None:
        self.columns = columns
        self._engine, self._connection = engine, connection
        self._peeked, self._rest = peeked, rest

    def rows(self) -> Iterator[Sequence[Any]]:
        try:
            yield from self._peeked
            for row in self._rest:
                yield tuple(row)
        except DBAPIError as exc:
            raise _sorted(exc) from None

    def close(self) -> None:
        try:
            self._connection.close()
        finally:
            self._engine.dispose()


def open_extract(
    config: DatabaseConfig, password: str | None, *, cursor: str | None = None, since: str | None = None, inclusive: bool = True
) -> DatabaseExtract:
    """Open the source; with `since`, only the rows whose `cursor` column reached it (≥ with a key
    to merge on, > without), ordered by the cursor."""
    engine = engine_for(config, password)
    connection: Connection | None = None
    try:
        connection = engine.connect()
        source = _source(connection, config)
        names = [c.name for c in source.columns]
        statement = _statement(connection, source, cursor=cursor, since=since, inclusive=inclusive)
        result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(statement)
        peeked = [tuple(r) for r in _take(result, PEEK_ROWS)]
        columns = _columns(source, names, peeked)
        return DatabaseExtract(engine, connection, columns, peeked, iter(result))
    except Exception as exc:
        if connection is not None:
            with contextlib.suppress(Exception):  # a connection the source already dropped
                connection.close()
        engine.dispose()
        if isinstance(exc, SourceRefused | SourceUnavailable):
            raise
        if isinstance(exc, DBAPIError):
            raise _sorted(exc) from None
        if isinstance(exc, NoSuchTableError):
            raise SourceRefused(
                "Nguồn không có bảng hoặc khung nhìn «{table}».", fields={"table": config.table or ""}, values={"table": config.table}
            ) from None
        if isinstance(exc, SQLAlchemyError):
            raise SourceRefused("Không đọc được nguồn: {error}", values={"error": str(exc)}) from None
        raise


def _statement(connection: Connection, source: Any, *, cursor: str | None, since: str | None, inclusive: bool) -> Select[Any]:
    """Every column of the source; with a cursor, in its order, and from the mark on when there is one."""
    statement: Select[Any] = select(*source.columns)
    if cursor is None:
        return statement
    if cursor not in source.columns:
        raise SourceRefused("Nguồn không có cột mốc «{cursor}».", fields={"cursor_column": cursor}, values={"cursor": cursor})
    key = source.columns[cursor]
    if since is not None:
        type_ = _declared(source).get(cursor) or _mark_type(since)
        mark = parse_mark(since, type_)
        if connection.dialect.name == "sqlite" and type_ in ("date", "datetime"):
            # SQLite keeps times as text in whatever form the writer chose ("…T…", "… …", with or without
            # fractions): compared as text they mis-order, so both sides are read back as datetime().
            key, mark = func.datetime(key), func.datetime(since)
        statement = statement.where(key >= mark if inclusive else key > mark)
    return statement.order_by(key)


def _source(connection: Connection, config: DatabaseConfig) -> Any:
    """The table, view or query as something to select from, with its columns."""
    if config.object == "query":
        query = config.query or ""
        # The columns come from the database's own answer to the query, with no row read.
        probe = connection.exec_driver_sql(f"SELECT * FROM ({query}) ketnoi_probe WHERE 1 = 0")  # noqa: S608 - one SELECT (`check`), read-only session
        names = list(probe.keys())
        probe.close()
        return text(query).columns(*(column(name) for name in names)).subquery("ketnoi_source")
    schema, _, name = (config.table or "").rpartition(".")
    return Table(name, MetaData(), schema=schema or None, autoload_with=connection)


def _declared(source: Any) -> dict[str, str]:
    """The types a table or view declares (a query's columns declare none)."""
    declared: dict[str, str] = {}
    if isinstance(source, Subquery):
        return declared
    for c in source.columns:
        if type(c.type).__name__ == "TINYINT" and getattr(c.type, "display_width", None) == 1:
            declared[c.name] = "boolean"  # MySQL's BOOLEAN is TINYINT(1): read as the flag it was declared as
            continue
        try:
            declared[c.name] = type_of_python(c.type.python_type)
        except NotImplementedError:  # a type of the dialect's own with no Python equivalent: read off the values
            continue
    return declared


def _columns(source: Any, names: list[str], peeked: Sequence[Sequence[Any]]) -> list[SourceColumn]:
    """Each column's type as the source declares it (a table or view), else as its first values show it (a query)."""
    declared = _declared(source)
    out = []
    for i, name in enumerate(names):
        type_ = declared.get(name)
        if type_ is None:
            seen = {type_of_value(row[i]) for row in peeked} - {None}
            type_ = next(iter(seen)) if len(seen) == 1 else ("number" if seen == {"integer", "number"} else "string")
            type_ = type_ or "string"
        out.append(SourceColumn(name, type_))
    return out


def _mark_type(mark: str) -> str:
    """A query's cursor type, from the mark itself (its values were typed when the mark was taken)."""
    if re.fullmatch(r"-?\d+", mark):
        return "integer"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", mark):
        return "date"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+", mark):
        return "datetime"
    return "string"


def _take(result: Any, count: int) -> list[Any]:
    rows = []
    for row in result:
        rows.append(row)
        if len(rows) >= count:
            break
    return rows


def _sorted(exc: DBAPIError) -> Exception:
    """Down or slow (retried) versus refused (not): by what the driver says."""
    message = str(exc.orig) if exc.orig is not None else str(exc)
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    refused = (
        "password authentication failed",
        "access denied",
        "does not exist",
        "doesn't exist",
        "syntax",
        "permission denied",
        "no such table",
        "no such column",
        "unknown column",
        "read-only",
    )
    if exc.connection_invalidated is False and any(word in message.lower() for word in refused):
        return SourceRefused("Nguồn từ chối: {error}", values={"error": first})
    if type(exc).__name__ in ("OperationalError", "InterfaceError", "DisconnectionError") or exc.connection_invalidated:
        return SourceUnavailable("Không kết nối được hoặc nguồn không trả lời kịp: {error}", values={"error": first})
    return SourceRefused("Nguồn từ chối: {error}", values={"error": first})
