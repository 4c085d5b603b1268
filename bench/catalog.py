"""Catalog search latency with 50,000 generated datasets, on SQLite and on PostgreSQL (`make bench-catalog`).

For each database: build it with the real migrations and deterministic data (catalog_data.py),
start the real server (`ketnoi serve`, one worker), then load every search endpoint with wrk,
as an administrator (sees every dataset) and anonymously (public datasets only), with queries
picked at random from catalog_queries.txt. The open-data portal's search page and CKAN's
package_search (six facets counted on every request) are loaded anonymously, and
`ckanapi dump datasets --all` (the real client) is timed against each database. Prints req/s, p50/p95/p99, non-2xx responses and
PASS/FAIL against the target (p95 < 100 ms), and writes everything to bench/results/.

Exit status: 0 when every run ran cleanly, whether or not it met the target; 1 when a run failed
(the data could not be loaded, the server did not start, a response was not 2xx, wrk failed);
2 when wrk is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import benchlib
import catalog_report as report_
import reference
from benchlib import RunError, Server, Target, checked_get, cpu_per_request, machine_info, run_command, versions
from catalog_report import TARGET_P95_MS, Run, fmt_ms

SEARCH_CHECK = "du lieu"


@dataclass(frozen=True)
class Endpoint:
    name: str
    template: str  # {q} is replaced by the URL-encoded query
    auth: str  # how the administrator authenticates: "bearer" (API token) or "cookie" (login session, as a browser)
    actors: tuple[str, ...] = ("admin", "anonymous")


FACETS = "%5B%22organization%22%2C%22groups%22%2C%22tags%22%2C%22res_format%22%2C%22license_id%22%2C%22update_frequency%22%5D"
ENDPOINTS = [
    Endpoint("api list", "/api/v1/datasets?q={q}&limit=25", "bearer"),
    Endpoint("api list+total", "/api/v1/datasets?q={q}&include_total=true", "bearer"),
    Endpoint("html list page", "/datasets?q={q}", "cookie"),
    # The open-data portal and CKAN's package_search: public data only, whoever asks; six facets counted each time.
    Endpoint("portal search page", "/open?q={q}", "cookie", actors=("anonymous",)),
    Endpoint("ckan package_search", f"/api/3/action/package_search?q={{q}}&rows=10&facet.field={FACETS}", "bearer", actors=("anonymous",)),
]
# --baseline: the same list without a search, to tell the cost of searching from that of serving a page of 25.
BASELINE = Endpoint("api list, no q", "/api/v1/datasets?limit=25", "bearer")


def quote(q: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(q, safe="")


# -- data ----------------------------------------------------------------------------------------------


def read_marker(t: Target) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(t.marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def prepare_data(t: Target, args: argparse.Namespace) -> dict[str, Any]:
    """Generate the database (or reuse the last one with --reuse); returns what catalog_data.py reported."""
    marker = read_marker(t)
    wanted = (args.rows, args.seed, benchlib.GENERATOR_VERSION)
    if args.reuse and marker and (marker.get("rows"), marker.get("seed"), marker.get("generator_version")) == wanted:
        print(f"  reusing the {args.rows:,} datasets generated earlier (--reuse)")
        return marker
    print(f"  generating {args.rows:,} datasets (migrations, bulk insert, ANALYZE) ...", flush=True)
    started = time.perf_counter()
    cmd = [sys.executable, str(benchlib.BENCH / "catalog_data.py"), "--db", t.name, "--rows", str(args.rows), "--seed", str(args.seed)]
    proc = subprocess.run(cmd, env=benchlib.ketnoi_env(t), stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise RunError(f"data generation failed (exit {proc.returncode}); see the messages above")
    marker = read_marker(t)
    if marker is None:
        raise RunError("data generation did not write " + str(t.marker))
    counts = marker["counts"]
    print(
        f"  loaded in {time.perf_counter() - started:.1f} s: {counts['organizations']} organizations, {counts['databases']} databases, "
        f"{counts['datasets']:,} datasets ({counts['public_datasets']:,} public), {counts['dataset_tags']:,} tags, "
        f"{counts['data_items']:,} data items"
    )
    return marker


# -- checks before the load ----------------------------------------------------------------------------


def auth_header(endpoint: Endpoint, actor: str, marker: dict[str, Any]) -> str:
    if actor == "anonymous":
        return ""
    if endpoint.auth == "cookie":
        return f"Cookie: ketnoi_session={marker['session']}"
    return f"Authorization: Bearer {marker['token']}"


def check_totals(server: Server, marker: dict[str, Any]) -> dict[str, int]:
    """The administrator sees every dataset, the public the public ones: else the runs would measure the wrong thing."""
    counts = marker["counts"]
    expected = {"admin": counts["datasets"], "anonymous": counts["public_datasets"]}
    seen: dict[str, int] = {}
    for actor, want in expected.items():
        header = auth_header(ENDPOINTS[0], actor, marker)
        status, body = checked_get(server.port, "/api/v1/datasets?limit=1&include_total=true", header)
        if status != 200:
            raise RunError(f"GET /api/v1/datasets as {actor}: HTTP {status}: {body[:300]!r}")
        seen[actor] = json.loads(body)["total"]
        if seen[actor] != want:
            raise RunError(f"{actor} sees {seen[actor]} datasets, expected {want}: stale data? run again without --reuse")
    return seen


def probe(server: Server, endpoint: Endpoint, actor: str, marker: dict[str, Any]) -> tuple[int, float]:
    """One request with a common query: its status and its time (ms), before loading the endpoint."""
    started = time.perf_counter()
    status, _ = checked_get(server.port, endpoint.template.replace("{q}", quote(SEARCH_CHECK)), auth_header(endpoint, actor, marker))
    return status, (time.perf_counter() - started) * 1000


# -- wrk -----------------------------------------------------------------------------------------------


def parse_wrk(output: str) -> dict[str, Any]:
    """p50/p90/p99 from wrk's --latency table, everything else (p95 included) from catalog.lua's done()."""
    line = next((ln for ln in output.splitlines() if ln.startswith("CATALOG_BENCH ")), None)
    if line is None:
        raise RunError("wrk printed no CATALOG_BENCH line:\n" + output[-2000:])
    result: dict[str, Any] = json.loads(line.split(" ", 1)[1])
    table = benchlib.latency_table(output)
    if not {50, 90, 99} <= table.keys():
        raise RunError("no latency distribution in wrk's output (--latency):\n" + output[-2000:])
    result["table_ms"] = table
    return result


def wrk_load(
    wrk: str, port: int, template: str, header: str, seconds: float, args: argparse.Namespace, connections: int, queries: Path
) -> dict[str, Any]:
    cmd = [
        wrk,
        "-t",
        str(min(args.threads, connections)),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--latency",
        "--timeout",
        f"{args.timeout:g}s",
        "-s",
        str(benchlib.LUA_SCRIPT),
        f"http://127.0.0.1:{port}",
        "--",
        template,
        str(queries),
        header,
    ]
    try:
        proc = run_command(cmd, timeout=seconds + args.timeout + 30)
    except subprocess.TimeoutExpired as exc:
        raise RunError(f"wrk did not finish within {exc.timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise RunError(f"wrk exited with status {proc.returncode}: {proc.stderr.strip()[-1000:]}")
    return parse_wrk(proc.stdout)


def measure(wrk: str, server: Server, run: Run, header: str, args: argparse.Namespace, queries: Path) -> Run:
    """Load `run.path` with wrk (after a warm-up) and fill in the figures; the endpoint was checked already."""
    if args.warmup > 0:
        wrk_load(wrk, server.port, run.path, header, args.warmup, args, run.connections, queries)
    run.loadavg_before = round(os.getloadavg()[0], 2)
    cpu_before = server.cpu_seconds()
    result = wrk_load(wrk, server.port, run.path, header, args.duration, args, run.connections, queries)
    run.server_cpu_ms, run.db_cpu_ms = cpu_per_request(cpu_before, server.cpu_seconds(), result["requests"])
    table = result["table_ms"]
    run.requests, run.rps = result["requests"], round(result["rps"], 1)
    run.p50_ms, run.p90_ms, run.p99_ms = table[50], table[90], table[99]
    run.p95_ms = round(result["p95_us"] / 1000, 2)
    run.max_ms, run.mean_ms = round(result["max_us"] / 1000, 2), round(result["mean_us"] / 1000, 2)
    run.non2xx, run.first_non2xx_status = result["non2xx"], result["first_non2xx_status"]
    run.socket_errors = {k: v for k, v in result["errors"].items() if k != "status"}
    problems = []
    if not run.requests:
        problems.append(f"no request completed within {args.duration:g} s")
    if run.non2xx:
        problems.append(f"{run.non2xx} non-2xx responses (first: HTTP {run.first_non2xx_status})")
    if any(run.socket_errors.values()):
        problems.append(f"socket errors {run.socket_errors}")
    if not server.alive():
        problems.append("the server died")
    if problems:
        run.status, run.note = "failed", "; ".join(problems)
    return run


def measure_ketnoi(
    wrk: str, server: Server, endpoint: Endpoint, actor: str, marker: dict[str, Any], args: argparse.Namespace, conns: int
) -> Run:
    run = Run(server.target.name, endpoint.name, actor, endpoint.template, connections=conns)
    status, first_ms = probe(server, endpoint, actor, marker)
    if status == 404 and endpoint.auth == "cookie":
        run.status, run.note = "unavailable", "404: the page does not exist yet (not measured)"
        return run
    if not 200 <= status < 300:
        raise RunError(f"GET {endpoint.template} ({SEARCH_CHECK!r}) as {actor}: HTTP {status}")
    run.note = f"first request {first_ms:.0f} ms"
    return measure(wrk, server, run, auth_header(endpoint, actor, marker), args, benchlib.QUERIES_FILE)


# -- one database --------------------------------------------------------------------------------------


def bench_database(name: str, wrk: str, args: argparse.Namespace, report: dict[str, Any]) -> list[Run]:
    t = benchlib.target(name)
    t.var_dir.mkdir(parents=True, exist_ok=True)
    print(f"\n== {name}: {t.url}", flush=True)
    entry: dict[str, Any] = report["databases"].setdefault(name, {})
    runs: list[Run] = []
    try:
        marker = prepare_data(t, args)
        entry["data"] = {k: v for k, v in marker.items() if k not in ("token", "session")}
        server = Server(t, args.workers)
        entry["server_log"] = str(server.log_path.relative_to(benchlib.ROOT))
        server.start()
        try:
            entry["visible_totals"] = check_totals(server, marker)
            print(f"  server ready on port {server.port}; totals seen: {entry['visible_totals']}")
            check_count = ketnoi_count(server, marker, SEARCH_CHECK)
            for endpoint in ([BASELINE] if args.baseline else []) + ENDPOINTS:
                for actor in endpoint.actors:
                    for conns in args.connections:
                        do = partial(measure_ketnoi, wrk, server, endpoint, actor, marker, args, conns)
                        runs.append(one_run(do, Run(name, endpoint.name, actor, endpoint.template, connections=conns)))
            if args.ckanapi_dump:
                entry["ckanapi_dump"] = dump_or_why(server, marker)
        finally:
            server.stop()
        if name == "sqlite" and args.reference:
            runs += bench_reference(t, wrk, args, entry, check_count)
    except RunError as exc:
        print(f"  FAILED: {exc}", flush=True)
        entry["error"] = str(exc)
        runs.append(Run(name, "(setup)", "-", "-", status="failed", note=str(exc).splitlines()[0]))
    return runs


def dump_or_why(server: Server, marker: dict[str, Any]) -> dict[str, Any]:
    """The dump's figures, or why there are none (the measurements before it stand either way)."""
    try:
        return time_ckanapi_dump(server, marker)
    except (RunError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"  ckanapi dump datasets --all: FAILED: {exc}", flush=True)
        return {"error": str(exc)}


