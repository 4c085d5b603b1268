"""ketnoi's own processes for the fault tests: started for real, each in a process group of its own, and
every one of them killed whole when the test ends, however it ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

KETNOI = Path(sys.executable).parent / "ketnoi"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], what: str, *, timeout: float = 60) -> None:
    """Until `check()` holds; a failure naming `what` if it never does (a bound, not a timing assert)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Processes:
    """The processes a test starts; `kill_all()` (called by `started()`) leaves none behind."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        with (self.home / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(args, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(process)
        return process

    def serve(self, env: Mapping[str, str], name: str = "serve") -> tuple[subprocess.Popen[bytes], str]:
        """`ketnoi serve` on a free port, once it answers /-/health; the process and its base URL."""
        port = free_port()
        server = self.start(name, [str(KETNOI), "serve", "--host", "127.0.0.1", "--port", str(port)], env)
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert server.poll() is None, f"{name} exited: {self.log(name)}"
            try:
                return httpx.get(f"{url}/-/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, f"{name} to answer")
        return server, url

    def worker(self, env: Mapping[str, str], name: str = "worker") -> subprocess.Popen[bytes]:
        return self.start(name, [str(KETNOI), "worker"], env)

    def kill_9(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL to the whole group: no handler runs, nothing is flushed or rolled back by the process."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_all(self) -> None:
        for process in self.running:
            with suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill_9(process)

    def log(self, name: str, *, tail: int = 3000) -> str:
        """The end of what a process wrote (`tail=0`: all of it)."""
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""


@contextmanager
def started(home: Path) -> Iterator[Processes]:
    processes = Processes(home)
    try:
        yield processes
    finally:
        processes.kill_all()
