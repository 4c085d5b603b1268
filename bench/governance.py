"""The leader's governance pages and reports with a ministry-sized history, on SQLite and PostgreSQL (`make bench-governance`).

Issue 7: "The leader dashboard and each report for a ministry with 30 units, 500 databases, 5,000
datasets and 3 years of history render in < 2 s on this machine."

For each database: build it (governance_data.py, in a subprocess with benchlib.ketnoi_env(): data dir
bench/.data/governance/<db>/, PostgreSQL database ketnoi_bench_governance), start `ketnoi serve`
(one worker), then for each page: 1 warm-up request, then N sequential requests (default 10), each
on a new connection and timed to the last byte of the body (as curl's time_total) by a child
process (urllib). Prints median and max and PASS/FAIL against 2 s; writes bench/results/governance-<UTC>.json.
Pages are fetched as the administrator: HTML pages and downloads with the login session cookie
(as a browser), the API with the bearer token. A route that answers 404 on a report another area is
still adding is NOT MEASURED.

Exit status: 0 when every request succeeded, whether or not it met the target; 1 when one failed
(the data could not be built, the server did not start, a response was not 200).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import benchlib
from benchlib import RunError, Server, Target, machine_info, run_command, versions
from governance_data import YEARS

TARGET_MS = 2000.0
DATABASE = "ketnoi_bench_governance"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    auth: str = "cookie"  # "cookie" (a browser) or "bearer" (the API)
    optional: bool = False  # being added by another engineer: 404 is NOT MEASURED, not a failure


def pages(marker: dict[str, Any]) -> list[Page]:
    now = max(YEARS)
    out = [Page(f"plan dashboard {y}", f"/plan/dashboard?year={y}") for y in YEARS]
    out += [
        Page(f"api plan dashboard {now}", f"/api/v1/plan/dashboard?year={now}", auth="bearer"),
        Page("quality overview", "/quality"),
        *(Page(f"inspection {y}", f"/quality/inspections/{y}") for y in YEARS),
        Page(f"inspection {now} .docx", f"/quality/inspections/{now}/report.docx"),
        Page(f"inspection {now} .xlsx", f"/quality/inspections/{now}/report.xlsx"),
        Page("catalogs", "/catalogs"),
        Page(f"plan report {now} .docx", f"/plan/report.docx?year={now}", optional=True),
        Page(f"plan report {now} H1 .docx", f"/plan/report.docx?year={now}&half=1", optional=True),
        Page(f"plan report {now} .xlsx", f"/plan/report.xlsx?year={now}", optional=True),
        Page(f"connection report {now} .docx", f"/plan/connection-report.docx?year={now}", optional=True),
        Page(f"connection report {now} .xlsx", f"/plan/connection-report.xlsx?year={now}", optional=True),
        Page(f"training report {now} .docx", f"/training/report.docx?year={now}"),
        Page(f"training report {now} .xlsx", f"/training/report.xlsx?year={now}"),
    ]
    for kind, version in marker.get("counts", {}).get("catalog_versions", {}).items():
        out += [Page(f"catalog {kind} {fmt}", f"/catalogs/{version}/catalog.{fmt}") for fmt in ("docx", "xlsx", "json")]
        out.append(Page(f"public catalog {kind}", f"/open/catalogs/{version}"))
    return out


@dataclass
class Run:
    db: str
    page: str
    path: str
    status: str = "ok"  # ok | failed | not measured
    median_ms: float | None = None
    max_ms: float | None = None
    times_ms: list[float] = field(default_factory=list)
    first_ms: float | None = None  # the warm-up request
    bytes: int | None = None
    note: str = ""

    @property
    def passed(self) -> bool | None:
        return None if self.max_ms is None else self.max_ms < TARGET_MS


# The child process: warm-up + N requests, each on its own connection, timed to the last byte.
CLIENT = r"""
import json, sys, time, urllib.request, urllib.error
url, header, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
headers = dict([header.split(": ", 1)]) if header else {}
out = {"times_ms": [], "status": None, "bytes": None}
for i in range(n + 1):
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:
            body, status = r.read(), r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    ms = (time.perf_counter() - started) * 1000
    if status != 200:
        out["status"], out["error"] = status, body[:300].decode("utf-8", "replace")
        break
    out["status"], out["bytes"] = status, len(body)
    if i == 0:
        out["first_ms"] = round(ms, 1)
    else:
        out["times_ms"].append(round(ms, 1))