def time_ckanapi_dump(server: Server, marker: dict[str, Any]) -> dict[str, Any]:
    """`ckanapi dump datasets --all` (PyPI's client, 2 worker processes) against the server: how long a full harvest takes."""
    ckanapi = Path(sys.executable).parent / "ckanapi"
    out = server.target.var_dir / "ckanapi-dump.jsonl"
    env = {**os.environ, "PATH": f"{ckanapi.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        [str(ckanapi), "dump", "datasets", "--all", "-r", f"http://127.0.0.1:{server.port}", "-O", str(out), "-p", "2", "-q"],
        env=env, capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RunError(f"ckanapi dump failed (exit {proc.returncode}): {proc.stderr[-1000:]}")
    dumped = sum(1 for _ in out.open(encoding="utf-8"))
    expected = marker["counts"]["public_datasets"]
    if dumped != expected:
        raise RunError(f"ckanapi dump wrote {dumped} datasets, the catalog has {expected} public ones")
    print(f"  ckanapi dump datasets --all: {dumped:,} datasets in {seconds:.1f} s ({dumped / seconds:.0f} datasets/s)", flush=True)
    return {"datasets": dumped, "seconds": round(seconds, 1), "datasets_per_s": round(dumped / seconds, 1)}


def ketnoi_count(server: Server, marker: dict[str, Any], query: str) -> int:
    header = auth_header(ENDPOINTS[0], "admin", marker)
    status, body = checked_get(server.port, f"/api/v1/datasets?q={quote(query)}&limit=1&include_total=true", header)
    if status != 200:
        raise RunError(f"GET /api/v1/datasets?q={query!r}: HTTP {status}")
    total: int = json.loads(body)["total"]
    return total


def bench_reference(t: Target, wrk: str, args: argparse.Namespace, entry: dict[str, Any], ketnoi_matches: int) -> list[Run]:
    """The same load on Datasette serving the same SQLite file (see reference.py)."""
    print(f"  -- reference: {reference.NAME} on the same file", flush=True)
    exe, why = reference.datasette_bin()
    if exe is None:
        print(f"  reference not measured: {why}")
        return [Run(t.name, "(reference)", "-", "-", server=reference.NAME, status="unavailable", note=why)]
    queries, metadata = reference.write_inputs(t.var_dir)
    db_file = t.var_dir / "ketnoi.db"
    server = Server(t, command=reference.command(exe, db_file, metadata), ready_path="/-/versions.json", log_name="datasette.log")
    entry["reference_log"] = str(server.log_path.relative_to(benchlib.ROOT))
    runs: list[Run] = []
    server.start()
    try:
        status, body = checked_get(server.port, reference.count_path(SEARCH_CHECK))
        matches = json.loads(body).get("filtered_table_rows_count") if status == 200 else None
        if matches != ketnoi_matches:
            raise RunError(
                f"Datasette finds {matches} datasets for {SEARCH_CHECK!r} (HTTP {status}), ketnoi {ketnoi_matches}: not the same search"
            )
        print(f"  {reference.NAME} ready on port {server.port}; {matches} matches for {SEARCH_CHECK!r}, as ketnoi")
        for endpoint in ENDPOINTS:
            path = reference.PATHS[endpoint.name]
            for conns in args.connections:
                rows = "public rows" if endpoint.actors == ("anonymous",) else "all rows"
                run = Run(t.name, endpoint.name, rows, path, server=reference.NAME, connections=conns)
                runs.append(one_run(partial(measure, wrk, server, run, "", args, queries), replace(run)))
    finally:
        server.stop()
    return runs


def one_run(do: Callable[[], Run], failed: Run) -> Run:
    """Print and return the run `do` measures, or `failed` with the reason when it could not."""
    print(f"  {failed.endpoint:<15} {failed.actor:<9} c{failed.connections:<3} ", end="", flush=True)
    try:
        run = do()
    except RunError as exc:
        run = failed
        run.status, run.note = "failed", str(exc).splitlines()[0]
    if run.status == "ok":
        print(
            f"{run.rps:8.1f} req/s  p50 {fmt_ms(run.p50_ms)} ms  p95 {fmt_ms(run.p95_ms)} ms  p99 {fmt_ms(run.p99_ms)} ms"
            f"  cpu {report_.cpu_cell(run)} ms/req  (load {run.loadavg_before})",
            flush=True,
        )
    else:
        print(f"{run.status}: {run.note}", flush=True)
    return run


# -- main ----------------------------------------------------------------------------------------------


def connection_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("connections must be at least 1")
    return counts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=50_000, help="number of generated datasets (default 50000)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per run (default 10)")
    parser.add_argument(
        "--no-ckanapi-dump", dest="ckanapi_dump", action="store_false", help="skip timing `ckanapi dump datasets --all` on each database"
    )
    parser.add_argument(
        "--connections",
        type=connection_counts,
        default=[1, 4, 8],
        help="wrk connections (concurrent clients); each of a comma-separated list is a run (default 1,4,8)",
    )
    parser.add_argument("--workers", type=int, default=1, help="ketnoi serve --workers (default 1)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads, at most one per connection (default 2)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load before each run (default 2)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's request timeout in seconds (default 10)")
    parser.add_argument("--seed", type=int, default=472020, help="seed of the generated data")
    parser.add_argument("--reuse", action="store_true", help="reuse the data of the previous run when rows and seed match")
    parser.add_argument("--baseline", action="store_true", help="also load the API list without a search (the cost of a page of 25)")
    parser.add_argument(
        "--no-reference", dest="reference", action="store_false", help=f"skip the reference ({reference.NAME} on the SQLite file)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = benchlib.find_wrk()
    if wrk is None:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {k: v for k, v in vars(args).items()} | {"target_p95_ms": TARGET_P95_MS, "server_workers": args.workers},
        "machine": machine_info(),
        "versions": versions(wrk),
        "queries": benchlib.load_queries(),
        "databases": {},
    }
    m, v = report["machine"], report["versions"]
    print(f"machine: {m['nproc']} CPU ({m['cpu_model']}), {m['memory']}, {m['os']}, load average {m['loadavg']}")
    print("versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    print(
        f"load: wrk -c{','.join(map(str, args.connections))} -d{args.duration:g}s --latency (warm-up {args.warmup:g} s), "
        f"{len(report['queries'])} queries, server: ketnoi serve ({args.workers} worker{'s' if args.workers > 1 else ''})"
    )
    if m["loadavg"][0] > 0.5 * m["nproc"]:
        print(f"warning: the machine is busy (load average {m['loadavg'][0]} on {m['nproc']} CPUs): latencies will be inflated")
    runs: list[Run] = []
    for name in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        runs.extend(bench_database(name, wrk, args, report))
    report_.print_table(runs, TARGET_P95_MS)
    report_.print_ratios(runs)
    path = report_.write(report, runs)
    failed = [r for r in runs if r.status == "failed"]
    missed = [r for r in runs if r.server == "ketnoi" and r.passed is False]
    summary = f"{len(runs)} runs: {len(failed)} failed, {len(missed)} of ketnoi's over the p95 target"
    print(f"\n{summary}; results in {path.relative_to(benchlib.ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
