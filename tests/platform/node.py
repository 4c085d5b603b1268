"""A scaled-out node for the tests: `ketnoi serve` twice, `ketnoi worker` twice, and nginx, each in a
process group of its own (killed whole, whatever happens), on the suite's PostgreSQL and Redis DB 13.

The processes inherit the test's environment (tests/conftest.py: its database, var directory and
secret key), so what a test commits is what they see, and they share the var directory (uploaded
files, the node's signing key) as the processes of one machine do.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
KETNOI = Path(sys.executable).parent / "ketnoi"
NGINX = Path("/usr/sbin/nginx")
REDIS_URL = "redis://127.0.0.1:6379/13"  # this file's own database number (tests/sharing/test_limiter.py has 14, tests/jobs 15)
MAX_UPLOAD_MB = 1  # small, so that uploads at and over the limit are cheap
ADDRESS_FAILURES = 3  # failed logins from one address before it must wait
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str, *, seconds: float = STARTUP_SECONDS, logs: tuple[Path, ...] = ()) -> None:
    """Until `condition()` holds; a failure names what did not happen and shows the end of the logs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists())
    raise AssertionError(f"{what}: not within {seconds:.0f} s\n{tails}")


@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    ready: Callable[[Process], bool]
    env: dict[str, str] | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """The whole group (uvicorn's worker processes with their supervisor), then wait for it."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # gone meanwhile
                os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def lines(self) -> list[dict[str, Any]]:
        """The process's JSON log lines (anything else it printed is skipped)."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found


def _answers_health(port: int) -> Callable[[Process], bool]:
    def ready(process: Process) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return ready


def _consuming(process: Process) -> bool:
    return any(str(line.get("message", "")).startswith("Huey consumer started") for line in process.lines())


@dataclass
class Node:
    """Web processes `a` and `b`, and two workers competing for the jobs."""

    home: Path
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        env = os.environ | {
            "KETNOI_REDIS_URL": REDIS_URL,
            "KETNOI_JOBS_IMMEDIATE": "false",
            "KETNOI_LOG_FORMAT": "json",
            "KETNOI_LOG_LEVEL": "INFO",
            "KETNOI_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
            "KETNOI_LOGIN_ADDRESS_FAILURES": str(ADDRESS_FAILURES),
        }
        self.ports = {"a": free_port(), "b": free_port()}
        # a: `--workers 2` (uvicorn's own processes behind one port); b: as deploy/systemd/ketnoi-web@.service runs it.
        for name, options in (("a", ["--workers", "2"]), ("b", ["--workers", "1", "--forwarded-allow-ips", "127.0.0.1"])):
            command = [str(KETNOI), "serve", "--host", "127.0.0.1", "--port", str(self.ports[name]), *options]
            self.processes[f"web-{name}"] = Process(
                f"web-{name}", command, self.home / f"web-{name}.log", _answers_health(self.ports[name]), env
            )
        # As docs/deploy.md runs them: one worker does the periodic work, the other only takes jobs.
        for name, extra in (("worker-1", []), ("worker-2", ["--no-periodic"])):
            command = [str(KETNOI), "worker", "--workers", "2", *extra]
            self.processes[name] = Process(name, command, self.home / f"{name}.log", _consuming, env)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def workers(self) -> list[Process]:
        return [p for name, p in self.processes.items() if name.startswith("worker")]

    def start(self) -> None:
        """Start whatever is not running (all at once), and wait until each answers or consumes."""
        starting = [p for p in self.processes.values() if not p.alive()]
        for process in starting:
            process.start()
        for process in starting:
            wait_for(lambda p=process: p.ready(p) or not p.alive(), f"{process.name} ready", logs=(process.log,))  # type: ignore[misc]
            assert process.alive(), f"{process.name} stopped: {process.log.read_text(errors='replace')[-3000:]}"

    def stop(self) -> None:
        for process in self.processes.values():
            process.kill(signal.SIGTERM)
