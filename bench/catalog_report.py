"""The catalog benchmark's figures: the run record, the table, the ratios against the reference, the JSON report."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import benchlib

TARGET_P95_MS = 100.0


@dataclass
class Run:
    db: str
    endpoint: str
    actor: str
    path: str
    server: str = "ketnoi"  # or the reference tool (reference.NAME)
    connections: int = 8
    status: str = "ok"  # ok | failed | unavailable
    note: str = ""
    requests: int = 0
    rps: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None
    non2xx: int = 0
    first_non2xx_status: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    loadavg_before: float = 0.0
    server_cpu_ms: float | None = None  # CPU time of the server process per request (SQLite work included)
    db_cpu_ms: float | None = None  # PostgreSQL: CPU time of the backends of the bench database per request

    @property
    def passed(self) -> bool | None:
        if self.status != "ok" or self.p95_ms is None:
            return None
        return self.p95_ms < TARGET_P95_MS


def verdict(run: Run) -> str:
    if run.status == "unavailable":
        return "NOT MEASURED"
    if run.status == "failed":
        return "ERROR"
    if run.server != "ketnoi":
        return "(reference)"
    return "PASS" if run.passed else "FAIL"


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def cpu_cell(run: Run) -> str:
    """Server CPU ms per request, '+' the PostgreSQL backends' when there are any."""
    if run.server_cpu_ms is None:
        return "-"
    return f"{run.server_cpu_ms:.1f}" + (f"+{run.db_cpu_ms:.1f}" if run.db_cpu_ms is not None else "")


def print_table(runs: list[Run], target_ms: float) -> None:
    titles = ("req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "non-2xx")
    numbers = "".join(f"{title:>9}" for title in titles) + f"{'cpu ms/req':>12}"
    header = f"{'database':<9} {'server':<17} {'endpoint':<15} {'actor':<9} {'conns':>5}{numbers}  p95<{target_ms:g}ms"
    print("\n" + header)
    print("-" * len(header))
    for r in runs:
        rps = f"{r.rps:.1f}" if r.status == "ok" else "-"
        print(
            f"{r.db:<9} {r.server:<17} {r.endpoint:<15} {r.actor:<9} {r.connections:>5}{rps:>9}{fmt_ms(r.p50_ms):>9}"
            f"{fmt_ms(r.p90_ms):>9}{fmt_ms(r.p95_ms):>9}{fmt_ms(r.p99_ms):>9}{r.non2xx:>9}{cpu_cell(r):>12}  {verdict(r)}"
        )
    print("cpu ms/req: CPU time per request of the server's processes (SQLite's work included) + PostgreSQL's backends")
    for r in runs:
        if r.status != "ok":
            print(f"  {r.db} {r.server} {r.endpoint} {r.actor}: {r.note}")


def print_ratios(runs: list[Run]) -> None:
    """ketnoi (administrator: sees every row) against the reference on the same SQLite file, the same load."""
    pairs = []
    for ref in runs:
        if ref.server == "ketnoi" or ref.status != "ok":
            continue
        ours = next(
            (
                r
                for r in runs
                if r.server == "ketnoi"
                and r.status == "ok"
                and r.db == ref.db
                and r.actor == "admin"
                and r.endpoint == ref.endpoint
                and r.connections == ref.connections
            ),
            None,
        )
        if ours is not None and ours.p95_ms and ref.p95_ms and ref.rps:
            pairs.append((ours, ref))
    if not pairs:
        return
    print(f"\nketnoi (admin) against {pairs[0][1].server}, same SQLite file and FTS5 index, same queries, same load")
    columns = f"{'ketnoi req/s':>13} {'ref req/s':>10} {'× req/s':>8} {'ketnoi p95':>11} {'ref p95':>8} {'p95 ÷':>7}"
    print(f"{'endpoint':<15} {'conns':>5} {columns}")
    for ours, ref in pairs:
        assert ours.p95_ms is not None and ref.p95_ms is not None
        print(
            f"{ours.endpoint:<15} {ours.connections:>5} {ours.rps:>13.1f} {ref.rps:>10.1f} {ours.rps / ref.rps:>8.2f}"
            f" {ours.p95_ms:>11.1f} {ref.p95_ms:>8.1f} {ours.p95_ms / ref.p95_ms:>7.2f}"
        )
    print("× req/s above 1: ketnoi serves more; p95 ÷ below 1: ketnoi answers faster")


def write(report: dict[str, Any], runs: list[Run]) -> Path:
    benchlib.RESULTS.mkdir(parents=True, exist_ok=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["results"] = [asdict(r) | {"verdict": verdict(r)} for r in runs]
    path = benchlib.RESULTS / f"catalog-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
