"""Connectors: a 1,000,000-row PostgreSQL source table synced into the datastore (`make bench-sync`).

1. Source: the CSV of bench-datastore (../shared/bench/gen_dataset.py, 1,000,000 rows, generated once),
   loaded with COPY into the PostgreSQL database `ketnoi_bench_source`, standing for a unit's own
   system: table `de_tai` with an identity key `id`, the file's 13 columns typed, and `cap_nhat_luc`
   (a timestamp with an index: the column an incremental source reads from).
2. For each target database of ketnoi (SQLite, PostgreSQL): a fresh database (migrated, demo ministry),
   then, each as a process timed from the outside (wall clock, peak RSS):
   a. the reference: `ketnoi ingest CSV` of the same 1,000,000 rows as a file (the datastore's own
      file ingestion, measured in the same run);
   b. full sync: a database source on the table (incremental, cursor `cap_nhat_luc`, key `id`; its
      first run reads everything), `ketnoi source sync ID`; target: ≤ 1.5 × (a);
   c. incremental sync: 10,000 rows of the source changed (`UPDATE … SET trang_thai = …,
      cap_nhat_luc = now()`, other rows each run), `ketnoi source sync ID`; target: < 10 s;
      --runs times, the median reported. As in production, a `ketnoi worker` runs beside the
      syncs and does the jobs they queue (the superseded version's table rebuilt after an
      incremental merge, statistics, the quality run); each round starts once the queue is empty,
      and the rebuild jobs' own durations are reported apart (they are off the sync's path).
   Every run is checked: the new version's row count, the run's added/updated counts, a changed
   row's value read back from the datastore table.
3. Report: a table of the timings and ratios, PASS/FAIL against the issue's targets, and
   bench/results/sync-<UTC timestamp>.json.

Exit status: 0 when every run ran and was checked, whether or not it met its target; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib
import psycopg
import workerlib
from benchlib import RunError, Target

import datastore

SOURCE_DB = "ketnoi_bench_source"
TARGET_PG_DB = "ketnoi_bench_sync"
DATA = benchlib.DATA / "sync"
TARGET_FULL_RATIO = 1.5
TARGET_INCREMENTAL_S = 10.0
NEW_STATUS = "Đã nghiệm thu (đồng bộ)"

_SOURCE_TABLE = """
CREATE TABLE de_tai (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ma_de_tai TEXT, ten_de_tai TEXT, chu_nhiem TEXT, to_chuc_chu_tri TEXT, linh_vuc TEXT, tinh_thanh TEXT,
    nam_bat_dau INTEGER, nam_ket_thuc INTEGER, kinh_phi_trieu_dong NUMERIC(14, 2), trang_thai TEXT, email TEXT,
    so_dien_thoai TEXT, ngay_cap_nhat DATE,
    cap_nhat_luc TIMESTAMP NOT NULL DEFAULT clock_timestamp()  -- set by the unit's application on each change
)"""
_COLUMNS = (
    "ma_de_tai, ten_de_tai, chu_nhiem, to_chuc_chu_tri, linh_vuc, tinh_thanh, nam_bat_dau, nam_ket_thuc, "
    "kinh_phi_trieu_dong, trang_thai, email, so_dien_thoai, ngay_cap_nhat"
)


@dataclass
class Timing:
    target: str
    step: str  # "ingest (file)", "full sync", "incremental sync"
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    rows: int = 0
    added: int = 0
    updated: int = 0
    status: str = "ok"
    note: str = ""
    runs: list[float] = field(default_factory=list)


def pg(database: str) -> psycopg.Connection[Any]:
    return psycopg.connect(**benchlib.pg_connect_args(database), autocommit=True)


def source_ready(rows: int) -> bool:
    try:
        with pg(SOURCE_DB) as connection:
            return connection.execute("SELECT count(*) FROM de_tai").fetchone() == (rows,)
    except psycopg.Error:
        return False


def build_source(csv: Path, rows: int, reuse: bool) -> None:
    """The unit's table, from the CSV (once; --reuse keeps it when it has the rows)."""
    if reuse and source_ready(rows):
        print(f"source: {SOURCE_DB}.de_tai kept ({rows:,} rows)")
        return
    print(f"source: {SOURCE_DB}.de_tai from {csv.name} ...", flush=True)
    datastore.pg_admin(f'DROP DATABASE IF EXISTS "{SOURCE_DB}" WITH (FORCE)')
    datastore.pg_admin(f'CREATE DATABASE "{SOURCE_DB}"')
    with pg(SOURCE_DB) as connection:
        connection.execute(_SOURCE_TABLE)
        statement = f"COPY de_tai ({_COLUMNS}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        with connection.cursor() as cursor, cursor.copy(statement) as copy, csv.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        connection.execute("CREATE INDEX de_tai_cap_nhat_luc ON de_tai (cap_nhat_luc)")
        connection.execute("VACUUM ANALYZE de_tai")


