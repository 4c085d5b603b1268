"""Load and soak: the data API and the exchange gateway at 70 % of their measured capacity for 10 minutes each
(`make bench-soak`).

1. Production shape: PostgreSQL (database ketnoi_bench_soak, dropped and recreated), Redis DB 11
   (KETNOI_REDIS_URL: rate and quota counters, the job queue), `ketnoi serve --workers 2` and a
   `ketnoi worker`, JSON logs written to files (KETNOI_LOG_FORMAT=json).
2. Data (bench/datastore.py's helpers): the generated CSV of research projects (100,000 rows by
   default), ingested with `ketnoi ingest` into the demo ministry; the gateway's service over it, an
   application of another agency with an API key, its grant (bench/gateway.py's set-up) with a rate and
   a quota far above the load (counted in Redis on every request, never refused); an admin API token.
3. For each target in turn (the data API, then the gateway), on a fresh server and worker: every kind
   of request is checked (200 with items), 5 s of warm-up, then the capacity: wrk -t2 -c16 for 20 s,
   closed loop. Then the soak: consecutive one-minute wrk runs paced at 70 % of the capacity
   (bench/soak.lua), and after each minute the resident memory (VmRSS) of the server's processes (the
   uvicorn supervisor and its workers) and of the worker.
4. Verdicts per target: no error over the whole soak (answers outside 2xx, connection errors, timeouts),
   p99 of the last minute ≤ 1.5 × p99 of the first, RSS at the end < 1.1 × RSS after the first minute,
   the achieved rate within 5 % of the target. A table per minute and a summary; `--json OUT` writes
   everything to OUT (nothing else is written but the scratch files of bench/.data/soak/).

Exit status: 0 when every run ran, whether or not the verdicts pass; 1 when a run failed (set-up, a
server, wrk); 2 without wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import benchlib
import gateway as gw
import psycopg
import redis
import workerlib
from benchlib import RunError, Server, Target

import datastore as ds

PG_DATABASE = "ketnoi_bench_soak"
DATA = benchlib.DATA / "soak"
REDIS_URL = "redis://127.0.0.1:6379/11"
LUA_SCRIPT = benchlib.BENCH / "soak.lua"
GRANT_LIMITS = (1_000_000, 100_000_000)  # the grant's rate per minute and quota per day: far above any load here

LOAD_SHARE = 0.7  # of the capacity
P99_DRIFT_MAX = 1.5  # last minute's p99 ÷ first minute's
RSS_GROWTH_MAX = 0.10  # end ÷ end of the first minute, minus one
RATE_TOLERANCE = 0.05  # achieved ÷ target, within this of 1

DATA_API = "data API"
GATEWAY = "gateway"
# The mix of one minute, in requests out of 20: rows by key and by code, filtered pages, searches, deep pages.
MIX = {"key": 5, "code": 3, "filter": 4, "search": 5, "deep page": 3}
PROVINCES = ("Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Hải Phòng", "Thừa Thiên Huế", "Nghệ An", "Lâm Đồng", "Yên Bái")
SEARCHES = (
    "lua chiu man",
    "vật liệu nano",
    "dien gio",
    "sâm Ngọc Linh",
    "ung thu gan",
    "bien doi khi hau",
    "trí tuệ nhân tạo",
    "ca phe ben vung",
    "thanh long",
    "Nguyễn Văn Hùng",
    "Hà Nội",
    "xâm nhập mặn",
    "robot",
    "xyzzy",  # matches nothing
)


@dataclass
class Minute:
    """One paced minute of wrk."""

    minute: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    server_rss_mb: float
    worker_rss_mb: float
    loadavg: float
    server_cpu_ms: float  # CPU per request of the server's processes
    db_cpu_ms: float | None  # and of PostgreSQL's backends of the database
    others_cpus: float  # CPUs busy with other work than this run's processes (the neighbours' load)


@dataclass
class Soak:
    """One target: its capacity, the paced minutes, the verdicts."""

    target: str
    capacity_rps: float = 0.0
    capacity_p99_ms: float = 0.0
    rate: float = 0.0
    minutes: list[Minute] = field(default_factory=list)
    rss_after_capacity_mb: float = 0.0
    log_error_lines: int = 0
    log_mb: float = 0.0
    status: str = "ok"
    note: str = ""
    verdicts: dict[str, tuple[str, bool | None]] = field(default_factory=dict)


# -- processes -----------------------------------------------------------------------------------------


# Every ketnoi process of the run, the set-up commands included (their jobs go where the worker takes them):
# Redis, JSON logs, no TOTP for the set-up's administrator.
NODE_SETTINGS = {"KETNOI_REDIS_URL": REDIS_URL, "KETNOI_LOG_FORMAT": "json", "KETNOI_ADMIN_TOTP_REQUIRED": "false"}


def rss_mb(pids: list[int]) -> float:
    """Sum of VmRSS of these processes (a process gone in between counts 0)."""
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return round(total_kb / 1024, 1)


def tree_rss(proc: subprocess.Popen[bytes] | None) -> float:
    return rss_mb(benchlib.process_tree(proc.pid)) if proc is not None and proc.poll() is None else 0.0


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (/proc/stat: all but idle and iowait) since boot."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds(server: Server, worker: subprocess.Popen[bytes]) -> float:
    """CPU seconds so far of this run: the server, PostgreSQL's backends of its database, the worker,
    this script and its finished children (wrk). The machine's busy time minus this is the neighbours'."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = sum(benchlib.proc_cpu_seconds(pid) for pid in benchlib.process_tree(worker.pid))
    return sum(server.cpu_seconds().values()) + worker_cpu + own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# -- data and requests ---------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> tuple[Target, dict[str, Any], dict[str, str]]:
    """The database with the rows, the gateway's grant; (target, marker, the credentials: api_key, token)."""
    ds.PG_DATABASE = PG_DATABASE  # datastore.py's database helpers (fresh_database, sql, the CHECKPOINT) read it
    t = benchlib.target("postgres", data=DATA, database=PG_DATABASE, settings=NODE_SETTINGS)
    csv, manifest = ds.dataset_csv(args)
    rows = int(manifest["rows"])
    if args.reuse and ds.reusable(ds.marker_of(t), csv):
        print(f"database {PG_DATABASE}: reusing the rows loaded earlier (--reuse)", flush=True)
    else:
        redis.Redis.from_url(REDIS_URL).flushdb()  # our own DB number: the counters and the queue of an earlier run
        print(f"database {PG_DATABASE}: fresh, migrated, demo ministry, ketnoi ingest of {rows:,} rows ...", flush=True)
        load = ds.ingest_ketnoi(t, csv, rows)
        if load.status != "ok":
            raise RunError(f"ketnoi ingest: {load.note}")
        print(f"  ingested in {load.seconds:.1f} s", flush=True)
    marker = ds.marker_of(t)
    assert marker is not None
    credential = gw.set_up(t, marker, GRANT_LIMITS)
    token_cmd = ds.ketnoi_cmd("token", "create", ds.ADMIN, "--name", "bench-soak")
    token = ds.checked(token_cmd, "ketnoi token create", env=benchlib.ketnoi_env(t))
    return t, marker, {"api_key": credential["api_key"], "token": token.strip().splitlines()[-1]}


