"""Data quality: the five rules of ../shared/bench on the 1,000,000-row CSV, ketnoi against the reference tools (`make bench-quality`).

1. Data: the CSV of bench/datastore.py (`gen_dataset.py --rows N --seed 20240601`, kept in
   bench/.data/datastore/) and its manifest of planted defects.
2. ketnoi, on SQLite and on PostgreSQL: a fresh database (migrations, the demo ministry) and
   `ketnoi ingest FILE --dataset ID`, timed as a process (datastore.py's helpers; `--reuse` keeps the
   table of an earlier run of the same CSV). Then, in a child process with ketnoi's isolated
   environment, the five rules created through the real service (`quality.service.create_rule`):
   email not null (critical, target 100 %), ma_de_tai unique, so_dien_thoai pattern, the expression
   `nam_ket_thuc >= nam_bat_dau`, kinh_phi_trieu_dong in 10…50,000; and `quality.runner.run_dataset`
   (as the platform, in its own unit of work, committed) timed `--repeat` times, every SQL statement
   timed by kind, the process's peak RSS. Every count must equal the manifest's.
3. References in the same run: ../shared/bench/run_quality.py (the shared harness, called as it is)
   with DuckDB, Polars, Great Expectations (pandas) and frictionless at the pins of
   ../shared/bench/requirements.txt, installed into bench/.venv-quality (made on first use), its
   JSON read back. The reference tools parse the CSV in every timed run; ketnoi's rules read the
   table already in its store: the report shows "rules only" and "ingest + rules" (the ingestion
   time of the same database), and takes the targets on "rules only".
4. Report: a table tool × database (median, min–max, rows/s, peak RSS, counts, all planted found?),
   the targets (frictionless ÷ ketnoi ≥ 10, GX ÷ ketnoi ≥ 3, ketnoi ÷ DuckDB ≤ 2) with PASS/FAIL on
   each database, where ketnoi's time goes (per kind of statement), and
   bench/results/quality-<UTC timestamp>.json.

Exit status: 0 when every run ran and found exactly the planted defects, whether or not it met its
target; 1 when a run failed or a count differs from the manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import benchlib
from benchlib import RunError, Target

import datastore

DATA = benchlib.DATA / "quality"
PG_DATABASE = "ketnoi_bench_quality"
VENV = benchlib.BENCH / ".venv-quality"
PINS_STAMP = "ketnoi-bench-pins.txt"  # in VENV: the pins it was installed with
# The packages of ../shared/bench/requirements.txt that run_quality.py imports (pyarrow: pandas 3 uses it when present, as in RESULTS.md)
REFERENCE_PACKAGES = ("duckdb", "polars", "great-expectations", "pandas", "pyarrow", "frictionless")
ALL_TOOLS = ("duckdb", "polars", "great_expectations", "frictionless")
TOOL_LABELS = {
    "duckdb": "DuckDB SQL",
    "polars": "Polars (lazy)",
    "great_expectations": "Great Expectations (pandas)",
    "frictionless": "frictionless",
}
# ../shared/bench/RESULTS.md §3 (medians of 3, seconds): shown beside this run's figures, never used for a verdict
RESULTS_MD = {"duckdb": 0.81, "polars": 0.79, "great_expectations": 3.99, "frictionless": 90.81}

TARGET_VS_FRICTIONLESS = 10.0  # frictionless ÷ ketnoi ≥
TARGET_VS_GX = 3.0  # Great Expectations ÷ ketnoi ≥
TARGET_VS_DUCKDB = 2.0  # ketnoi ÷ DuckDB ≤

PHONE = r"(0|\+84)(3|5|7|8|9)[0-9]{8}"  # anchored by ketnoi (the whole value), as Table Schema and GX read a pattern
# The five rules of run_quality.py, as RuleIn fields; the key is the count run_quality.py reports for it.
RULES: dict[str, dict[str, Any]] = {
    "email_null": {"kind": "not_null", "severity": "critical", "target": 1.0, "params": {"column": "email"}},
    "dup": {"kind": "unique", "params": {"columns": ["ma_de_tai"]}},
    "bad_phone": {"kind": "pattern", "params": {"column": "so_dien_thoai", "regex": PHONE}},
    "end_before_start": {"kind": "expression", "params": {"expression": "nam_ket_thuc >= nam_bat_dau"}},
    "kinh_phi_out": {"kind": "range", "params": {"column": "kinh_phi_trieu_dong", "min": 10, "max": 50000}},
}
# count → the manifest's key ("planted")
EXPECTED = {
    "email_null": "email_missing",
    "dup_extra": "ma_de_tai_duplicate_extra_rows",
    "dup_involved": "ma_de_tai_rows_with_duplicated_value",
    "bad_phone": "so_dien_thoai_bad",
    "end_before_start": "nam_ket_thuc_lt_nam_bat_dau",
    "kinh_phi_out": "kinh_phi_out_of_range",
}
ANALYZED = "analyzed.json"  # in the database's folder: --analyze ran on its table, which is then no longer as ketnoi leaves it
LABEL_ANALYZED = "ketnoi, ANALYZEd"
QUERY_KINDS = ("aggregated pass", "unique: count", "unique: sample ids", "other samples", "other statements")

datastore.PG_DATABASE = PG_DATABASE  # datastore.py's database helpers (fresh_database, sql, the CHECKPOINT) read it: ours is apart


# -- records -------------------------------------------------------------------------------------------


@dataclass
class ToolRun:
    """One tool (ketnoi on one database, or a reference on the CSV), its repeats and what it found."""

    tool: str  # "ketnoi" or run_quality.py's tool name
    label: str
    db: str  # sqlite | postgres | csv
    version: str = ""
    times: list[float] = field(default_factory=list)
    setup_s: float | None = None
    peak_rss_mib: float | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    found: dict[str, bool] = field(default_factory=dict)
    all_found: bool = False
    status: str = "ok"  # ok | failed
    note: str = ""
    ingest_s: float | None = None  # ketnoi: `ketnoi ingest` of the same CSV into this database
    ingest_rss_mib: float | None = None
    ingest_measured: str = ""  # "this run" | "an earlier run (--reuse)"
    extra: dict[str, Any] = field(default_factory=dict)
    loadavg_before: float = 0.0

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and self.status == "ok" else None

    def total(self, seconds: float | None) -> float | None:
        """With the ingestion added (ketnoi's "ingest + rules")."""
        return None if seconds is None or self.ingest_s is None else seconds + self.ingest_s


@dataclass
class Check:
    """One target of the issue on one database."""

    name: str
    db: str
    ketnoi: str  # the record's label: "ketnoi" or LABEL_ANALYZED
    measured: str
    with_ingest: str
    passed: bool | None  # None: not measured


# -- the worker: ketnoi's side, in a process with ketnoi's environment --------------------------------


def statement_kind(statement: str) -> str:
    """Which part of quality.measure a statement is (the rest: the catalog's reads, the run's writes, savepoints)."""
    text = " ".join(statement.split())
    if text.startswith("SELECT count(*) AS n,"):
        return "aggregated pass"
    sample = text.startswith("SELECT ") and re.search(r"ORDER BY \S+\._id LIMIT", text) is not None
    if "HAVING count(*) >" in text:
        return "unique: sample ids" if sample else "unique: count"  # the sample groups the table again
    return "other samples" if sample else "other statements"


def worker(args: argparse.Namespace) -> int:
    """Create the five rules, run them `--repeat` times; print one JSON line (times, counts, statements, peak RSS)."""
    import uuid

    from sqlalchemy import event, select

    from ketnoi import db
    from ketnoi.identity import system_actor
    from ketnoi.quality import runner, service
    from ketnoi.quality.models import QualityResult
    from ketnoi.quality.schemas import RuleIn

    dataset_id, resource_id = uuid.UUID(args.dataset), uuid.UUID(args.resource)
    started = time.perf_counter()
    with db.unit_of_work() as session:  # a second run (--reuse) starts again from the five rules
        for old in service.list_rules(session, actor=system_actor(), dataset_id=dataset_id):
            service.delete_rule(session, actor=system_actor(), rule_id=old.id)
        rule_ids = {
            key: service.create_rule(session, actor=system_actor(), dataset_id=dataset_id, data=RuleIn(resource_id=resource_id, **spec)).id
            for key, spec in RULES.items()
        }
    setup_s = time.perf_counter() - started
    statements: list[tuple[str, float]] = []
    engine = db.get_engine()

    def before(conn: Any, _cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    times, runs, counts_all = [], [], []
    for _ in range(args.repeat):
        statements.clear()
        started = time.perf_counter()
        with db.unit_of_work() as session:
            run = runner.run_dataset(session, actor=system_actor(), dataset_id=dataset_id, trigger="manual")
        times.append(time.perf_counter() - started)
        by_kind: dict[str, float] = dict.fromkeys(QUERY_KINDS, 0.0)
        for statement, seconds in statements:
            by_kind[statement_kind(statement)] += seconds
        with db.unit_of_work() as session:
            results = {r.rule_id: r for r in session.scalars(select(QualityResult).where(QualityResult.run_id == run.id))}
            counts, per_rule = counts_of(results, rule_ids)
        counts_all.append(counts)
        runs.append({"run_id": str(run.id), "row_count": run.row_count, "score": run.score, "statements": by_kind, "rules": per_rule})
        print(f"    ketnoi: {times[-1]:.2f} s {counts}", file=sys.stderr, flush=True)
    sql_text = sorted({" ".join(s.split())[:400] for s, _ in statements if statement_kind(s) != "other statements"})
    out = {
        "times": times,
        "setup_s": setup_s,
        "runs": runs,
        "counts": counts_all[-1],
        "counts_stable": all(c == counts_all[0] for c in counts_all),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "sql": sql_text,
    }
    print(json.dumps(out, default=str))
    return 0


def counts_of(results: dict[Any, Any], rule_ids: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The counts in run_quality.py's names, and what each rule recorded."""
    counts: dict[str, Any] = {}
    per_rule: dict[str, Any] = {}
    for key, rule_id in rule_ids.items():
        r = results.get(rule_id)
        if r is None:
            per_rule[key] = {"error": "no result"}
            continue
        per_rule[key] = {
            "outcome": str(r.outcome),
            "evaluated": r.evaluated,
            "failed": r.failed,
            "details": r.details,
            "duration_ms": r.duration_ms,
            "message": r.message,
            "samples": len(r.sample_ids or []),
        }
        if r.message is not None:  # an error: no count
            continue
        if key == "dup":
            counts["dup_extra"] = r.failed
            counts["dup_involved"] = (r.details or {}).get("rows_involved")
        else:
            counts[key] = r.failed
    return counts, per_rule


# -- ketnoi: ingestion, then the worker ----------------------------------------------------------------


def q_target(name: str) -> Target:
    return benchlib.target(name, data=DATA, database=PG_DATABASE)


def check_found(counts: dict[str, Any], planted: dict[str, Any]) -> dict[str, bool]:
    """Each count against the manifest (both duplicate counts: rows beyond the first, and all rows involved)."""
    return {key: counts.get(key) == planted[manifest_key] for key, manifest_key in EXPECTED.items()}


def loaded(t: Target, csv: Path, rows: int, args: argparse.Namespace) -> dict[str, Any]:
    """The marker of the table to measure: loaded now by `ketnoi ingest` (timed), or kept (--reuse)."""
    marker = datastore.marker_of(t)
    if args.reuse and datastore.reusable(marker, csv):
        assert marker is not None
        if not (t.var_dir / ANALYZED).exists():
            print(f"  reusing the table loaded earlier (--reuse): {marker['table_name']}", flush=True)
            return marker | {"measured": "an earlier run (--reuse)"}
        print("  the table loaded earlier was ANALYZEd by --analyze (not as ketnoi leaves it): loading it again", flush=True)
    datastore.warm(csv)
    load = datastore.ingest_ketnoi(t, csv, rows)
    if load.status != "ok":
        raise RunError(f"ketnoi ingest: {load.note}")
    print(f"  ketnoi ingest: {load.rows:,} rows in {load.seconds:.2f} s, peak RSS {load.peak_rss_mb:,.0f} MB", flush=True)
    marker = datastore.marker_of(t)
    assert marker is not None
    return marker | {"measured": "this run"}


def warm_table(t: Target, table: str) -> None:
    """Read the table once (the page cache warm, as run_quality.py warms the CSV before its runs)."""
    if t.name == "sqlite":
        datastore.warm(Path(t.url.split("///", 1)[1]))
    else:
        datastore.sql(t, f"SELECT count(*) FROM {qualified(t, table)}")  # noqa: S608 - the table name ketnoi chose


def qualified(t: Target, table: str) -> str:
    return f'"{table}"' if t.name == "sqlite" else f'datastore."{table}"'


def analyze(t: Target, table: str) -> float:
    """The statistics (and, on PostgreSQL, the visibility map) again, as `ketnoi ingest` now makes them itself: a check. Seconds."""
    started = time.perf_counter()
    datastore.sql(t, f"ANALYZE {qualified(t, table)}" if t.name == "sqlite" else f"VACUUM (ANALYZE) {qualified(t, table)}")
    seconds = time.perf_counter() - started
    (t.var_dir / ANALYZED).write_text(json.dumps({"table": table, "seconds": seconds}), encoding="utf-8")
    return seconds


def bench_ketnoi(name: str, csv: Path, manifest: dict[str, Any], args: argparse.Namespace) -> list[ToolRun]:
    """ketnoi's rules on the table as `ketnoi ingest` leaves it; with --analyze, then again after ANALYZE."""
    t = q_target(name)
    print(f"\n== ketnoi, {name}: {t.url}", flush=True)
    record = ToolRun("ketnoi", "ketnoi", name, loadavg_before=os.getloadavg()[0])
    try:
        marker = loaded(t, csv, int(manifest["rows"]), args)
    except (RunError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return [failed(record, exc)]
    ingest = marker.get("ingest") or {}
    record.ingest_s, record.ingest_rss_mib, record.ingest_measured = ingest.get("seconds"), ingest.get("peak_rss_mb"), marker["measured"]
    records = [measure_ketnoi(t, marker, record, manifest, args)]
    if args.analyze and records[0].status == "ok":
        again = ToolRun("ketnoi", LABEL_ANALYZED, name, ingest_rss_mib=record.ingest_rss_mib, ingest_measured=record.ingest_measured)
        try:
            seconds = analyze(t, marker["table_name"])
        except Exception as exc:  # psycopg's or sqlite3's error: the run failed
            return [*records, failed(again, exc)]
        print(f"  {'VACUUM (ANALYZE)' if name == 'postgres' else 'ANALYZE'} of the table: {seconds:.2f} s", flush=True)
        again.ingest_s = None if record.ingest_s is None else record.ingest_s + seconds
        again.extra["analyze_s"] = seconds
        records.append(measure_ketnoi(t, marker, again, manifest, args))
    return records


def failed(record: ToolRun, exc: BaseException) -> ToolRun:
    record.status, record.note = "failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    print(f"  FAILED: {record.note}", flush=True)
    return record


def measure_ketnoi(t: Target, marker: dict[str, Any], record: ToolRun, manifest: dict[str, Any], args: argparse.Namespace) -> ToolRun:
    """The five rules created, then timed `--repeat` times in a child process; the counts checked against the manifest."""
    record.extra["table"] = marker["table_name"]
    try:
        warm_table(t, marker["table_name"])
        record.loadavg_before = os.getloadavg()[0]
        out = run_worker(t, marker, args)
    except (RunError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return failed(record, exc)
    record.version = metadata.version("ketnoi")
    record.times, record.setup_s, record.peak_rss_mib = out["times"], out["setup_s"], out["peak_rss_mib"]
    record.counts = out["counts"]
    record.extra |= {"runs": out["runs"], "counts_stable": out["counts_stable"], "sql": out["sql"]}
    record.found = check_found(record.counts, manifest["planted"])
    record.all_found = all(record.found.values()) and out["counts_stable"]
    if not record.all_found:
        record.note = "counts differ from the manifest" + ("" if out["counts_stable"] else " (and between repeats)")
    print(
        f"  {record.label} rules: median {record.median:.2f} s (min {min(record.times):.2f}, max {max(record.times):.2f}), "
        f"peak RSS {record.peak_rss_mib:,.0f} MiB, all planted found: {'yes' if record.all_found else 'NO'}",
        flush=True,
    )
    return record


def run_worker(t: Target, marker: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--repeat", str(args.repeat)]
    cmd += ["--dataset", marker["dataset_id"], "--resource", marker["resource_id"]]
    log = t.var_dir / "quality.log"
    env = benchlib.ketnoi_env(t)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout, check=False, cwd=benchlib.ROOT)  # noqa: S603
    log.write_text(proc.stderr + proc.stdout, encoding="utf-8")
    sys.stdout.write(proc.stderr[-3000:] if proc.returncode == 0 else "")
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RunError(f"the rules' process failed (exit {proc.returncode}): {proc.stderr.strip()[-1500:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# -- the references: ../shared/bench/run_quality.py in bench/.venv-quality ------------------------------


def pins(shared: Path) -> list[str]:
    """The exact pins of the reference tools run_quality.py imports, from ../shared/bench/requirements.txt."""
    out = []
    for line in (shared / "requirements.txt").read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        name = re.split(r"[=<>\[ ;]", spec, maxsplit=1)[0].lower().replace("_", "-")
        if name in REFERENCE_PACKAGES:
            out.append(spec)
    return out


def reference_python(shared: Path) -> Path:
    """bench/.venv-quality's python, the venv made (or brought to the pins) on first use; never ketnoi's .venv."""
    python, wanted = VENV / "bin" / "python", "\n".join(pins(shared)) + "\n"
    stamp = VENV / PINS_STAMP
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    print(f"  installing {', '.join(wanted.split())} into {VENV.relative_to(benchlib.ROOT)} (first run only) ...", flush=True)
    steps = [] if python.exists() else [[sys.executable, "-m", "venv", str(VENV)]]
    steps.append([str(python), "-m", "pip", "install", "-q", *wanted.split()])
    for cmd in steps:
        proc = benchlib.run_command(cmd, timeout=1800)
        if proc.returncode != 0:
            raise RunError(f"{' '.join(cmd[:4])} failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
    stamp.write_text(wanted, encoding="utf-8")
    return python


def reference_groups(args: argparse.Namespace) -> list[tuple[list[str], int]]:
    """The tools and their repeats, one run_quality.py call each (frictionless may have fewer repeats)."""
    tools = [t for t in args.tools.split(",") if t]
    unknown = [t for t in tools if t not in ALL_TOOLS]
    if unknown:
        raise SystemExit(f"unknown tool {unknown[0]!r}: choose among {', '.join(ALL_TOOLS)}")
    if not args.frictionless:
        tools = [t for t in tools if t != "frictionless"]
    fr_repeat = args.frictionless_repeat or args.repeat
    groups = [([t for t in tools if t != "frictionless" or fr_repeat == args.repeat], args.repeat)]
    if "frictionless" in tools and fr_repeat != args.repeat:
        groups.append((["frictionless"], fr_repeat))
    return [(g, n) for g, n in groups if g]


def bench_references(csv: Path, args: argparse.Namespace, stamp: str) -> list[ToolRun]:
    groups = reference_groups(args)
    if not groups:
        return []
    print(f"\n== references: {args.shared / 'run_quality.py'}", flush=True)
    try:
        python = reference_python(args.shared)
    except (RunError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"  FAILED: {exc}", flush=True)
        return [ToolRun(t, TOOL_LABELS[t], "csv", status="failed", note=str(exc).splitlines()[0]) for g, _ in groups for t in g]
    out = DATA / "references" / stamp
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for tools, repeat in groups:
        loadavg = os.getloadavg()[0]
        cmd = [str(python), str(args.shared / "run_quality.py"), "--csv", str(csv), "--tools", ",".join(tools)]
        cmd += ["--repeat", str(repeat), "--out", str(out), "--timeout", str(int(args.timeout))]
        streamed(cmd, out / "run_quality.log")
        records += [reference_record(out, tool, loadavg) for tool in tools]
    return records


def streamed(cmd: list[str], log: Path) -> None:
    """Run a command, its output printed (indented) as it comes and kept in `log`."""
    with log.open("a", encoding="utf-8") as kept:
        kept.write("$ " + " ".join(cmd) + "\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=benchlib.ROOT)  # noqa: S603
        assert proc.stdout is not None
        for line in proc.stdout:
            kept.write(line)
            print("    " + line.rstrip(), flush=True)
        proc.wait()


def reference_record(out: Path, tool: str, loadavg: float) -> ToolRun:
    """run_quality.py's JSON for `tool` (its own check against the manifest: found, all_found)."""
    record = ToolRun(tool, TOOL_LABELS[tool], "csv", loadavg_before=loadavg)
    try:
        d = json.loads((out / f"quality_{tool}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record.status, record.note = "failed", f"run_quality.py wrote no result for {tool} (see {out / 'run_quality.log'})"
        return record
    record.version, record.times, record.setup_s = str(d["version"]), list(d["times"]), d.get("setup_s")
    record.peak_rss_mib, record.counts = d.get("peak_rss_mib"), dict(d["counts"])
    record.found, record.all_found = dict(d["found"]), bool(d["all_found"]) and bool(d.get("counts_stable", True))
    record.extra = {"phases": d.get("phases") or {}, "counts_stable": d.get("counts_stable")}
    if not record.all_found:
        record.note = "counts differ from the manifest"
    return record


# -- targets and report --------------------------------------------------------------------------------


def ratio_text(value: float | None, num: float | None, den: float | None) -> str:
    return "-" if value is None or num is None or den is None else f"{value:.2f}× ({num:.2f} s / {den:.2f} s)"


def checks_of(records: list[ToolRun]) -> list[Check]:
    refs = {r.tool: r.median for r in records if r.db == "csv" and r.status == "ok"}
    checks = []
    for ours in (r for r in records if r.tool == "ketnoi"):
        rules, total = ours.median, ours.total(ours.median)
        for tool, words, bound in (
            ("frictionless", f"frictionless ÷ ketnoi ≥ {TARGET_VS_FRICTIONLESS:g}", TARGET_VS_FRICTIONLESS),
            ("great_expectations", f"Great Expectations (pandas) ÷ ketnoi ≥ {TARGET_VS_GX:g}", TARGET_VS_GX),
            ("duckdb", f"ketnoi ÷ DuckDB ≤ {TARGET_VS_DUCKDB:g}", TARGET_VS_DUCKDB),
        ):
            theirs = refs.get(tool)
            if tool == "duckdb":  # ketnoi over the reference, at most
                r1, r2 = ratio(rules, theirs), ratio(total, theirs)
                shown = ratio_text(r1, rules, theirs), ratio_text(r2, total, theirs)
                passed = None if r1 is None else r1 <= bound
            else:  # the reference over ketnoi, at least
                r1, r2 = ratio(theirs, rules), ratio(theirs, total)
                shown = ratio_text(r1, theirs, rules), ratio_text(r2, theirs, total)
                passed = None if r1 is None else r1 >= bound
            checks.append(Check(words, ours.db, ours.label, *shown, passed))
    return checks


def ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num and den else None


def verdict(check: Check) -> str:
    return "NOT MEASURED" if check.passed is None else ("PASS" if check.passed else "FAIL")


def fmt(value: float | None, spec: str = ",.2f") -> str:
    return "-" if value is None else format(value, spec)


def count_cells(counts: dict[str, Any]) -> list[str]:
    def c(key: str) -> str:
        value = counts.get(key)
        return "–" if value is None else f"{value:,}"

    return [c("email_null"), f"{c('dup_extra')} / {c('dup_involved')}", c("bad_phone"), c("end_before_start"), c("kinh_phi_out")]


def table_rows(records: list[ToolRun], rows: int) -> list[list[str]]:
    out = []
    for r in records:
        seconds = [r.median, min(r.times) if r.times else None, max(r.times) if r.times else None]
        variants = [("rules only" if r.tool == "ketnoi" else "", seconds)]
        if r.tool == "ketnoi" and r.ingest_s is not None:
            variants.append(("ingest + rules", [r.total(s) for s in seconds]))
        for variant, (med, lo, hi) in variants:
            label = f"{r.label} ({variant})" if variant else r.label
            if r.status != "ok":
                out.append([label, r.db, r.version, "-", "-", "-", "-", "-", "-", "-", "-", "-", f"FAILED: {r.note}"])
                continue
            rss = r.peak_rss_mib if variant != "ingest + rules" else max(r.peak_rss_mib or 0, r.ingest_rss_mib or 0)
            found = "yes" if r.all_found else f"NO ({', '.join(k for k, ok in r.found.items() if not ok)})"
            span = f"{fmt(lo)}–{fmt(hi)}"
            out.append(
                [
                    label,
                    r.db,
                    r.version,
                    fmt(med),
                    span,
                    fmt(rows / med if med else None, ",.0f"),
                    fmt(rss, ",.0f"),
                    *count_cells(r.counts),
                    found,
                ]
            )
    return out


HEADER = [
    "tool",
    "database",
    "version",
    "median s",
    "min–max s",
    "rows/s",
    "peak RSS MiB",
    "email null",
    "dup extra / involved",
    "bad phone",
    "end<start",
    "kinh_phi out",
    "all planted found?",
]


def print_table(header: list[str], rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    print(line(header))
    print("-" * len(line(header)))
    for r in rows:
        print(line(r))


def print_report(records: list[ToolRun], checks: list[Check], manifest: dict[str, Any], args: argparse.Namespace) -> None:
    rows = int(manifest["rows"])
    planted = manifest["planted"]
    print(f"\nDATA QUALITY: the five rules on {rows:,} rows (median of --repeat {args.repeat}; the references parse the CSV in every run)")
    body = table_rows(records, rows)
    expected = {key: planted[m] for key, m in EXPECTED.items()}
    body.append(["planted (manifest)", "", "", "", "", "", "", *count_cells(expected), ""])
    print_table(HEADER, body, right={3, 4, 5, 6, 7, 8, 9, 10, 11})
    print(
        "rules only: quality.runner.run_dataset on the table already in the store (unit of work committed);"
        " ingest + rules: plus `ketnoi ingest` of the CSV into that database"
        " (its peak RSS is the larger of the two processes')."
    )
    print("dup: rows beyond the first of a repeated code / every row sharing a repeated code (– : the tool does not report it).")
    ingests = [f"{r.db} {r.ingest_s:.2f} s ({r.ingest_measured})" for r in records if r.label == "ketnoi" and r.ingest_s is not None]
    ingests += [
        f"{r.db}: then {r.extra['analyze_s']:.2f} s to ANALYZE" for r in records if r.label == LABEL_ANALYZED and "analyze_s" in r.extra
    ]
    if ingests:
        print("ketnoi ingest of the same CSV: " + "; ".join(ingests))
    refs = [f"{TOOL_LABELS[k]} {v:g} s" for k, v in RESULTS_MD.items()]
    print("RESULTS.md §3 (another session, for reference only): " + ", ".join(refs))
    print_profile(records)
    if checks:
        print("\nTARGETS (on rules only; ingest + rules shown beside)")
        body = [[c.name, c.ketnoi, c.db, c.measured, c.with_ingest, verdict(c)] for c in checks]
        print_table(["target", "ketnoi", "database", "rules only", "ingest + rules", "verdict"], body, right=set())


def print_profile(records: list[ToolRun]) -> None:
    ours = [r for r in records if r.tool == "ketnoi" and r.status == "ok" and r.extra.get("runs")]
    if not ours:
        return
    print("\nWHERE KETNOI'S TIME GOES (median over the runs, seconds; statements timed around the driver's execute)")
    body = []
    for r in ours:
        by_kind = {k: statistics.median(run["statements"][k] for run in r.extra["runs"]) for k in QUERY_KINDS}
        outside = (r.median or 0) - sum(by_kind.values())
        body.append([r.label, r.db, *(f"{by_kind[k]:.3f}" for k in QUERY_KINDS), f"{outside:.3f}", f"{r.median:.3f}"])
    print_table(["ketnoi", "database", *QUERY_KINDS, "Python outside SQL", "run"], body, right=set(range(2, 9)))


def write_report(report: dict[str, Any], records: list[ToolRun], checks: list[Check], stamp: str) -> Path:
    benchlib.RESULTS.mkdir(parents=True, exist_ok=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["runs"] = [asdict(r) | {"median_s": r.median, "ingest_plus_rules_median_s": r.total(r.median)} for r in records]
    report["targets"] = [asdict(c) | {"verdict": verdict(c)} for c in checks]
    path = benchlib.RESULTS / f"quality-{stamp}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


# -- main ----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV (default 1000000 = 295 MB)")
    parser.add_argument("--seed", type=int, default=datastore.GEN_SEED, help=f"gen_dataset.py's seed (default {datastore.GEN_SEED})")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both", help="ketnoi's databases (default both)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each tool (default 3; the median is reported)")
    parser.add_argument(
        "--tools", default=",".join(ALL_TOOLS), help=f"reference tools, comma-separated (default {','.join(ALL_TOOLS)}; '' for none)"
    )
    parser.add_argument("--no-frictionless", dest="frictionless", action="store_false", help="leave frictionless out (~90 s a run)")
    parser.add_argument("--frictionless-repeat", type=int, default=0, help="frictionless's runs (default: --repeat)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the tables loaded by an earlier run of the same CSV (ingestion time from then)"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="then run the rules again after ANALYZE (SQLite) / VACUUM (ANALYZE) (PostgreSQL) of the table (ketnoi ingest does neither)",
    )
    parser.add_argument("--timeout", type=float, default=2400, help="seconds allowed to one tool's process (default 2400)")
    parser.add_argument("--shared", type=Path, default=datastore.SHARED, help=f"the reference material (default {datastore.SHARED})")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--resource", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1000:
        parser.error("--rows must be at least 1000")
    if args.repeat < 1 or args.frictionless_repeat < 0:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k not in ("worker", "dataset", "resource")},
        "targets_definition": {
            "frictionless_over_ketnoi_min": TARGET_VS_FRICTIONLESS,
            "great_expectations_over_ketnoi_min": TARGET_VS_GX,
            "ketnoi_over_duckdb_max": TARGET_VS_DUCKDB,
            "on": "rules only (ingest + rules reported beside)",
            "results_md_medians_s": RESULTS_MD,
        },
        "rules": RULES,
        "machine": benchlib.machine_info(),
        "versions": benchlib.versions() | {"pins": pins(args.shared)},
    }
    m = report["machine"]
    print(f"machine: {m['nproc']} CPU ({m['cpu_model']}), {m['memory']}, {m['os']}, load average {m['loadavg']}")
    if m["loadavg"][0] > 0.5 * m["nproc"]:
        print(f"warning: the machine is busy (load average {m['loadavg'][0]} on {m['nproc']} CPUs): figures will be off")
    try:
        csv, manifest = datastore.dataset_csv(args)
    except (RunError, OSError, ValueError) as exc:
        print(f"FAILED to make the CSV: {exc}")
        return 1
    report["csv"] = {
        "file": str(csv.relative_to(benchlib.ROOT)),
        "bytes": csv.stat().st_size,
        "rows": manifest["rows"],
        "manifest": manifest,
    }
    records = [r for name in (("sqlite", "postgres") if args.db == "both" else (args.db,)) for r in bench_ketnoi(name, csv, manifest, args)]
    records += bench_references(csv, args, stamp)
    checks = checks_of(records)
    report["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print_report(records, checks, manifest, args)
    path = write_report(report, records, checks, stamp)
    failed = [r for r in records if r.status != "ok" or not r.all_found]
    missed = [c for c in checks if c.passed is False]
    print(
        f"\nmachine: {m['nproc']} CPU, load average before {m['loadavg']}, after {report['machine']['loadavg_after']}\n"
        f"{len(records)} runs: {len(failed)} failed or found other counts; {len(missed)} of {len(checks)} targets missed; "
        f"results in {path.relative_to(benchlib.ROOT)}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
