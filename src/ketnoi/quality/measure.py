"""Measure a table's rules inside the database: one aggregated pass, then the few rules that need their own query.

Row rules (not null, type, pattern, allowed values, range, length, cross-field expressions,
conditional required, a date column's freshness) each become two aggregates, "rows evaluated" and
"rows failing", of one `SELECT count(*), sum(CASE …), … FROM table`: the table is read once
whatever the number of rules. Uniqueness (GROUP BY … HAVING count(*) > 1) and references to
another table (NOT EXISTS) get a query each. Then, for the rules that failed, a sample of failing
row ids (`_id`, never a value) in `_id` order, capped.

Every query runs under a time limit (PostgreSQL's statement_timeout, SQLite's progress handler)
inside a savepoint, so a query stopped at the limit marks its rules as errors and the run goes on.
Patterns run as `~` on PostgreSQL and through SQLAlchemy's REGEXP function (Python's `re`) on SQLite.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, exists, false, func, or_, select, true, tuple_
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ketnoi.quality import expr
from ketnoi.quality.globs import to_globs
from ketnoi.quality.models import QualityRule
from ketnoi.quality.rules import anchored

SAMPLE_SIZE = 20
# The text a column of each type may hold to be read as that type (the `type` rule on text columns).
TYPE_PATTERNS = {
    "integer": r"[+-]?[0-9]+",
    "number": r"[+-]?[0-9]+([.,][0-9]+)?",
    "date": r"([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})",
    "email": r"[^@\s]+@[^@\s]+\.[^@\s]+",
    "url": r"https?://[^\s]+",
}


@dataclass
class Measured:
    """What one rule measured: `evaluated` units, `failed` of them; or an error message."""

    evaluated: int = 0
    failed: int = 0
    sample_ids: list[int] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration_ms: int = 0


class TimeLimit(Exception):
    pass


@dataclass(frozen=True)
class RowCheck:
    """A rule read row by row: which rows it applies to, and which of those fail (SQL conditions)."""

    applies: ColumnElement[bool] | None  # None: every row
    fails: ColumnElement[bool]


# Resolves a referenced resource's served table and column (for code lists and foreign keys).
ReferenceTable = Callable[[str, str], tuple[Table, str] | None]


def measure_table(
    session: Session,
    table: Table,
    columns: dict[str, str],
    rules: Sequence[QualityRule],
    *,
    seconds: float,
    reference: ReferenceTable,
    today: date,
) -> tuple[int, dict[Any, Measured]]:
    """The table's row count and each rule's measure (by rule id)."""
    out: dict[Any, Measured] = {}
    checks: dict[Any, RowCheck] = {}
    latest: dict[Any, tuple[str, int]] = {}  # date freshness: (column, days allowed)
    apart: list[QualityRule] = []  # measured by a query of their own
    for rule in rules:
        missing = [c for c in _columns_of(rule) if c not in columns]
        if missing:
            out[rule.id] = Measured(error=f"Cột «{missing[0]}» không còn trong bảng dữ liệu.")
        elif rule.kind == "date_freshness":
            latest[rule.id] = (rule.params["column"], rule.params["max_age_days"])
        elif rule.kind in ("unique", "foreign_key") or "ref_resource_id" in rule.params:
            apart.append(rule)
        else:
            checks[rule.id] = row_check(table, columns, rule, sqlite=session.get_bind().dialect.name == "sqlite")
    unique = [r for r in apart if r.kind == "unique"]
    alongside = _alongside(session, table, unique, seconds) if unique else None
    rows, aggregated = _one_pass(session, table, checks, latest, seconds)
    for rule_id in latest:
        out[rule_id] = _freshness_of(aggregated, rule_id, today)
    for rule_id, check in checks.items():
        out[rule_id] = aggregated.get(rule_id) or _error(aggregated)
        if out[rule_id].failed:
            out[rule_id].sample_ids = _sample(session, table, check.fails, seconds)
    done = alongside.result() if alongside is not None else {}
    for rule in apart:
        out[rule.id] = _counted(done[rule.id], rows) if rule.id in done else _apart(session, table, rule, rows, reference, seconds)
    return rows, out


def _counted(measured: Measured, rows: int) -> Measured:
    if measured.error is None:
        measured.evaluated = rows
    return measured


_ALONGSIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="quality")


def _alongside(session: Session, table: Table, rules: list[QualityRule], seconds: float) -> Future[dict[Any, Measured]] | None:
    """The unique rules' GROUP BYs on a connection of their own, while this one makes the aggregated pass:
    both databases run them at once on two cores (measured on 1M rows: 0.65 s → see bench/README.md).
    Only when that connection sees the table: a table loaded in this same transaction is not committed yet."""
    engine = session.get_bind().engine
    if not tables_visible(engine, table):
        return None
    return _ALONGSIDE.submit(_unique_elsewhere, engine, table, rules, seconds)


def tables_visible(engine: Any, table: Table) -> bool:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            return bool(connection.exec_driver_sql(f"SELECT to_regclass('\"{table.schema}\".\"{table.name}\"') IS NOT NULL").scalar())
        found = connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table.name,)).first()
        return found is not None


def _unique_elsewhere(engine: Any, table: Table, rules: list[QualityRule], seconds: float) -> dict[Any, Measured]:
    """(in a worker thread) Each unique rule measured on a session of its own, read-only: its row count is set after."""
    with Session(engine) as other:
        try:
            return {rule.id: _apart(other, table, rule, 0, lambda _r, _c: None, seconds) for rule in rules}
        finally:
            other.rollback()


def _apart(session: Session, table: Table, rule: QualityRule, rows: int, reference: ReferenceTable, seconds: float) -> Measured:
    started = time.perf_counter()
    try:
        if rule.kind == "unique":
            found = _duplicates(session, table, rule.params["columns"], rows, seconds)
        else:
            found = _orphans(session, table, rule, reference, seconds)
    except TimeLimit:
        found = Measured(error=f"Quá thời hạn {seconds:g} giây cho một truy vấn.")
    found.duration_ms = int((time.perf_counter() - started) * 1000)
    return found


def _columns_of(rule: QualityRule) -> list[str]:
    params = rule.params
    names = list(params.get("columns") or ([params["column"]] if "column" in params else []))
    return names


def row_check(table: Table, columns: dict[str, str], rule: QualityRule, *, sqlite: bool = False) -> RowCheck:
    """The rule as SQL conditions on one row (kinds read row by row); on SQLite, simple patterns as GLOBs."""
    p = rule.params
    if rule.kind == "expression":
        condition = expr.parse(p["expression"], columns).on(table)
        return RowCheck(condition.is_not(None), ~condition)
    column = table.c[p["column"]]
    if rule.kind in ("not_null", "required_if"):
        missing = column.is_(None) | (column == "") if columns[p["column"]] == "string" else column.is_(None)
        return RowCheck(expr.parse(p["when"], columns).on(table) if rule.kind == "required_if" else None, missing)
    if rule.kind == "pattern" or (rule.kind == "type" and columns[p["column"]] == "string"):
        regex = p["regex"] if rule.kind == "pattern" else TYPE_PATTERNS[p["type"]]
        return RowCheck(column.is_not(None), ~_matches(column, regex, sqlite))
    return RowCheck(column.is_not(None), _VALUE_CHECKS[rule.kind](column, columns[p["column"]], p))


def _matches(column: Any, regex: str, sqlite: bool) -> ColumnElement[bool]:
    """The whole value matches: GLOBs on SQLite when they say the same (quality.globs), else a regular expression."""
    globs = to_globs(regex) if sqlite else None
    if globs:
        return or_(*(column.op("GLOB")(g) for g in globs))
    matched: ColumnElement[bool] = column.regexp_match(anchored(regex))
    return matched


def _type_fails(column: Any, kind: str, p: dict[str, Any]) -> ColumnElement[bool]:
    # A typed column holds only values of its type (the load checked them); a text column: see row_check.
    conforms = kind == p["type"] or (kind, p["type"]) in (("integer", "number"), ("datetime", "date"))
    return false() if conforms else true()


def _out_of(value: Any, p: dict[str, Any]) -> ColumnElement[bool]:
    bounds = []
    if p.get("min") is not None:
        bounds.append(value < p["min"])
    if p.get("max") is not None:
        bounds.append(value > p["max"])
    return or_(*bounds)


# How a present value fails each kind of value rule: (column, its type, the rule's parameters) → condition.
_VALUE_CHECKS: dict[str, Callable[[Any, str, dict[str, Any]], ColumnElement[bool]]] = {
    "type": _type_fails,
    "allowed": lambda column, _kind, p: column.not_in(p["values"]),
    "range": lambda column, _kind, p: _out_of(column, p),
    "length": lambda column, _kind, p: _out_of(func.length(column), p),
}


def _one_pass(
    session: Session, table: Table, checks: dict[Any, RowCheck], latest: dict[Any, tuple[str, int]], seconds: float
) -> tuple[int, dict[Any, Any]]:
    """count(*) and, per row rule, (evaluated, failed); per freshness rule, the column's latest value."""
    selected: list[Any] = [func.count().label("n")]
    for i, check in enumerate(checks.values()):
        applies = check.applies
        # count(*) FILTER (WHERE …): SQLite ≥ 3.30 and PostgreSQL; cheaper than sum(CASE …) on both.
        evaluated = func.count() if applies is None else func.count().filter(applies)
        failing = check.fails if applies is None else and_(applies, check.fails)
        selected += [evaluated.label(f"e{i}"), func.count().filter(failing).label(f"f{i}")]
    for i, (name, _days) in enumerate(latest.values()):
        selected.append(func.max(table.c[name]).label(f"m{i}"))
    started = time.perf_counter()
    try:
        with limited(session, seconds):
            row = session.execute(select(*selected).select_from(table)).one()
    except TimeLimit:
        return 0, {"error": f"Quá thời hạn {seconds:g} giây cho truy vấn tổng hợp."}
    elapsed = int((time.perf_counter() - started) * 1000)
    out: dict[Any, Any] = {}
    for i, rule_id in enumerate(checks):
        out[rule_id] = Measured(int(row[1 + 2 * i] or 0), int(row[2 + 2 * i] or 0), duration_ms=elapsed)
    for i, (rule_id, (_name, days)) in enumerate(latest.items()):
        out[("latest", rule_id)], out[("max_age", rule_id)] = row[1 + 2 * len(checks) + i], days
    return int(row[0]), out


