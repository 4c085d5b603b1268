"""Nothing acknowledged to a consumer is missing from the exchange log after a crash (kill -9 of the server mid-burst),
and a server started again on the same database serves the gateway on, the chain going on from where it stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.sharing import evidence
from ketnoi.sharing.evidence import ExchangeRecord
from tests.sharing.conftest import World, ask_connection

CLIENTS = 6
KILL_AFTER = 120  # acknowledged answers before the kill
AFTER_RESTART = 10  # calls to the server started again


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "ketnoi"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # its own group, killed whole
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")


def test_every_acknowledged_exchange_survives_a_kill_9(api: TestClient, gateway: World, db: Session, tmp_path: Path) -> None:
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu", "ten_nhiem_vu"])
    ask_connection(api, gateway.other_key, "DV.MACDINH", ["ma_nhiem_vu"])
    db.commit()
    port = _free_port()
    server = _serve(port, tmp_path / "server.log")
    acknowledged: list[tuple[int, int, str]] = []  # (seq, status, digest) of every answer received whole
    lock, stop = threading.Lock(), threading.Event()

    def client(key: dict[str, str]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=key, timeout=10) as http:
            while not stop.is_set():
                try:
                    response = http.get("/x/DV.MACDINH/records", params={"limit": "2"})
                except httpx.HTTPError:
                    continue  # the server is gone: nothing was acknowledged
                seq, digest = int(response.headers["ketnoi-exchange"]), response.headers["content-digest"]
                with lock:
                    acknowledged.append((seq, response.status_code, digest))

    threads = [threading.Thread(target=client, args=(gateway.key if i % 2 else gateway.other_key,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.01)
        os.killpg(server.pid, signal.SIGKILL)  # mid-burst: requests in flight die with it
        server.wait(timeout=10)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert len(acknowledged) >= KILL_AFTER, (tmp_path / "server.log").read_text()[-2000:]
    db.rollback()  # a fresh look at what the dead server left
    logged = {r.seq: (r.status, r.response_digest) for r in db.scalars(select(ExchangeRecord))}
    missing = [(seq, status) for seq, status, digest in acknowledged if logged.get(seq) != (status, digest)]
    assert missing == [], f"{len(missing)} acknowledged exchanges not in the log"
    assert {status for _, status, _ in acknowledged} == {200}
    assert len(logged) >= len(acknowledged)  # some may be logged whose answer the kill cut off: never the reverse
    assert evidence.verify(db).ok
    db.rollback()
    _restart_and_go_on(max(logged), gateway, tmp_path)


def _restart_and_go_on(last_seq: int, gateway: World, tmp_path: Path) -> None:
    """A new server on the same database: its exchanges follow the last one logged, and `ketnoi audit verify` passes."""
    port = _free_port()
    server = _serve(port, tmp_path / "server-2.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=gateway.key, timeout=10) as http:
            answers = [http.get("/x/DV.MACDINH/records", params={"limit": "2"}) for _ in range(AFTER_RESTART)]
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    assert [a.status_code for a in answers] == [200] * AFTER_RESTART
    assert [int(a.headers["ketnoi-exchange"]) for a in answers] == list(range(last_seq + 1, last_seq + 1 + AFTER_RESTART))
    ketnoi = str(Path(sys.executable).parent / "ketnoi")
    verified = subprocess.run([ketnoi, "audit", "verify"], capture_output=True, text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{last_seq + AFTER_RESTART:,} bản ghi".replace(",", ".") in verified.stdout
