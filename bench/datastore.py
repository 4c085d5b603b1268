"""Datastore: ingestion of a large CSV and the data API, against the raw engines and the reference servers (`make bench-datastore`).

1. Data: `../shared/bench/gen_dataset.py --rows N` (Vietnamese research projects, 13 columns; 1,000,000
   rows = 295 MB by default), generated once and kept in bench/.data/datastore/.
2. Ingestion, on SQLite and on PostgreSQL: a fresh database, migrated, with the demo ministry
   (`ketnoi db upgrade`, `ketnoi demo load`), then `ketnoi ingest FILE --dataset ID` timed as a
   process (wall clock, peak RSS), against the engine's own bulk load of the same file in the same
   run: `sqlite3 .import` into a typed table, PostgreSQL `\\copy` (psql) into a typed table.
3. Data API (SQLite, the table loaded above): `ketnoi serve --workers 1`, an API token of the demo
   administrator, then wrk (-t2 -c32) on four queries (a row by key, a row by code, a filtered page
   of 100, a page of 100 deep in the table by keyset cursor), each request a path picked at random
   from a seeded list; then the same queries on Datasette 0.65.5 and on the bare ASGI reference
   server (../shared/bench/api/ref_server.py), both serving the same rows from a SQLite file built
   from the same CSV (the sqlite3 .import table, indexed on the filtered columns, ANALYZEd).
4. Report: ingestion rows/s and ratios, req/s, p50/p99 and ratios, PASS/FAIL against the issue's
   targets, and bench/results/datastore-<UTC timestamp>.json.

Exit status: 0 when every run ran cleanly, whether or not it met its target; 1 when a run failed
(a load, a server, a response that was not 2xx, wrk); 2 when wrk is not installed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import benchlib
import reference
from benchlib import RunError, Server, Target, checked_get, run_command

DATA = benchlib.DATA / "datastore"
PG_DATABASE = "ketnoi_bench_ds"
SHARED = Path("/work/shared/bench")  # gen_dataset.py, sql/, api/ref_server.py (--shared)
LUA_SCRIPT = benchlib.BENCH / "datastore.lua"
GEN_SEED = 20240601  # gen_dataset.py's default seed: the file of ../shared/bench/RESULTS.md
PATHS_SEED = 42  # as ../shared/bench/api/make_paths.py
RAW_TABLE = "de_tai"
PROVINCE = "Hà Nội"
ADMIN = "admin"  # the demo's administrator (`ketnoi demo load`): sees every dataset
MAX_UPLOAD_MB = 4096  # `ketnoi ingest` stores the file first: the default limit (200 MB) refuses the 295 MB file

TARGET_INGEST_RATIO = 0.5  # ketnoi rows/s ÷ the engine's own bulk load
TARGET_RSS_MB = 400.0
TARGET_VS_DATASETTE = 5.0  # ketnoi req/s ÷ Datasette's, each query
TARGET_VS_REFERENCE = 0.5  # ketnoi req/s ÷ the bare reference server's, by key and by code
TARGET_P99_MS = 100.0

QUERIES = ("key", "code", "filter", "deep page")
REFERENCE_TARGETS = ("key", "code")
KETNOI = "ketnoi"
DATASETTE = reference.NAME
DATASETTE_SHIPPED = f"{reference.NAME} (as shipped)"
BARE = "bare ASGI reference"


# -- records -------------------------------------------------------------------------------------------


@dataclass
class Load:
    """One bulk load of the CSV."""

    db: str
    tool: str
    rows: int = 0
    seconds: float | None = None
    rows_per_s: float | None = None
    peak_rss_mb: float | None = None
    status: str = "ok"  # ok | failed
    note: str = ""


@dataclass
class ApiRun:
    """One wrk run of one query on one server."""

    server: str
    query: str
    example: str
    connections: int
    status: str = "ok"  # ok | failed
    note: str = ""
    requests: int = 0
    rps: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu_ms: float | None = None
    loadavg_before: float = 0.0


@dataclass
class Check:
    """One target of the issue, measured."""

    name: str
    measured: str
    passed: bool | None  # None: not measured (a run failed or was skipped)


# -- helpers -------------------------------------------------------------------------------------------


def ds_target(name: str) -> Target:
    return benchlib.target(name, data=DATA, database=PG_DATABASE)


def ketnoi_cmd(*args: str) -> list[str]:
    return [str(benchlib.VENV_BIN / "ketnoi"), *args]


def ingest_env(t: Target) -> dict[str, str]:
    return benchlib.ketnoi_env(t) | {"KETNOI_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB), "COLUMNS": "200"}


def checked(cmd: list[str], what: str, *, env: dict[str, str] | None = None, timeout: float | None = 3600) -> str:
    """Run a setup command; its stdout, or a RunError with its output."""
    try:
        proc = run_command(cmd, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise RunError(f"{what}: no answer within {exc.timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise RunError(f"{what} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-1500:]}")
    return proc.stdout


def timed(cmd: list[str], *, env: dict[str, str] | None = None, log: Path) -> tuple[float, float, int]:
    """Run `cmd` as a child process: (wall seconds, peak RSS in MB of that process, exit status).
    Its output goes to `log`."""
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=benchlib.ROOT)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (ru_maxrss in KiB on Linux)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def sql(t: Target, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of one statement on the ketnoi database of `t` ('?' placeholders on both engines)."""
    if t.name == "sqlite":
        with sqlite3.connect(t.url.split("///", 1)[1]) as conn:
            return list(conn.execute(statement, params).fetchall())
    import psycopg

    with psycopg.connect(**benchlib.pg_connect_args(PG_DATABASE), autocommit=True) as conn:
        cursor = conn.execute(statement.replace("?", "%s"), params)  # our own statements
        return list(cursor.fetchall()) if cursor.description else []