def _error(aggregated: dict[Any, Any]) -> Measured:
    return Measured(error=str(aggregated.get("error") or "Không đo được."))


def _freshness_of(aggregated: dict[Any, Any], rule_id: Any, today: date) -> Measured:
    if "error" in aggregated:
        return _error(aggregated)
    value, max_age = aggregated.get(("latest", rule_id)), aggregated[("max_age", rule_id)]
    if value is None:
        return Measured(evaluated=0, details={"latest": None})
    latest = _as_date(value)
    age = (today - latest).days
    return Measured(evaluated=1, failed=int(age > max_age), details={"latest": latest.isoformat(), "age_days": age})


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite keeps dates as ISO text


def _duplicates(session: Session, table: Table, names: list[str], rows: int, seconds: float) -> Measured:
    """Rows beyond the first of each key (1 − duplicates / rows), and every row sharing a key.

    One GROUP BY gives both totals (window functions over the duplicated groups) and the first keys,
    whose rows make the sample."""
    key = [table.c[n] for n in names]
    complete = and_(*(c.is_not(None) for c in key))
    groups = select(*key, func.count().label("_n")).where(complete).group_by(*key).having(func.count() > 1).subquery()
    first = select(
        *(groups.c[n] for n in names), func.count().over().label("_keys"), func.sum(groups.c["_n"]).over().label("_rows")
    ).limit(SAMPLE_SIZE)
    with limited(session, seconds):
        found = session.execute(first).all()
    keys, involved = (int(found[0]._keys), int(found[0]._rows)) if found else (0, 0)
    measured = Measured(evaluated=rows, failed=involved - keys, details={"duplicated_keys": keys, "rows_involved": involved})
    if found:
        values = [tuple(r[: len(names)]) for r in found]
        target = tuple_(*key).in_(values) if len(key) > 1 else key[0].in_([v[0] for v in values])
        measured.sample_ids = _sample(session, table, target, seconds)
    return measured