def create_source(t: Target, dataset_id: str) -> str:
    """A database source on the table, made through the service as an administrator would; its id."""
    script = f"""
import uuid
from ketnoi.connectors import service
from ketnoi.connectors.schemas import SourceIn
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
data = SourceIn.model_validate({{
    "name": "Hệ thống quản lý đề tài (benchmark)", "kind": "database", "dataset_id": "{dataset_id}",
    "config": {{"url": "{benchlib.PG_SERVER}/{SOURCE_DB}", "object": "table", "table": "de_tai"}},
    "mode": "incremental", "cursor_column": "cap_nhat_luc", "key_columns": ["id"], "keep_versions": 2,
    "enabled": False,  # run here by `ketnoi source sync`, not by the worker's schedule
}})
with unit_of_work() as session:
    print(service.create_source(session, actor=system_actor(), data=data).id)
"""
    return datastore.checked([sys.executable, "-c", script], "create the source", env=env_of(t)).strip().splitlines()[-1]


def env_of(t: Target) -> dict[str, str]:
    return datastore.ingest_env(t) | {"KETNOI_SOURCE_NETWORKS": "127.0.0.0/8,::1/128"}


def stored_id(t: Target, value: str) -> str:
    """A UUID as the database keeps it (SQLite: 32 hex digits)."""
    return value.replace("-", "") if t.name == "sqlite" else value


def last_run(t: Target, source_id: str) -> tuple[Any, ...]:
    found = datastore.sql(
        t,
        "SELECT status, rows_read, rows_added, rows_updated, row_count, version, error FROM sync_runs WHERE source_id = ? "
        "ORDER BY started_at DESC LIMIT 1",
        (stored_id(t, source_id),),
    )
    if not found:
        raise RunError("no sync run recorded")
    return found[0]


def sync(t: Target, source_id: str, step: str, log_name: str) -> Timing:
    log = t.var_dir / log_name
    seconds, rss, status = datastore.timed(datastore.ketnoi_cmd("source", "sync", source_id), env=env_of(t), log=log)
    timing = Timing(t.name, step, seconds=round(seconds, 2), peak_rss_mb=round(rss, 1))
    run_status, _read, added, updated, row_count, _version, error = last_run(t, source_id)
    timing.rows, timing.added, timing.updated = int(row_count or 0), int(added or 0), int(updated or 0)
    if status != 0 or run_status != "done":
        timing.status, timing.note = "failed", f"exit {status}, run {run_status}: {error or datastore.log_tail(log, 5)}"
    return timing


