"""What the benchmarks (catalog.py, datastore.py) share: paths, the databases, the isolated
environment, the machine and versions, a server on a free port, wrk's latency table.

Nothing here imports ketnoi: the ketnoi settings are read from the environment once, so every
process that imports ketnoi gets its environment (KETNOI_DATABASE_URL, KETNOI_VAR_DIR) from
`ketnoi_env()` before it starts.
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
QUERIES_FILE = BENCH / "catalog_queries.txt"
LUA_SCRIPT = BENCH / "catalog.lua"
VENV_BIN = ROOT / ".venv" / "bin"

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "ketnoi_bench"
GENERATOR_VERSION = 2  # bump when catalog_data.py generates different data, so --reuse does not reuse old data
BENCH_SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway key for a throwaway database


@dataclass(frozen=True)
class Target:
    """One database the benchmark runs against."""

    name: str  # "sqlite" | "postgres"
    url: str
    var_dir: Path
    # More KETNOI_* settings of every ketnoi process on it (bench/soak.py: Redis), so that the set-up
    # commands queue their jobs where the worker takes them.
    settings: tuple[tuple[str, str], ...] = ()

    @property
    def marker(self) -> Path:
        """Written after a complete load: what was generated, and the secrets to log in with."""
        return self.var_dir / "generated.json"


def target(name: str, *, data: Path = DATA, database: str = PG_DATABASE, settings: dict[str, str] | None = None) -> Target:
    """The SQLite file `<data>/sqlite/ketnoi.db`, or the PostgreSQL database `database`."""
    var_dir = data / name
    more = tuple((settings or {}).items())
    if name == "sqlite":
        return Target(name, f"sqlite:///{var_dir / 'ketnoi.db'}", var_dir, more)
    if name == "postgres":
        return Target(name, f"{PG_SERVER}/{database}", var_dir, more)
    raise ValueError(f"unknown database {name!r} (sqlite or postgres)")


def ketnoi_env(t: Target) -> dict[str, str]:
    """The environment of a ketnoi process working on `t`: inherited KETNOI_* settings removed, `t.settings` added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env.update(
        KETNOI_DATABASE_URL=t.url,
        KETNOI_VAR_DIR=str(t.var_dir),
        KETNOI_SECRET_KEY=BENCH_SECRET_KEY,
        PYTHONUNBUFFERED="1",
    )
    env.update(t.settings)
    return env


def load_queries() -> list[str]:
    """The search queries the load tool picks from (one per line; '#' starts a comment)."""
    lines = QUERIES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class RunError(Exception):
    """A run that could not be measured (as opposed to one that missed the target)."""


def run_command(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command of ours (absolute paths, no shell) and capture its output."""
    return subprocess.run(cmd, env=env, timeout=timeout, capture_output=True, text=True, check=False)  # noqa: S603


def find_wrk() -> str | None:
    return shutil.which("wrk") or ("/usr/bin/wrk" if os.path.exists("/usr/bin/wrk") else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_get(port: int, path: str, header: str = "", timeout: float = 60.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {}
        if header:
            name, value = header.split(":", 1)
            headers[name.strip()] = value.strip()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def checked_get(port: int, path: str, header: str = "") -> tuple[int, bytes]:
    """http_get for the checks: a connection problem is a failed run."""
    try:
        return http_get(port, path, header)
    except OSError as exc:
        raise RunError(f"GET {path}: {type(exc).__name__}: {exc}") from exc


# -- machine and versions ------------------------------------------------------------------------------


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def os_release() -> str:
    path = Path("/etc/os-release")
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def machine_info() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0]
    return {
        "hostname": platform.node(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "memory": " ".join(meminfo.split()[1:]),
        "os": os_release(),
        "kernel": platform.release(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def versions(wrk: str | None = None) -> dict[str, Any]:
    """Python, SQLite, ketnoi's main packages, git's HEAD; and wrk's version when given its path."""
    out: dict[str, Any] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("ketnoi", "fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg", "pydantic"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    if wrk is not None:
        wrk_v = run_command([wrk, "-v"])
        out["wrk"] = (wrk_v.stdout or wrk_v.stderr).splitlines()[0].strip() if (wrk_v.stdout or wrk_v.stderr) else None
    git = shutil.which("git")
    if git:
        head = run_command([git, "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).stdout.strip()
        dirty = run_command([git, "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
        out["git"] = head + ("+dirty" if dirty else "")
    return out


# -- a server on a free port ---------------------------------------------------------------------------

READY_TIMEOUT_S = 60.0


class Server:
    """A server on a free port: `ketnoi serve --workers N` with the benchmark's isolated environment,
    or (with `command`) a reference tool, with `extra_env` added to its environment."""

    def __init__(
        self,
        t: Target,
        workers: int = 1,
        *,
        command: list[str] | None = None,
        ready_path: str = "/-/ready",
        log_name: str = "server.log",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.target = t
        self.workers = workers
        self.port = free_port()
        self.log_path = t.var_dir / log_name
        self.ready_path = ready_path
        ketnoi = [str(VENV_BIN / "ketnoi"), "serve", "--host", "127.0.0.1", "--workers", str(workers)]
        self.command = [*(command or ketnoi), "--port", str(self.port)]
        self.env = ketnoi_env(t) if command is None else {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
        self.env.update(extra_env or {})
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RunError(f"the server exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if http_get(self.port, self.ready_path, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RunError(f"the server did not answer {self.ready_path} with 200 within {READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> dict[int, float]:
        """CPU time so far of the server's processes (its workers included) and, on PostgreSQL,
        of each backend of the bench database (keyed by -pid, to tell them apart)."""
        server = sum(proc_cpu_seconds(pid) for pid in process_tree(self.proc.pid)) if self.proc else 0.0
        times = {0: server}
        if self.target.name == "postgres":
            times |= {-pid: proc_cpu_seconds(pid) for pid in pg_backends(self.target.url.rsplit("/", 1)[1])}
        return times

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's workers are children of the process we started)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is field 3, utime 14, stime 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_connect_args(database: str = "postgres") -> dict[str, Any]:
    """psycopg.connect() arguments for PG_SERVER (postgres@127.0.0.1:5432)."""
    user, hostport = PG_SERVER.split("://", 1)[1].split("@")
    host, port = hostport.split(":")
    return {"host": host, "port": port, "user": user, "dbname": database}


def pg_backends(database: str = PG_DATABASE) -> list[int]:
    import psycopg

    with psycopg.connect(**pg_connect_args(), autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)).fetchall()
    return [int(row[0]) for row in rows]


def cpu_per_request(before: dict[int, float], after: dict[int, float], requests: int) -> tuple[float, float | None]:
    """(server processes, database backends) CPU milliseconds per request between two snapshots."""
    n = max(requests, 1)
    server = (after.get(0, 0.0) - before.get(0, 0.0)) * 1000 / n
    backends = [pid for pid in after if pid != 0]
    if not backends:
        return round(server, 2), None
    db = sum(after[pid] - before.get(pid, 0.0) for pid in backends) * 1000 / n
    return round(server, 2), round(db, 2)


# -- wrk -----------------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DISTRIBUTION = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)


def latency_table(output: str) -> dict[int, float]:
    """wrk's --latency table (50, 75, 90, 99 %) in milliseconds; empty when absent."""
    return {int(p): float(v) * _UNITS_MS[unit] for p, v, unit in _DISTRIBUTION.findall(output)}