def pg_admin(statement: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(**benchlib.pg_connect_args(database), autocommit=True) as conn:
        conn.execute(statement)  # our own statements


def fmt_int(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def fmt_cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


# -- the CSV -------------------------------------------------------------------------------------------


def dataset_csv(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The generated CSV (made once per --rows and seed) and gen_dataset.py's manifest."""
    DATA.mkdir(parents=True, exist_ok=True)
    name = f"de_tai_{args.rows}.csv" if args.seed == GEN_SEED else f"de_tai_{args.rows}_seed{args.seed}.csv"
    path = DATA / name
    manifest_path = Path(f"{path}.manifest.json")
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if path.exists() and (manifest.get("rows"), manifest.get("seed")) == (args.rows, args.seed):
            print(f"CSV: {path.relative_to(benchlib.ROOT)} ({path.stat().st_size / 1e6:,.1f} MB, {args.rows:,} rows, generated earlier)")
            return path, manifest
    except (OSError, ValueError):
        pass
    generator = args.shared / "gen_dataset.py"
    print(f"CSV: generating {args.rows:,} rows with {generator} ...", flush=True)
    manifest_path.unlink(missing_ok=True)  # written last by the generator: a complete file has one
    cmd = [sys.executable, str(generator), "--rows", str(args.rows), "--out", str(path), "--seed", str(args.seed)]
    checked(cmd, "gen_dataset.py")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    print(f"  {path.relative_to(benchlib.ROOT)}: {path.stat().st_size / 1e6:,.1f} MB")
    return path, manifest


def warm(csv: Path) -> None:
    """Read the file once, so every loader reads it from the page cache (CPU-bound, as in RESULTS.md)."""
    with csv.open("rb") as f:
        while f.read(1 << 24):
            pass


# -- ketnoi: database, ingestion -----------------------------------------------------------------------


def marker_of(t: Target) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((t.var_dir / "loaded.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def reusable(marker: dict[str, Any] | None, csv: Path) -> bool:
    return marker is not None and marker.get("csv") == csv.name and marker.get("rows") == marker.get("expected_rows")


def fresh_database(t: Target) -> Any:
    """Drop and recreate the database, migrate it, load the demo ministry; the id (as stored) of a dataset to ingest into."""
    shutil.rmtree(t.var_dir, ignore_errors=True)  # the SQLite database, the file store (the ingested copies), the logs
    if t.name == "postgres":
        pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{PG_DATABASE}"')
    t.var_dir.mkdir(parents=True, exist_ok=True)
    env = benchlib.ketnoi_env(t)
    checked(ketnoi_cmd("db", "upgrade"), "ketnoi db upgrade", env=env)
    checked(ketnoi_cmd("demo", "load"), "ketnoi demo load", env=env)
    rows = sql(t, "SELECT id FROM datasets ORDER BY name LIMIT 1")
    if not rows:
        raise RunError("the demo loaded no dataset")
    return rows[0][0]


def ingest_ketnoi(t: Target, csv: Path, expected_rows: int) -> Load:
    """`ketnoi ingest` into a fresh database, timed; writes the marker the API phase reads."""
    print(f"  {t.name}: fresh database, migrations, demo ministry ...", flush=True)
    dataset_id = fresh_database(t)
    before = {row[0] for row in sql(t, "SELECT id FROM datastore_versions")}
    if t.name == "postgres":
        pg_admin("CHECKPOINT", PG_DATABASE)  # as the raw load's schema script does: both start without dirty buffers
    dataset = str(uuid.UUID(str(dataset_id)))
    print(f"  {t.name}: ketnoi ingest {csv.name} --dataset {dataset} ...", flush=True)
    log = t.var_dir / "ingest.log"
    seconds, rss, status = timed(ketnoi_cmd("ingest", str(csv), "--dataset", dataset), env=ingest_env(t), log=log)
    load = Load(t.name, "ketnoi ingest", seconds=round(seconds, 2), peak_rss_mb=round(rss, 1))
    if status != 0:
        load.status, load.note = "failed", f"exit {status}: {log_tail(log, 5)}"
        return load
    new = [
        row
        for row in sql(t, "SELECT id, resource_id, table_name, row_count, bad_row_count FROM datastore_versions")
        if row[0] not in before
    ]
    if len(new) != 1:
        load.status, load.note = "failed", f"{len(new)} new datastore versions after the ingestion, expected 1"
        return load
    _, resource_id, table_name, row_count, bad_rows = new[0]
    load.rows = int(row_count or 0)
    load.rows_per_s = round(load.rows / seconds, 1)
    if load.rows != expected_rows or bad_rows:
        load.status, load.note = "failed", f"{load.rows:,} rows loaded ({bad_rows} bad), the CSV has {expected_rows:,}"
        return load
    marker = {
        "csv": csv.name,
        "rows": load.rows,
        "expected_rows": expected_rows,
        "dataset_id": dataset,
        "resource_id": str(uuid.UUID(str(resource_id))),
        "table_name": table_name,
        "ingest": asdict(load),
    }
    (t.var_dir / "loaded.json").write_text(json.dumps(marker, indent=2), encoding="utf-8")
    return load


# -- the engines' own bulk loads -----------------------------------------------------------------------


def raw_sqlite_file() -> Path:
    return DATA / "raw" / "sqlite3.db"


def raw_sqlite(csv: Path, args: argparse.Namespace, expected_rows: int) -> Load:
    """sqlite3 .import into the typed table of ../shared/bench/sql/sqlite_schema.sql (a fresh file)."""
    db = raw_sqlite_file()
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    schema = (args.shared / "sql" / "sqlite_schema.sql").read_text(encoding="utf-8")
    cli = shutil.which("sqlite3")
    if cli is None:  # the nearest without the shell: Python's sqlite3, executemany in one transaction
        return raw_sqlite_python(db, schema, csv, expected_rows)
    with sqlite3.connect(db) as conn:
        conn.executescript(schema)
    cmd = [cli, str(db), "-cmd", ".mode csv", f".import --skip 1 {csv} {RAW_TABLE}"]
    seconds, rss, status = timed(cmd, log=db.parent / "sqlite3_import.log")
    return finish_raw(
        Load("sqlite", "sqlite3 .import", seconds=round(seconds, 2), peak_rss_mb=round(rss, 1)), status, count_raw_sqlite(db), expected_rows
    )


def raw_sqlite_python(db: Path, schema: str, csv: Path, expected_rows: int) -> Load:
    import csv as csv_module

    started = time.perf_counter()
    with sqlite3.connect(db) as conn, csv.open(encoding="utf-8", newline="") as f:
        conn.executescript(schema)
        reader = csv_module.reader(f)
        header = next(reader)
        marks = ", ".join("?" for _ in header)
        conn.executemany(f"INSERT INTO {RAW_TABLE} VALUES ({marks})", reader)  # noqa: S608 - a constant table name
    seconds = time.perf_counter() - started
    load = Load("sqlite", "python sqlite3 executemany (no sqlite3 CLI)", seconds=round(seconds, 2))
    return finish_raw(load, 0, count_raw_sqlite(db), expected_rows)


def count_raw_sqlite(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count: int = conn.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()[0]  # noqa: S608
    return count


def raw_postgres(csv: Path, args: argparse.Namespace, expected_rows: int) -> Load:
    """psql \\copy into the typed table of ../shared/bench/sql/pg_schema.sql (recreated, then CHECKPOINT),
    in the bench database, beside ketnoi's tables."""
    schema = args.shared / "sql" / "pg_schema.sql"
    psql = shutil.which("psql")
    conn_args = benchlib.pg_connect_args(PG_DATABASE)
    if psql is None:
        return raw_postgres_psycopg(schema.read_text(encoding="utf-8"), csv, expected_rows)
    base = [
        psql,
        "-X",
        "-q",
        "-h",
        conn_args["host"],
        "-p",
        conn_args["port"],
        "-U",
        conn_args["user"],
        "-d",
        PG_DATABASE,
        "-v",
        "ON_ERROR_STOP=1",
    ]
    checked([*base, "-f", str(schema)], "the raw table (pg_schema.sql)")
    copy = f"\\copy {RAW_TABLE} FROM '{csv}' WITH (FORMAT csv, HEADER true)"
    seconds, rss, status = timed([*base, "-c", copy], log=DATA / "raw" / "psql_copy.log")
    load = Load("postgres", "psql \\copy (COPY)", seconds=round(seconds, 2), peak_rss_mb=round(rss, 1))
    count = sql(ds_target("postgres"), f"SELECT count(*) FROM {RAW_TABLE}")[0][0]  # noqa: S608
    return finish_raw(load, status, int(count), expected_rows)


def raw_postgres_psycopg(schema: str, csv: Path, expected_rows: int) -> Load:
    import psycopg

    with psycopg.connect(**benchlib.pg_connect_args(PG_DATABASE), autocommit=True) as conn:
        conn.execute(schema)  # the shared script
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY {RAW_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, csv.open("rb") as f:
            while block := f.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        count = conn.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchone()  # noqa: S608
    load = Load("postgres", "psycopg COPY (no psql)", seconds=round(seconds, 2))
    return finish_raw(load, 0, int(count[0]) if count else 0, expected_rows)


def finish_raw(load: Load, status: int, count: int, expected_rows: int) -> Load:
    load.rows = count
    if status != 0 or count != expected_rows:
        load.status, load.note = "failed", f"exit {status}, {count:,} rows of {expected_rows:,}"
    elif load.seconds:
        load.rows_per_s = round(count / load.seconds, 1)
    return load


def bench_ingestion(name: str, csv: Path, expected_rows: int, args: argparse.Namespace) -> list[Load]:
    t = ds_target(name)
    print(f"\n== ingestion, {name}: {t.url}", flush=True)
    if args.reuse and reusable(marker_of(t), csv):
        print(f"  reusing the table loaded earlier (--reuse): ingestion not measured on {name}")
        return []
    loads: list[Load] = []
    try:
        warm(csv)
        loads.append(ingest_ketnoi(t, csv, expected_rows))
        warm(csv)
        loads.append(raw_sqlite(csv, args, expected_rows) if name == "sqlite" else raw_postgres(csv, args, expected_rows))
    except RunError as exc:
        print(f"  FAILED: {exc}", flush=True)
        loads.append(Load(name, "(setup)", status="failed", note=str(exc).splitlines()[0]))
    for load in loads:
        if load.status == "ok":
            print(
                f"  {load.tool:<24} {load.rows:>10,} rows {load.seconds:>8.2f} s {fmt_int(load.rows_per_s):>10} rows/s"
                f"  peak RSS {fmt_int(load.peak_rss_mb)} MB"
            )
        else:
            print(f"  {load.tool:<24} FAILED: {load.note}")
    return loads


# -- data API ------------------------------------------------------------------------------------------


def ensure_api_data(csv: Path, expected_rows: int, args: argparse.Namespace) -> tuple[Target, dict[str, Any], Path]:
    """The SQLite ketnoi table (loaded now unless it is there) and the references' SQLite file built
    from the sqlite3 .import table: a copy, indexed on tinh_thanh and ma_de_tai, ANALYZEd (as
    ../shared/bench/run_api_all.sh indexes its serving file)."""
    t = ds_target("sqlite")
    marker = marker_of(t)
    if not reusable(marker, csv):
        print("  the SQLite table is not loaded: loading it (not measured) ...", flush=True)
        load = ingest_ketnoi(t, csv, expected_rows)
        if load.status != "ok":
            raise RunError(f"ketnoi ingest on SQLite: {load.note}")
        marker = marker_of(t)
    assert marker is not None
    serving = DATA / "api" / "benchdb.db"
    serving.parent.mkdir(parents=True, exist_ok=True)
    raw = raw_sqlite_file()
    if not raw.exists() or count_raw_sqlite(raw) != expected_rows:
        print("  the sqlite3 .import table is missing: loading it (not measured) ...", flush=True)
        if raw_sqlite(csv, args, expected_rows).status != "ok":
            raise RunError("sqlite3 .import of the CSV failed")
    built = serving.with_suffix(".json")
    wanted = {"csv": csv.name, "rows": expected_rows, "raw_mtime": raw.stat().st_mtime}
    try:
        fresh = json.loads(built.read_text(encoding="utf-8")) == wanted and serving.exists()
    except (OSError, ValueError):
        fresh = False
    if not fresh:
        print("  building the references' SQLite file (copy of the sqlite3 .import table, 2 indexes, ANALYZE) ...", flush=True)
        tmp = serving.with_suffix(".tmp")
        shutil.copyfile(raw, tmp)
        with sqlite3.connect(tmp) as conn:
            conn.execute(f"CREATE INDEX idx_{RAW_TABLE}_tinh_thanh ON {RAW_TABLE} (tinh_thanh)")
            conn.execute(f"CREATE INDEX idx_{RAW_TABLE}_ma_de_tai ON {RAW_TABLE} (ma_de_tai)")
            conn.execute("ANALYZE")
        tmp.replace(serving)
        built.write_text(json.dumps(wanted), encoding="utf-8")
    return t, marker, serving


def cursor_after(row_id: int) -> str:
    """The rows API's keyset cursor after row `row_id` with no sort (datastore.query._encode(None, id))."""
    raw = json.dumps([True, None, row_id], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Picks:
    """The random rows every server is asked for (seeded, as make_paths.py picks them)."""

    keys: list[int]
    codes: list[str]
    pages: list[int]


def pick(serving: Path) -> Picks:
    with sqlite3.connect(f"file:{serving}?mode=ro", uri=True) as conn:
        n: int = conn.execute(f"SELECT max(rowid) FROM {RAW_TABLE}").fetchone()[0]  # noqa: S608
        return pick_rows(n, lambda i: str(conn.execute(f"SELECT ma_de_tai FROM {RAW_TABLE} WHERE rowid = ?", (i,)).fetchone()[0]))  # noqa: S608


def pick_rows(n: int, code_of: Callable[[int], str]) -> Picks:
    """Keys, codes and deep pages among rows 1…n; `code_of(k)` is the ma_de_tai of row k (wherever the rows are)."""
    rng = random.Random(PATHS_SEED)  # noqa: S311 - a reproducible choice, not a secret
    keys = [rng.randint(1, n) for _ in range(5000)]
    code_rows = [rng.randint(1, n) for _ in range(2000)]
    codes = [code_of(i) for i in code_rows]
    mid = n // 2
    pages = [max(1, min(n - 101, rng.randint(mid - 5000, mid + 5000))) for _ in range(2000)]
    return Picks(keys, codes, pages)


def ketnoi_paths(resource_id: str, picks: Picks) -> dict[str, list[str]]:
    base = f"/api/v1/resources/{resource_id}/rows?"
    return {
        "key": [f"{base}_id={k}" for k in picks.keys],
        "code": [base + urlencode({"ma_de_tai": c}, quote_via=quote) for c in picks.codes],
        "filter": [f"{base}tinh_thanh={quote(PROVINCE)}&limit=100"],
        "deep page": [f"{base}limit=100&cursor={cursor_after(k)}" for k in picks.pages],
    }


def table_paths(picks: Picks, extra: str) -> dict[str, list[str]]:
    """Datasette's URLs (the bare reference server answers the same): `extra` switches off work ketnoi does not do."""
    table = f"/benchdb/{RAW_TABLE}"
    return {
        "key": [f"{table}/{k}.json" for k in picks.keys],
        "code": [f"{table}.json?" + urlencode({"ma_de_tai": c}, quote_via=quote) + extra for c in picks.codes],
        "filter": [f"{table}.json?tinh_thanh={quote(PROVINCE)}&_size=100{extra}"],
        "deep page": [f"{table}.json?_size=100&_next={k}{extra}" for k in picks.pages],
    }


EXPECTED_ROWS = {"key": 1, "code": 1, "filter": 100, "deep page": 100}


def check_answer(port: int, query: str, path: str, header: str) -> None:
    """The first path of a query answers 200 with the rows it asks for, else the run would measure an error page."""
    status, body = checked_get(port, path, header)
    if status != 200:
        raise RunError(f"GET {path}: HTTP {status}: {body[:300]!r}")
    data = json.loads(body)
    rows = data.get("items", data.get("rows"))
    want = EXPECTED_ROWS[query]
    if not isinstance(rows, list) or (len(rows) < want if query == "code" else len(rows) != want):
        raise RunError(f"GET {path}: {len(rows) if isinstance(rows, list) else 'no'} rows, expected {want}")


def same_rows(port: int, header: str, resource_id: str, serving: Path, picks: Picks) -> None:
    """ketnoi's row _id=K is the references' rowid K (both number the file's rows from 1)."""
    with sqlite3.connect(f"file:{serving}?mode=ro", uri=True) as conn:
        for k in picks.keys[:5]:
            theirs = conn.execute(f"SELECT ma_de_tai, tinh_thanh FROM {RAW_TABLE} WHERE rowid = ?", (k,)).fetchone()  # noqa: S608
            status, body = checked_get(port, f"/api/v1/resources/{resource_id}/rows?_id={k}", header)
            items = json.loads(body).get("items") if status == 200 else None
            ours = (items[0].get("ma_de_tai"), items[0].get("tinh_thanh")) if items else None
            if ours != tuple(theirs):
                raise RunError(f"row {k}: ketnoi has {ours}, the references' file {tuple(theirs)}: not the same rows")


def write_paths(directory: Path, server: str, paths: dict[str, list[str]]) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for query, lines in paths.items():
        path = directory / f"{server.split()[0]}_{query.replace(' ', '_')}.txt"
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        files[query] = path
    return files


def wrk_load(
    wrk: str,
    port: int,
    paths: Path,
    header: str,
    seconds: float,
    args: argparse.Namespace,
    *,
    script: Path = LUA_SCRIPT,
    script_args: Sequence[str] = (),
) -> dict[str, Any]:
    """One wrk run of `script` (datastore.lua, or one built on it that prints the same line) over `paths`."""
    cmd = [wrk, "-t", str(min(args.threads, args.connections)), "-c", str(args.connections), "-d", f"{seconds:g}s", "--latency"]
    cmd += ["--timeout", f"{args.timeout:g}s", "-s", str(script), f"http://127.0.0.1:{port}", "--", str(paths), header, *script_args]
    try:
        proc = run_command(cmd, timeout=seconds + args.timeout + 30)
    except subprocess.TimeoutExpired as exc:
        raise RunError(f"wrk did not finish within {exc.timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise RunError(f"wrk exited with status {proc.returncode}: {(proc.stderr.strip() or proc.stdout.strip())[-1000:]}")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("DATASTORE_BENCH ")), None)
    if line is None:
        raise RunError("wrk printed no DATASTORE_BENCH line:\n" + proc.stdout[-2000:])
    result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
    result["table_ms"] = benchlib.latency_table(proc.stdout)
    return result


def measure(wrk: str, server: Server, run: ApiRun, paths: Path, header: str, args: argparse.Namespace) -> ApiRun:
    if args.warmup > 0:
        wrk_load(wrk, server.port, paths, header, args.warmup, args)
    run.loadavg_before = round(os.getloadavg()[0], 2)
    cpu_before = server.cpu_seconds()
    result = wrk_load(wrk, server.port, paths, header, args.duration, args)
    run.server_cpu_ms, _ = benchlib.cpu_per_request(cpu_before, server.cpu_seconds(), result["requests"])
    table = result["table_ms"]
    run.requests, run.rps = result["requests"], round(result["rps"], 1)
    run.p50_ms, run.p90_ms, run.p99_ms = table.get(50), table.get(90), table.get(99)
    run.max_ms, run.mean_ms = round(result["max_us"] / 1000, 2), round(result["mean_us"] / 1000, 2)
    run.errors = {k: v for k, v in result["errors"].items() if v}
    problems = []
    if not run.requests:
        problems.append(f"no request completed within {args.duration:g} s")
    if run.errors:
        problems.append(f"errors {run.errors} (status: HTTP >= 400)")
    if not server.alive():
        problems.append("the server died")
    if problems:
        run.status, run.note = "failed", "; ".join(problems)
    return run


def one_run(do: Callable[[], ApiRun], failed: ApiRun) -> ApiRun:
    print(f"  {failed.server:<30} {failed.query:<10} ", end="", flush=True)
    try:
        run = do()
    except RunError as exc:
        run = failed
        run.status, run.note = "failed", str(exc).splitlines()[0]
    if run.status == "ok":
        print(
            f"{run.rps:9.1f} req/s  p50 {fmt_ms(run.p50_ms)} ms  p99 {fmt_ms(run.p99_ms)} ms  cpu {fmt_cpu(run.server_cpu_ms)} ms/req"
            f"  (load {run.loadavg_before})",
            flush=True,
        )
    else:
        print(f"{run.status}: {run.note}", flush=True)
    return run


def serve_and_load(
    wrk: str,
    server: Server,
    label: str,
    files: dict[str, Path],
    header: str | Callable[[], str],
    args: argparse.Namespace,
    before: Callable[[], None] | None = None,
) -> list[ApiRun]:
    """Start `server`, load it with each query's paths, stop it. `header` may be asked of the running
    server (a callable, called once it is ready: e.g. an access token it signs)."""
    runs: list[ApiRun] = []
    try:
        server.start()
    except RunError as exc:
        print(f"  {label}: FAILED to start: {exc}", flush=True)
        return [ApiRun(label, "(server)", "-", args.connections, status="failed", note=str(exc).splitlines()[0])]
    try:
        print(f"  {label} ready on port {server.port}", flush=True)
        if before is not None:
            before()
        sent = header() if callable(header) else header
        for query, paths in files.items():
            example = paths.read_text(encoding="utf-8").split("\n", 1)[0]
            run = ApiRun(label, query, example, args.connections)

            def do(run: ApiRun = run, query: str = query, paths: Path = paths) -> ApiRun:
                check_answer(server.port, query, run.example, sent)
                return measure(wrk, server, run, paths, sent, args)

            runs.append(one_run(do, run))
    except RunError as exc:
        print(f"  {label}: FAILED: {exc}", flush=True)
        runs.append(ApiRun(label, "(checks)", "-", args.connections, status="failed", note=str(exc).splitlines()[0]))
    finally:
        server.stop()
    return runs


def bench_api(wrk: str, csv: Path, expected_rows: int, args: argparse.Namespace, report: dict[str, Any]) -> list[ApiRun]:
    print(f"\n== data API, SQLite: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s (warm-up {args.warmup:g} s)", flush=True)
    try:
        t, marker, serving = ensure_api_data(csv, expected_rows, args)
        picks = pick(serving)
        token = checked(
            ketnoi_cmd("token", "create", ADMIN, "--name", "bench-datastore"), "ketnoi token create", env=benchlib.ketnoi_env(t)
        )
        header = f"Authorization: Bearer {token.strip().splitlines()[-1]}"
    except RunError as exc:
        print(f"  FAILED: {exc}", flush=True)
        return [ApiRun(KETNOI, "(setup)", "-", args.connections, status="failed", note=str(exc).splitlines()[0])]
    resource_id = marker["resource_id"]
    report["api_data"] = {
        "resource_id": resource_id,
        "table": marker["table_name"],
        "reference_file": str(serving.relative_to(benchlib.ROOT)),
    }
    directory = DATA / "api" / "paths"
    runs: list[ApiRun] = []
    ketnoi = Server(t, 1)
    files = write_paths(directory, KETNOI, ketnoi_paths(resource_id, picks))
    runs += serve_and_load(
        wrk, ketnoi, KETNOI, files, header, args, before=lambda: same_rows(ketnoi.port, header, resource_id, serving, picks)
    )
    if not args.reference:
        return runs
    exe, why = reference.datasette_bin()
    if exe is None:
        print(f"  {DATASETTE}: not measured: {why}")
        runs.append(ApiRun(DATASETTE, "(server)", "-", args.connections, status="failed", note=why))
    else:
        command = [str(exe), "serve", "-i", str(serving), "--host", "127.0.0.1"]
        same_work = write_paths(directory, "datasette", table_paths(picks, "&_nocount=1&_nosuggest=1"))
        server = Server(t, command=command, ready_path="/-/versions.json", log_name="datasette.log")
        runs += serve_and_load(wrk, server, DATASETTE, same_work, "", args)
        if args.datasette_as_shipped:
            shipped = write_paths(directory, "datasette-shipped", table_paths(picks, ""))
            server = Server(t, command=command, ready_path="/-/versions.json", log_name="datasette_shipped.log")
            runs += serve_and_load(wrk, server, DATASETTE_SHIPPED, shipped, "", args)
    ref_server = args.shared / "api" / "ref_server.py"
    command = [str(benchlib.VENV_BIN / "uvicorn"), "ref_server:app", "--app-dir", str(ref_server.parent), "--host", "127.0.0.1"]
    command += ["--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    bare = write_paths(directory, "bare", table_paths(picks, "&_nocount=1"))
    server = Server(t, command=command, ready_path="/-/health", log_name="ref_server.log", extra_env={"REF_DB": str(serving)})
    runs += serve_and_load(wrk, server, BARE, bare, "", args)
    return runs


# -- targets and report --------------------------------------------------------------------------------


def ingestion_checks(loads: list[Load]) -> list[Check]:
    checks = []
    for db in ("sqlite", "postgres"):
        ours = next((ld for ld in loads if ld.db == db and ld.tool == "ketnoi ingest"), None)
        raw = next((ld for ld in loads if ld.db == db and ld.tool not in ("ketnoi ingest", "(setup)")), None)
        if ours is None and raw is None and not any(ld.db == db for ld in loads):
            continue
        name = f"ingest {db}: ketnoi ≥ {TARGET_INGEST_RATIO:.0%} of {raw.tool if raw else 'the raw load'} rows/s"
        if ours and raw and ours.status == raw.status == "ok" and ours.rows_per_s and raw.rows_per_s:
            ratio = ours.rows_per_s / raw.rows_per_s
            checks.append(Check(name, f"{ratio:.1%} ({ours.rows_per_s:,.0f} vs {raw.rows_per_s:,.0f})", ratio >= TARGET_INGEST_RATIO))
        else:
            checks.append(Check(name, "not measured", None))
        name = f"ingest {db}: ketnoi peak RSS < {TARGET_RSS_MB:.0f} MB"
        if ours and ours.status == "ok" and ours.peak_rss_mb is not None:
            checks.append(Check(name, f"{ours.peak_rss_mb:,.0f} MB", ours.peak_rss_mb < TARGET_RSS_MB))
        else:
            checks.append(Check(name, "not measured", None))
    return checks


def api_checks(runs: list[ApiRun]) -> list[Check]:
    def ok(server: str, query: str) -> ApiRun | None:
        return next((r for r in runs if r.server == server and r.query == query and r.status == "ok" and r.rps > 0), None)

    checks = []
    for query in QUERIES:
        ours = ok(KETNOI, query)
        comparisons = [(DATASETTE, TARGET_VS_DATASETTE, f"≥ {TARGET_VS_DATASETTE:g}× {DATASETTE} req/s")]
        if query in REFERENCE_TARGETS:
            comparisons.append((BARE, TARGET_VS_REFERENCE, f"≥ {TARGET_VS_REFERENCE:.0%} of the {BARE} req/s"))
        for server, target, words in comparisons:
            theirs = ok(server, query)
            name = f"api {query}: ketnoi {words}"
            if ours and theirs:
                ratio = ours.rps / theirs.rps
                measured = f"{ratio:.2f}× ({ours.rps:,.0f} vs {theirs.rps:,.0f})"
                checks.append(Check(name, measured, ratio >= target))
            else:
                checks.append(Check(name, "not measured", None))
        name = f"api {query}: ketnoi p99 < {TARGET_P99_MS:g} ms"
        if ours and ours.p99_ms is not None:
            checks.append(Check(name, f"{ours.p99_ms:.1f} ms", ours.p99_ms < TARGET_P99_MS))
        else:
            checks.append(Check(name, "not measured", None))
    return checks


def verdict(check: Check) -> str:
    return "NOT MEASURED" if check.passed is None else ("PASS" if check.passed else "FAIL")


def print_report(loads: list[Load], runs: list[ApiRun], checks: list[Check]) -> None:
    if loads:
        header = f"{'database':<9} {'loader':<26} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'ratio':>7} {'peak RSS MB':>12}"
        print("\nINGESTION (the same CSV, page cache warm; process wall time, start-up included)\n" + header + "\n" + "-" * len(header))
        for load in loads:
            raw = next((ld for ld in loads if ld.db == load.db and ld.tool not in ("ketnoi ingest", "(setup)") and ld.rows_per_s), None)
            ratio = f"{load.rows_per_s / raw.rows_per_s:.1%}" if raw and raw.rows_per_s and load.rows_per_s else "-"
            seconds = f"{load.seconds:.2f}" if load.seconds is not None and load.status == "ok" else "-"
            rss = fmt_int(load.peak_rss_mb) if load.status == "ok" else "-"
            print(
                f"{load.db:<9} {load.tool:<26} {load.rows:>10,} {seconds:>8} {fmt_int(load.rows_per_s):>10} {ratio:>7} {rss:>12}"
                + ("" if load.status == "ok" else f"  FAILED: {load.note}")
            )
        print("ratio: rows/s ÷ the engine's own bulk load of the same file in this run")
    if runs:
        titles = f"{'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'cpu ms/req':>11} {'× ketnoi':>9}"
        header = f"{'query':<10} {'server':<30} {titles}"
        print("\nDATA API (SQLite, one server process, wrk closed loop)\n" + header + "\n" + "-" * len(header))
        for query in (*QUERIES, "(setup)", "(server)", "(checks)"):
            ours = next((r for r in runs if r.server == KETNOI and r.query == query and r.status == "ok"), None)
            for r in (r for r in runs if r.query == query):
                factor = f"{ours.rps / r.rps:.2f}" if ours and r.status == "ok" and r.rps else "-"
                rps = f"{r.rps:,.1f}" if r.status == "ok" else "-"
                print(
                    f"{r.query:<10} {r.server:<30} {rps:>9} {fmt_ms(r.p50_ms):>8} {fmt_ms(r.p90_ms):>8} {fmt_ms(r.p99_ms):>8}"
                    f" {fmt_ms(r.max_ms):>8} {fmt_cpu(r.server_cpu_ms):>11} {factor:>9}"
                    + ("" if r.status == "ok" else f"  FAILED: {r.note}")
                )
        print("× ketnoi: ketnoi's req/s ÷ this server's; cpu: CPU time of the server's process per request (SQLite's work included)")
    if checks:
        width = max(len(c.name) for c in checks)
        print(f"\nTARGETS\n{'target':<{width}}  {'measured':<28} verdict\n" + "-" * (width + 45))
        for c in checks:
            print(f"{c.name:<{width}}  {c.measured:<28} {verdict(c)}")


def write_report(report: dict[str, Any], loads: list[Load], runs: list[ApiRun], checks: list[Check]) -> Path:
    benchlib.RESULTS.mkdir(parents=True, exist_ok=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["ingestion"] = [asdict(ld) for ld in loads]
    report["api"] = [asdict(r) for r in runs]
    report["targets"] = [asdict(c) | {"verdict": verdict(c)} for c in checks]
    path = benchlib.RESULTS / f"datastore-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def tool_versions(args: argparse.Namespace) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, cmd in (("sqlite3 CLI", ["sqlite3", "--version"]), ("psql", ["psql", "--version"])):
        exe = shutil.which(cmd[0])
        out[name] = run_command([exe, *cmd[1:]]).stdout.strip()[:60] if exe else None
    try:
        out["postgresql server"] = str(sql(ds_target("postgres"), "SHOW server_version")[0][0]) if args.db != "sqlite" else None
    except Exception:  # a version is informative only
        out["postgresql server"] = None
    return out


# -- main ----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows of the generated CSV (default 1000000 = 295 MB; 200000 for a quicker run)"
    )
    parser.add_argument(
        "--db", choices=["sqlite", "postgres", "both"], default="both", help="databases of the ingestion (the data API runs on SQLite)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per wrk run, whole (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each run, whole; 0: none (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's request timeout in seconds (default 10)")
    parser.add_argument("--seed", type=int, default=GEN_SEED, help=f"gen_dataset.py's seed (default {GEN_SEED})")
    parser.add_argument("--skip-ingest", action="store_true", help="no ingestion measurement (the API's table is loaded if missing)")
    parser.add_argument("--skip-api", action="store_true", help="no data API measurement")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the tables loaded by an earlier run of the same CSV (their ingestion is not measured again)",
    )
    parser.add_argument(
        "--no-reference", dest="reference", action="store_false", help="data API: ketnoi only, no Datasette nor bare reference server"
    )
    parser.add_argument(
        "--datasette-as-shipped",
        action="store_true",
        help="also load Datasette without _nocount/_nosuggest (its defaults: counts and facet suggestions; slow)",
    )
    parser.add_argument("--shared", type=Path, default=SHARED, help=f"the reference material (default {SHARED})")
    args = parser.parse_args(argv)
    if args.rows < 1000:
        parser.error("--rows must be at least 1000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = benchlib.find_wrk()
    if wrk is None and not args.skip_api:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "targets_definition": {
            "ingest_ratio_min": TARGET_INGEST_RATIO,
            "ingest_peak_rss_mb_max": TARGET_RSS_MB,
            "api_vs_datasette_min": TARGET_VS_DATASETTE,
            "api_vs_bare_reference_min": TARGET_VS_REFERENCE,
            "api_p99_ms_max": TARGET_P99_MS,
        },
        "machine": benchlib.machine_info(),
        "versions": (benchlib.versions(wrk) if wrk else {}) | tool_versions(args),
    }
    m, v = report["machine"], report["versions"]
    print(f"machine: {m['nproc']} CPU ({m['cpu_model']}), {m['memory']}, {m['os']}, load average {m['loadavg']}")
    print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    if m["loadavg"][0] > 0.5 * m["nproc"]:
        print(f"warning: the machine is busy (load average {m['loadavg'][0]} on {m['nproc']} CPUs): figures will be off")
    loads: list[Load] = []
    runs: list[ApiRun] = []
    try:
        csv, manifest = dataset_csv(args)
    except (RunError, OSError, ValueError) as exc:
        print(f"FAILED to make the CSV: {exc}")
        return 1
    expected_rows = int(manifest["rows"])
    report["csv"] = {"file": str(csv.relative_to(benchlib.ROOT)), "bytes": csv.stat().st_size, "rows": expected_rows, "manifest": manifest}
    if not args.skip_ingest:
        for name in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            loads += bench_ingestion(name, csv, expected_rows, args)
    if not args.skip_api:
        assert wrk is not None
        runs = bench_api(wrk, csv, expected_rows, args, report)
    checks = ingestion_checks(loads) + (api_checks(runs) if runs else [])
    print_report(loads, runs, checks)
    path = write_report(report, loads, runs, checks)
    failed = [ld for ld in loads if ld.status != "ok"] + [r for r in runs if r.status != "ok"]
    missed = [c for c in checks if c.passed is False]
    print(
        f"\n{len(loads)} loads, {len(runs)} API runs: {len(failed)} failed; {len(missed)} of {len(checks)} targets missed; "
        f"results in {path.relative_to(benchlib.ROOT)}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
