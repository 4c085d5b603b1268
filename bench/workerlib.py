"""A `ketnoi worker` beside a benchmark's processes, and waiting for the jobs it runs (sync.py, soak.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import benchlib
from benchlib import RunError, Target

import datastore


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`ketnoi worker` with this environment, its output to `log`, in a process group of its own (stop() ends it whole)."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own command
            datastore.ketnoi_cmd("worker"), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=benchlib.ROOT, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGTERM to the worker's group (it finishes the job in hand), SIGKILL after `timeout` seconds."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_jobs(t: Target, timeout: float = 600, log: Path | None = None) -> None:
    """Until no job of `t`'s database is queued or running (the worker has done them all)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not datastore.sql(t, "SELECT 1 FROM jobs WHERE status IN ('queued', 'running') LIMIT 1"):
            return
        time.sleep(0.5)
    raise RunError(f"jobs still queued after {timeout:.0f} s (see {log or t.var_dir / 'worker.log'})")