print(json.dumps(out))
"""


def measure(server: Server, page: Page, marker: dict[str, Any], n: int) -> Run:
    run = Run(server.target.name, page.name, page.path)
    header = f"Cookie: ketnoi_session={marker['session']}" if page.auth == "cookie" else f"Authorization: Bearer {marker['token']}"
    try:
        proc = run_command(
            [sys.executable, "-c", CLIENT, f"http://127.0.0.1:{server.port}{page.path}", header, str(n)], timeout=600 + 120 * n
        )
    except subprocess.TimeoutExpired:
        run.status, run.note = "failed", "the client did not finish"
        return run
    if proc.returncode != 0:
        run.status, run.note = "failed", f"client: {proc.stderr.strip()[-300:]}"
        return run
    out = json.loads(proc.stdout)
    if out["status"] == 404 and page.optional:
        run.status, run.note = "not measured", "404: the route does not exist yet"
    elif out["status"] != 200:
        run.status, run.note = "failed", f"HTTP {out['status']}: {out.get('error', '')[:200]}"
    else:
        run.times_ms, run.first_ms, run.bytes = out["times_ms"], out.get("first_ms"), out["bytes"]
        run.median_ms, run.max_ms = round(statistics.median(run.times_ms), 1), max(run.times_ms)
    return run


def prepare(t: Target) -> dict[str, Any]:
    print("  building the data (governance_data.py) …", flush=True)
    started = time.perf_counter()
    proc = run_command(
        [sys.executable, str(benchlib.BENCH / "governance_data.py"), "--db", t.name], env=benchlib.ketnoi_env(t), timeout=3600
    )
    if proc.returncode != 0:
        raise RunError(f"governance_data.py failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    marker: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  data built in {time.perf_counter() - started:.0f} s: {fmt_counts(marker['counts'])}", flush=True)
    return marker


def fmt_counts(counts: dict[str, Any]) -> str:
    keys = ("organizations", "databases", "datasets", "plan_instances", "progress_reports", "quality_runs", "quality_results",
            "inspection_unit_reports")  # fmt: skip
    return ", ".join(f"{counts[k]:,} {k}" for k in keys if k in counts)


def bench_database(name: str, args: argparse.Namespace, report: dict[str, Any]) -> list[Run]:
    t = benchlib.target(name, data=benchlib.DATA / "governance", database=DATABASE)
    t.var_dir.mkdir(parents=True, exist_ok=True)
    print(f"\n== {name}: {t.url}", flush=True)
    entry: dict[str, Any] = report["databases"].setdefault(name, {})
    runs: list[Run] = []
    try:
        marker = prepare(t)
        entry["data"] = {k: v for k, v in marker.items() if k not in ("token", "session")}
        server = Server(t, 1)
        entry["server_log"] = str(server.log_path.relative_to(benchlib.ROOT))
        server.start()
        try:
            for page in pages(marker):
                run = measure(server, page, marker, args.n)
                runs.append(run)
                print(f"  {page.name:<30} {row_cells(run)}", flush=True)
        finally:
            server.stop()
    except RunError as exc:
        print(f"  FAILED: {exc}", flush=True)
        entry["error"] = str(exc)
        runs.append(Run(name, "(setup)", "-", status="failed", note=str(exc).splitlines()[0]))
    return runs


def verdict(run: Run) -> str:
    if run.status != "ok":
        return run.status.upper()
    return "PASS" if run.passed else "FAIL"


def row_cells(run: Run) -> str:
    if run.status != "ok":
        return f"{verdict(run)}: {run.note}"
    return f"median {run.median_ms:7.1f} ms  max {run.max_ms:7.1f} ms  {verdict(run)}  ({run.bytes:,} bytes, first {run.first_ms} ms)"


def print_table(runs: list[Run], n: int) -> None:
    print(f"\n| database | page | path | median ms | max ms | < 2 s |  (N={n} after 1 warm-up)")
    print("|---|---|---|---:|---:|---|")
    for r in runs:
        median = "" if r.median_ms is None else f"{r.median_ms:.0f}"
        worst = "" if r.max_ms is None else f"{r.max_ms:.0f}"
        print(f"| {r.db} | {r.page} | `{r.path}` | {median} | {worst} | {verdict(r)} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("-n", type=int, default=10, help="measured requests per page after the warm-up (default 10)")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"n": args.n, "warmup": 1, "target_ms": TARGET_MS, "server_workers": 1, "client": "urllib, a new connection a request"},
        "machine": machine_info(),
        "versions": versions(),
        "databases": {},
    }
    m = report["machine"]
    print(f"machine: {m['nproc']} CPU ({m['cpu_model']}), {m['memory']}, load average {m['loadavg']}")
    runs: list[Run] = []
    for name in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        runs.extend(bench_database(name, args, report))
    print_table(runs, args.n)
    report["runs"] = [asdict(r) | {"passed": r.passed} for r in runs]
    benchlib.RESULTS.mkdir(exist_ok=True)
    path = benchlib.RESULTS / f"governance-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    failed = [r for r in runs if r.status == "failed"]
    missed = [r for r in runs if r.passed is False]
    print(f"\n{len(runs)} pages: {len(failed)} failed, {len(missed)} over 2 s; results in {path.relative_to(benchlib.ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