def rebuild_seconds(t: Target) -> list[float]:
    """How long each rebuild of a superseded version took in the worker (job start to end)."""
    found = datastore.sql(
        t, "SELECT started_at, finished_at FROM jobs WHERE kind = 'datastore.rebuild_history' AND status = 'succeeded' ORDER BY started_at"
    )
    return [round((_moment(end) - _moment(start)).total_seconds(), 2) for start, end in found]


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def change_rows(changed: int, round_: int, total: int) -> None:
    """`changed` rows of the source edited now, other ones each round (every step-th row from an offset)."""
    step = max(1, total // changed)
    with pg(SOURCE_DB) as connection:
        connection.execute(
            "UPDATE de_tai SET trang_thai = %s, cap_nhat_luc = now() WHERE id %% %s = %s AND id <= %s",
            (f"{NEW_STATUS} {round_}", step, round_ % step, step * changed),
        )


def check_changed(t: Target, source_id: str, round_: int) -> None:
    """A changed row read back from the served table: the sync brought its new value."""
    served = (
        "SELECT v.table_name FROM datastore_versions v JOIN data_sources s ON s.resource_id = v.resource_id "
        "WHERE s.id = ? AND v.status = 'active'"
    )
    table = datastore.sql(t, served, (stored_id(t, source_id),))[0][0]
    qualified = f'"{table}"' if t.name == "sqlite" else f'datastore."{table}"'
    found = datastore.sql(t, f"SELECT count(*) FROM {qualified} WHERE trang_thai = ?", (f"{NEW_STATUS} {round_}",))  # noqa: S608 - our table
    if not found or not found[0][0]:
        raise RunError(f"round {round_}: the changed rows are not in the served table")


def bench_target(name: str, csv: Path, rows: int, args: argparse.Namespace) -> list[Timing]:
    t = benchlib.target(name, data=DATA, database=TARGET_PG_DB)
    datastore.PG_DATABASE = TARGET_PG_DB  # fresh_database drops and creates this one
    print(f"{name}: fresh database, migrations, demo ministry, then the file ingestion (reference) ...", flush=True)
    load = datastore.ingest_ketnoi(t, csv, rows)
    reference = Timing(name, "ingest (file)", seconds=load.seconds or 0.0, peak_rss_mb=load.peak_rss_mb or 0.0, rows=load.rows or 0)
    reference.status, reference.note = load.status, load.note
    dataset_id = json.loads((t.var_dir / "loaded.json").read_text(encoding="utf-8"))["dataset_id"]
    source_id = create_source(t, dataset_id)
    print(f"{name}: full sync of {rows:,} rows ...", flush=True)
    full = sync(t, source_id, "full sync", "sync-full.log")
    if full.status == "ok" and full.rows != rows:
        full.status, full.note = "failed", f"{full.rows:,} rows served, the source has {rows:,}"
    timings = [reference, full]
    incremental = Timing(name, "incremental sync")
    worker = workerlib.start(env_of(t), t.var_dir / "worker.log")
    try:
        _incremental_rounds(t, source_id, rows, args, incremental)
    finally:
        workerlib.stop(worker)
    incremental.seconds = round(statistics.median(incremental.runs), 2) if incremental.runs else 0.0
    rebuilds = rebuild_seconds(t)
    rebuilt = Timing(name, "rebuild of the superseded version (worker job)", seconds=max(rebuilds, default=0.0), runs=rebuilds)
    return [*timings, incremental, rebuilt]


def _incremental_rounds(t: Target, source_id: str, rows: int, args: argparse.Namespace, incremental: Timing) -> None:
    for round_ in range(1, args.runs + 1):
        workerlib.wait_for_jobs(t)
        change_rows(args.changed, round_, rows)
        print(f"{t.name}: incremental sync {round_}/{args.runs} ({args.changed:,} rows changed) ...", flush=True)
        one = sync(t, source_id, "incremental sync", f"sync-incremental-{round_}.log")
        if one.status == "ok" and (one.updated != args.changed or one.rows != rows):
            one.status, one.note = "failed", f"updated {one.updated:,}, rows {one.rows:,}; expected {args.changed:,} and {rows:,}"
        if one.status == "ok":
            check_changed(t, source_id, round_)
        incremental.runs.append(one.seconds)
        incremental.peak_rss_mb = max(incremental.peak_rss_mb, one.peak_rss_mb)
        incremental.rows, incremental.added, incremental.updated = one.rows, one.added, one.updated
        if one.status != "ok":
            incremental.status, incremental.note = one.status, one.note
            break
    workerlib.wait_for_jobs(t)


def report(timings: list[Timing]) -> bool:
    print()
    print("| target | step | seconds | peak RSS MB | rows | added | updated | check |")
    print("|---|---|---|---|---|---|---|---|")
    for t in timings:
        runs = f" (runs: {', '.join(f'{s:.2f}' for s in t.runs)})" if len(t.runs) > 1 else ""
        counts = f"{t.rows:,} | {t.added:,} | {t.updated:,}"
        print(f"| {t.target} | {t.step} | {t.seconds:.2f}{runs} | {t.peak_rss_mb:.0f} | {counts} | {t.status} {t.note} |")
    print()
    ok = all(t.status == "ok" for t in timings)
    for target in sorted({t.target for t in timings}):
        by = {t.step: t for t in timings if t.target == target}
        ref, full, inc = by.get("ingest (file)"), by.get("full sync"), by.get("incremental sync")
        if ref and full and ref.seconds:
            ratio = full.seconds / ref.seconds
            verdict = "PASS" if ratio <= TARGET_FULL_RATIO else "FAIL"
            shown = f"{full.seconds:.2f} / {ref.seconds:.2f} = {ratio:.2f}×"
            print(f"{target}: full sync ÷ file ingestion = {shown} (target ≤ {TARGET_FULL_RATIO}×) {verdict}")
        if inc and inc.runs:
            verdict = "PASS" if inc.seconds < TARGET_INCREMENTAL_S else "FAIL"
            limit = f"target < {TARGET_INCREMENTAL_S:.0f} s"
            print(f"{target}: incremental sync of the changed rows, median {inc.seconds:.2f} s ({limit}) {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changed", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="incremental syncs (the median is reported)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both", help="ketnoi's own database")
    parser.add_argument("--seed", type=int, default=datastore.GEN_SEED)
    parser.add_argument("--shared", type=Path, default=datastore.SHARED)
    parser.add_argument("--reuse", action="store_true", help="keep the source table of an earlier run")
    args = parser.parse_args()
    started = datetime.now(UTC)
    try:
        csv, _ = datastore.dataset_csv(args)
        datastore.warm(csv)
        build_source(csv, args.rows, args.reuse)
        timings: list[Timing] = []
        for name in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            timings += bench_target(name, csv, args.rows, args)
    except RunError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    ok = report(timings)
    results = benchlib.BENCH / "results"
    results.mkdir(exist_ok=True)
    out = results / f"sync-{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps(
            {
                "started": started.isoformat(),
                "machine": benchlib.machine_info(),
                "args": {k: str(v) for k, v in vars(args).items()},
                "timings": [asdict(t) for t in timings],
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {out.relative_to(benchlib.ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