def queries(marker: dict[str, Any]) -> dict[str, list[str]]:
    """Query strings by kind: datastore.py's (key, code, Hà Nội's page of 100, deep page), more filters, searches."""
    table = marker["table_name"]
    with psycopg.connect(**benchlib.pg_connect_args(PG_DATABASE), autocommit=True) as conn:

        def code_of(row_id: int) -> str:
            found = conn.execute(f'SELECT ma_de_tai FROM datastore."{table}" WHERE _id = %s', (row_id,)).fetchone()  # noqa: S608 - our table
            return str(found[0]) if found else ""

        picks = ds.pick_rows(int(marker["rows"]), code_of)
    by_kind = {kind: [path.split("?", 1)[1] for path in paths] for kind, paths in ds.ketnoi_paths("R", picks).items()}
    by_kind["filter"] += [urlencode({"tinh_thanh": p, "limit": 25}, quote_via=quote) for p in PROVINCES]
    by_kind["filter"] += [f"nam_bat_dau__gte={year}&trang_thai={quote('Đang thực hiện')}&limit=50" for year in (2018, 2021, 2024)]
    by_kind["search"] = [urlencode({"q": q, "limit": 25}, quote_via=quote) for q in SEARCHES]
    return by_kind


def mix_paths(base: str, by_kind: dict[str, list[str]], lines: int = 4000) -> list[str]:
    """`lines` paths in the proportions of MIX (seeded): wrk picks one at random for each request."""
    rng = random.Random(ds.PATHS_SEED)  # noqa: S311 - a reproducible choice, not a secret
    weight = sum(MIX.values())
    out = [base + rng.choice(by_kind[kind]) for kind, share in MIX.items() for _ in range(lines * share // weight)]
    rng.shuffle(out)
    return out


def check_kinds(port: int, base: str, by_kind: dict[str, list[str]], header: str) -> None:
    """The first path of each kind answers 200 with a list of items: else the soak would measure errors."""
    for kind in MIX:
        for query in {by_kind[kind][0], by_kind[kind][-1]}:
            status, body = benchlib.checked_get(port, base + query, header)
            if status != 200 or not isinstance(json.loads(body).get("items"), list):
                raise RunError(f"{kind}: GET {base}{query}: HTTP {status}: {body[:300]!r}")


# -- the load ------------------------------------------------------------------------------------------


def wrk_run(wrk: str, port: int, paths: Path, header: str, seconds: float, rate: float, args: argparse.Namespace) -> dict[str, Any]:
    threads = min(args.threads, args.connections)
    result = ds.wrk_load(wrk, port, paths, header, seconds, args, script=LUA_SCRIPT, script_args=(f"{rate:.3f}", str(threads)))
    errors = result["errors"]
    result["socket_errors"] = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    return result


def soak_target(
    wrk: str,
    t: Target,
    worker: subprocess.Popen[bytes],
    name: str,
    base: str,
    by_kind: dict[str, list[str]],
    header: str,
    args: argparse.Namespace,
) -> Soak:
    soak = Soak(name)
    slug = name.replace(" ", "_")
    paths = t.var_dir / f"paths_{slug}.txt"
    paths.write_text("".join(p + "\n" for p in mix_paths(base, by_kind)), encoding="utf-8")
    server = Server(t, args.workers, log_name=f"server_{slug}.log")
    print(f"\n== {name}: ketnoi serve --workers {args.workers}", flush=True)
    try:
        server.start()
        check_kinds(server.port, base, by_kind, header)
        wrk_run(wrk, server.port, paths, header, args.warmup, 0, args)
        capacity = wrk_run(wrk, server.port, paths, header, args.capacity_seconds, 0, args)
        if capacity["non2xx"] or capacity["socket_errors"]:
            raise RunError(f"capacity run: {capacity['non2xx']} non-2xx, {capacity['socket_errors']} socket errors")
        soak.capacity_rps, soak.capacity_p99_ms = round(capacity["rps"], 1), capacity["p99_us"] / 1000
        soak.rate = round(LOAD_SHARE * capacity["rps"], 1)
        soak.rss_after_capacity_mb = tree_rss(server.proc)
        closed_loop = f"wrk -t{args.threads} -c{args.connections}, {args.capacity_seconds} s, closed loop"
        print(
            f"  capacity: {soak.capacity_rps:,.1f} req/s ({closed_loop}; p99 {soak.capacity_p99_ms:.1f} ms);"
            f" soak at {LOAD_SHARE:.0%}: {soak.rate:,.1f} req/s for {args.minutes} min",
            flush=True,
        )
        print_minute_header()
        for minute in range(1, args.minutes + 1):
            cpu_before, ours_before, busy_before = server.cpu_seconds(), own_cpu_seconds(server, worker), machine_busy_seconds()
            result = wrk_run(wrk, server.port, paths, header, 60, soak.rate, args)
            if not server.alive() or worker.poll() is not None:
                raise RunError(f"the server or the worker died in minute {minute}:\n{server.log_tail()}")
            server_cpu, db_cpu = benchlib.cpu_per_request(cpu_before, server.cpu_seconds(), result["requests"])
            ours = own_cpu_seconds(server, worker) - ours_before
            others = max(0.0, machine_busy_seconds() - busy_before - ours) / (result["duration_us"] / 1e6)
            soak.minutes.append(
                Minute(
                    minute,
                    result["requests"],
                    round(result["rps"], 1),
                    result["p50_us"] / 1000,
                    result["p99_us"] / 1000,
                    result["p999_us"] / 1000,
                    result["max_us"] / 1000,
                    result["non2xx"],
                    result["socket_errors"],
                    tree_rss(server.proc),
                    tree_rss(worker),
                    round(os.getloadavg()[0], 2),
                    server_cpu,
                    db_cpu,
                    round(others, 2),
                )
            )
            print_minute(soak.minutes[-1], soak.rate)
    except (RunError, ValueError) as exc:  # ValueError: an answer that is not JSON
        soak.status, soak.note = "failed", str(exc)
        print(f"  FAILED: {exc}", flush=True)
    finally:
        server.stop()
    soak.log_error_lines, soak.log_mb = log_errors(server.log_path)
    soak.verdicts = verdicts(soak)
    return soak


def log_errors(log: Path) -> tuple[int, float]:
    """(JSON log lines at level error or critical, the log's size in MB)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return 0, 0.0
    bad = sum(1 for line in text.splitlines() if '"level": "error"' in line or '"level": "critical"' in line)
    return bad, round(len(text.encode()) / 1e6, 1)


# -- verdicts and report -------------------------------------------------------------------------------


def verdicts(soak: Soak) -> dict[str, tuple[str, bool | None]]:
    """Each criterion: (what was measured, passed; None when it cannot be measured)."""
    m = soak.minutes
    if soak.status != "ok" or not m:
        return {"run": (soak.note or "no minute measured", False)}
    requests = sum(x.requests for x in m)
    errors = sum(x.non2xx + x.socket_errors for x in m)
    achieved = sum(x.rps for x in m) / len(m)
    out: dict[str, tuple[str, bool | None]] = {
        "error rate 0": (f"{errors} errors in {requests:,} requests", errors == 0),
        f"achieved rate within {RATE_TOLERANCE:.0%} of the target": (
            f"{achieved:,.1f} req/s for {soak.rate:,.1f} ({achieved / soak.rate - 1:+.1%})",
            abs(achieved / soak.rate - 1) <= RATE_TOLERANCE,
        ),
    }
    first, last = m[0], m[-1]
    if len(m) < 2:
        out[f"p99 last minute ≤ {P99_DRIFT_MAX:g}× first"] = ("needs 2 minutes or more", None)
        out[f"RSS growth < {RSS_GROWTH_MAX:.0%}"] = ("needs 2 minutes or more", None)
        return out
    drift = last.p99_ms / first.p99_ms if first.p99_ms else float("inf")
    out[f"p99 last minute ≤ {P99_DRIFT_MAX:g}× first"] = (
        f"{last.p99_ms:.1f} / {first.p99_ms:.1f} ms = {drift:.2f}×",
        drift <= P99_DRIFT_MAX,
    )
    growth = last.server_rss_mb / first.server_rss_mb - 1 if first.server_rss_mb else float("inf")
    out[f"RSS growth < {RSS_GROWTH_MAX:.0%}"] = (
        f"{first.server_rss_mb:,.1f} → {last.server_rss_mb:,.1f} MB ({growth:+.1%})",
        growth < RSS_GROWTH_MAX,
    )
    return out


def verdict_word(passed: bool | None) -> str:
    return "NOT MEASURED" if passed is None else ("PASS" if passed else "FAIL")


MINUTE_HEADER = (
    f"  {'min':>3} {'req/s':>8} {'of target':>9} {'p50 ms':>7} {'p99 ms':>7} {'p99.9 ms':>8} {'max ms':>8}"
    f" {'non-2xx':>7} {'sock err':>8} {'server RSS MB':>13} {'worker RSS MB':>13} {'cpu ms/req':>12} {'others':>6} {'load':>5}"
)


def print_minute_header() -> None:
    legend = (
        "  cpu ms/req: CPU time per request of the server's processes + PostgreSQL's backends of its database;"
        " others: CPUs the machine spent on other processes than this run's (its neighbours' load)"
    )
    print(legend + "\n" + MINUTE_HEADER + "\n  " + "-" * (len(MINUTE_HEADER) - 2), flush=True)


def print_minute(x: Minute, rate: float) -> None:
    print(
        f"  {x.minute:>3} {x.rps:>8,.1f} {x.rps / rate:>9.1%} {x.p50_ms:>7.1f} {x.p99_ms:>7.1f} {x.p999_ms:>8.1f} {x.max_ms:>8.1f}"
        f" {x.non2xx:>7} {x.socket_errors:>8} {x.server_rss_mb:>13,.1f} {x.worker_rss_mb:>13,.1f}"
        f" {x.server_cpu_ms:>5.2f}+{x.db_cpu_ms or 0:<5.2f} {x.others_cpus:>6.2f} {x.loadavg:>5.2f}",
        flush=True,
    )


def print_summary(soaks: list[Soak]) -> None:
    print("\nSUMMARY")
    for soak in soaks:
        extra = f"capacity {soak.capacity_rps:,.1f} req/s, soak at {soak.rate:,.1f} req/s for {len(soak.minutes)} min"
        print(f"\n{soak.target}: {extra}; server log {soak.log_mb:,.1f} MB, {soak.log_error_lines} error lines")
        width = max(len(name) for name in soak.verdicts)
        for name, (measured, passed) in soak.verdicts.items():
            print(f"  {name:<{width}}  {measured:<44} {verdict_word(passed)}")
        if len(soak.minutes) >= 2:
            print("  " + reading(soak.minutes[0], soak.minutes[-1]))


def reading(first: Minute, last: Minute) -> str:
    """What to read a p99 drift with: did ketnoi do more work per request, or did the machine have less room?"""
    ours = [f"{x.server_cpu_ms + (x.db_cpu_ms or 0):.1f}" for x in (first, last)]
    return (
        f"first → last minute: CPU per request (server + PostgreSQL) {ours[0]} → {ours[1]} ms;"
        f" other processes' CPUs {first.others_cpus:.2f} → {last.others_cpus:.2f}; load average {first.loadavg} → {last.loadavg}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=10, help="minutes of soak per target (default 10; 1: a quick check of the script)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the generated CSV (default 100000)")
    parser.add_argument("--workers", type=int, default=2, help="ketnoi serve --workers (default 2)")
    parser.add_argument("--target", choices=["both", "data-api", "gateway"], default="both", help="what to soak (default both)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections, capacity and soak (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--capacity-seconds", type=int, default=20, help="seconds of the closed-loop capacity run (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of unmeasured load before the capacity run (default 5)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's request timeout in seconds (default 10)")
    parser.add_argument("--seed", type=int, default=ds.GEN_SEED, help=f"gen_dataset.py's seed (default {ds.GEN_SEED})")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run (its exchange log too)")
    parser.add_argument("--shared", type=Path, default=ds.SHARED, help=f"the reference material (default {ds.SHARED})")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures to OUT (JSON)")
    args = parser.parse_args(argv)
    if args.minutes < 1 or args.rows < 1000:
        parser.error("--minutes ≥ 1 and --rows ≥ 1000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = benchlib.find_wrk()
    if wrk is None:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": benchlib.machine_info(),
        "versions": benchlib.versions(wrk),
    }
    m = report["machine"]
    print(f"machine: {m['nproc']} CPU ({m['cpu_model']}), {m['memory']}, load average {m['loadavg']}")
    if m["loadavg"][0] > 0.5 * m["nproc"]:
        print(f"warning: the machine is busy (load average {m['loadavg'][0]} on {m['nproc']} CPUs): capacity and latency will be off")
    try:
        t, marker, credentials = prepare(args)
        by_kind = queries(marker)
    except (RunError, OSError, ValueError, psycopg.Error) as exc:
        print(f"FAILED: {exc}")
        return 1
    targets = [
        (DATA_API, f"/api/v1/resources/{marker['resource_id']}/rows?", f"Authorization: Bearer {credentials['token']}"),
        (GATEWAY, f"/x/{gw.SERVICE}/records?", f"X-API-Key: {credentials['api_key']}"),
    ]
    chosen = [x for x in targets if args.target == "both" or x[0].replace(" ", "-").lower() == args.target]
    worker_log = t.var_dir / "worker.log"
    worker = workerlib.start(benchlib.ketnoi_env(t), worker_log)
    try:
        print("ketnoi worker: the set-up's jobs first (statistics, the search index, quality rules, e-mails) ...", flush=True)
        workerlib.wait_for_jobs(t, log=worker_log)
        soaks = [soak_target(wrk, t, worker, name, base, by_kind, header, args) for name, base, header in chosen]
    except RunError as exc:
        print(f"FAILED: {exc}")
        return 1
    finally:
        workerlib.stop(worker)
    try:
        audit = ds.checked(ds.ketnoi_cmd("audit", "verify"), "ketnoi audit verify", env=benchlib.ketnoi_env(t)).strip()
    except RunError as exc:
        audit = f"FAILED: {exc}"
    print(f"\nexchange log after the soak: {audit}")
    print_summary(soaks)
    if args.json:
        report |= {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "audit_verify": audit, "rows": marker["rows"]}
        report["soaks"] = [asdict(s) for s in soaks]
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"figures in {args.json}")
    return 1 if any(s.status != "ok" for s in soaks) else 0


if __name__ == "__main__":
    sys.exit(main())
