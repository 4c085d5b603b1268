"""Profile the catalog search the services run, query by query, on the benchmark's database.

    .venv/bin/python bench/catalog_explain.py --db sqlite            # time every query of catalog_queries.txt
    .venv/bin/python bench/catalog_explain.py --db postgres --plans  # and show the plans of a few
    .venv/bin/python bench/catalog_explain.py --db postgres --plans --generic -q "du lieu"

Uses the database catalog.py generated (bench/.data/, or PostgreSQL `ketnoi_bench`), calls the real
services (`datasets.list_datasets` with limit 25 and `datasets.count_datasets`) as an administrator
and anonymously, captures the SQL they send, and reports the median time of each call and the
number of matching datasets. With --plans it runs EXPLAIN QUERY PLAN (SQLite) or
EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL) on the captured statements with their parameters;
--generic shows PostgreSQL's generic plan, the one psycopg's prepared statements end up with
after five executions on a connection.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import benchlib

PLAN_QUERIES = ["du lieu", "co so du lieu khoa hoc", "Hà Nội 2021", "đo", "cyclotron", "xyzzy metaverse"]


def ensure_env(db: str, argv: list[str]) -> None:
    """Re-run this script with the benchmark's environment (ketnoi reads its settings once, at first use)."""
    t = benchlib.target(db)
    if os.environ.get("KETNOI_DATABASE_URL") != t.url:
        os.execve(sys.executable, [sys.executable, __file__, *argv], benchlib.ketnoi_env(t))  # noqa: S606 - ourselves


class Capture:
    """The statements a block of service code sends, with their parameters."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    def run(self, fn: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
        self.statements, self.on = [], True
        try:
            return fn(), self.statements
        finally:
            self.on = False


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def profile(engine: Any, queries: list[str], repeat: int) -> None:
    from sqlalchemy.orm import Session

    from ketnoi.authz import PUBLIC
    from ketnoi.catalog import datasets
    from ketnoi.identity import system_actor

    actors = {"admin": system_actor(), "anonymous": PUBLIC}
    print(f"{'query':<28}" + "".join(f"{a + ' ' + c:>18}" for a in actors for c in ("matches", "list ms", "count ms")))
    for q in queries:
        cells = []
        for actor in actors.values():
            filters = datasets.DatasetFilters(q=q)
            with Session(engine) as session:
                total = datasets.count_datasets(session, actor=actor, filters=filters)
                list_ms = median_ms(partial(datasets.list_datasets, session, actor=actor, filters=filters, limit=25), repeat)
                count_ms = median_ms(partial(datasets.count_datasets, session, actor=actor, filters=filters), repeat)
            cells += [f"{total:>18,}", f"{list_ms:>18.1f}", f"{count_ms:>18.1f}"]
        print(f"{q[:27]:<28}" + "".join(cells), flush=True)


def explain(engine: Any, capture: Capture, queries: list[str], generic: bool) -> None:
    from sqlalchemy.orm import Session

    from ketnoi.catalog import datasets
    from ketnoi.identity import system_actor

    for q in queries:
        filters = datasets.DatasetFilters(q=q)
        with Session(engine) as session:
            _, listed = capture.run(partial(datasets.list_datasets, session, actor=system_actor(), filters=filters, limit=25))
            _, counted = capture.run(partial(datasets.count_datasets, session, actor=system_actor(), filters=filters))
        for label, (statement, parameters) in (("list (limit 25)", listed[0]), ("count", counted[0])):
            print(f"\n--- {q!r}, admin, {label}\n{statement}\n{parameters}")
            print(plan(engine, statement, parameters, generic))


def plan(engine: Any, statement: str, parameters: Any, generic: bool) -> str:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        return "\n".join(f"  {row[-1]}" for row in rows) + f"\n  ({elapsed:.1f} ms)"
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            if generic:
                return generic_plan(cur, statement, parameters)
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            return "\n".join("  " + row[0] for row in cur.fetchall())
    finally:
        raw.close()


def generic_plan(cur: Any, statement: str, parameters: dict[str, Any]) -> str:
    """PREPARE the statement with $n placeholders, force the generic plan, EXPLAIN ANALYZE EXECUTE it."""
    from psycopg import sql as psycopg_sql

    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    prepared = re.sub(r"%\((\w+)\)s", placeholder, statement).replace("%%", "%")
    cur.execute("PREPARE bench_generic AS " + prepared)
    try:
        cur.execute("SET plan_cache_mode = force_generic_plan")
        arguments = psycopg_sql.SQL(", ").join(psycopg_sql.Literal(parameters[n]) for n in names)
        cur.execute(psycopg_sql.SQL("EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic({})").format(arguments))
        return "\n".join("  " + row[0] for row in cur.fetchall())
    finally:
        cur.execute("RESET plan_cache_mode")
        cur.execute("DEALLOCATE bench_generic")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("-q", "--query", action="append", help="a query (repeatable; default: catalog_queries.txt)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per query, the median is shown (default 5)")
    parser.add_argument("--plans", action="store_true", help="show the query plans (of --query, or of a few typical queries)")
    parser.add_argument("--generic", action="store_true", help="PostgreSQL: the generic plan of a prepared statement")
    args = parser.parse_args(argv)
    ensure_env(args.db, argv)

    from ketnoi.db import make_engine

    engine = make_engine(benchlib.target(args.db).url)
    capture = Capture(engine)
    if args.plans:
        explain(engine, capture, args.query or PLAN_QUERIES, args.generic)
    else:
        profile(engine, args.query or benchlib.load_queries(), args.repeat)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