def _orphans(session: Session, table: Table, rule: QualityRule, reference: ReferenceTable, seconds: float) -> Measured:
    """Values with no match in the referenced column (a code list, another dataset's key)."""
    found = reference(rule.params["ref_resource_id"], rule.params["ref_column"])
    if found is None:
        return Measured(error="Bảng dữ liệu được tham chiếu chưa có dữ liệu hoặc không còn cột được tham chiếu.")
    ref_table, ref_column = found
    column = table.c[rule.params["column"]]
    orphan = and_(column.is_not(None), ~exists().where(ref_table.c[ref_column] == column))
    with limited(session, seconds):
        evaluated, failed = session.execute(
            select(func.count(column), func.coalesce(func.sum(case((orphan, 1), else_=0)), 0)).select_from(table)
        ).one()
    measured = Measured(evaluated=int(evaluated), failed=int(failed))
    if failed:
        measured.sample_ids = _sample(session, table, orphan, seconds)
    return measured


def _sample(session: Session, table: Table, fails: ColumnElement[bool], seconds: float) -> list[int]:
    try:
        with limited(session, seconds):
            return [int(i) for i in session.scalars(select(table.c._id).where(fails).order_by(table.c._id).limit(SAMPLE_SIZE))]
    except TimeLimit:
        return []


@contextmanager
def limited(session: Session, seconds: float) -> Iterator[None]:
    """Run the block's queries in a savepoint, stopped after `seconds` (TimeLimit; the transaction lives on)."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    driver = connection.connection.driver_connection
    deadline = time.monotonic() + seconds
    savepoint = session.begin_nested()
    try:
        if postgres:
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(seconds * 1000))}")
        else:
            driver.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)  # type: ignore[union-attr]
        yield
        savepoint.commit()
    except (OperationalError, DBAPIError) as error:
        savepoint.rollback()
        if _is_timeout(error, postgres) or time.monotonic() > deadline:
            raise TimeLimit from None
        raise
    finally:
        if postgres:
            if session.in_transaction():
                connection.exec_driver_sql("SET LOCAL statement_timeout TO DEFAULT")
        else:
            driver.set_progress_handler(None, 0)  # type: ignore[union-attr]


def _is_timeout(error: DBAPIError, postgres: bool) -> bool:
    if postgres:
        return getattr(error.orig, "sqlstate", None) == "57014"  # query_canceled
    return "interrupted" in str(error.orig)
