"""kill -9 during ingestion: of the worker loading an upload, and of the server receiving one.

Real processes: `ketnoi serve` takes the upload through the API and `ketnoi worker` loads it, on the
suite's database (SQLite or PostgreSQL). The queue is Huey's SQLite file in a var directory of the
test's own (the embedded default), not Redis: the fault under test is the database transaction of
a killed worker, which a Redis queue would not change, and a private queue keeps the two halves of
`make test`, running side by side, from ever taking each other's jobs.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.catalog import items
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.datastore.tasks import INGEST
from ketnoi.identity import actor_for, system_actor
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import INTERRUPTED
from tests import factories as f
from tests.datastore.conftest import datastore_tables
from tests.platform.faults import Processes, started, wait_for

HEADER = ["Mã đề tài", "Tên đề tài", "Năm bắt đầu", "Kinh phí (triệu đồng)"]
SMALL = 3
BIG = 150_000  # rows: the load is still going when the worker is killed (checked, not assumed)
NEXT = 2_000  # rows of the upload after the fault: any next load must work; its size proves nothing more


def _csv(rows: int, start: int = 1) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([f"DT-{n:06d}", f"Đề tài nghiên cứu số {n}", 2000 + n % 25, f"{n % 997},5"] for n in range(start, start + rows))
    return out.getvalue().encode()


@dataclass
class Node:
    """The suite's database, with a var directory (files, job queue) of the test's own for the processes."""

    processes: Processes
    env: dict[str, str]
    var: Path
    resource_id: uuid.UUID
    headers: dict[str, str]

    def upload(self, base: str, body: bytes, name: str = "de_tai.csv") -> str:
        answer = httpx.post(f"{base}/api/v1/resources/{self.resource_id}/ingest", files={"file": (name, body, "text/csv")},
                            headers=self.headers, timeout=60)  # fmt: skip
        assert answer.status_code == 202, answer.text
        return str(answer.json()["job_id"])

    def job(self, base: str, job_id: str) -> dict[str, Any]:
        answer = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=self.headers, timeout=30)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def finished(self, base: str, job_id: str) -> dict[str, Any]:
        wait_for(lambda: self.job(base, job_id)["status"] in ("succeeded", "failed"), f"job {job_id} to end", timeout=120)
        return self.job(base, job_id)

    def served(self, base: str) -> tuple[int, int]:
        """(version, row count) the data API serves now."""
        answer = httpx.get(f"{base}/api/v1/resources/{self.resource_id}/rows", params={"limit": "1", "count": "exact"},
                           headers=self.headers, timeout=30)  # fmt: skip
        assert answer.status_code == 200, answer.text
        return answer.json()["version"], answer.json()["total"]

    def stored_files(self) -> set[str]:
        root = self.var / "files"
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def node(db: Session, tmp_path: Path) -> Iterator[Node]:
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    dataset = f.dataset(db, f.database(db, unit), "Đề tài khoa học").dataset
    resource = items.add_resource(db, actor=system_actor(), dataset_id=dataset.id, name="Danh mục đề tài", description=None,
                                  filename="de_tai.csv", stream=io.BytesIO(_csv(SMALL)), max_bytes=1 << 20)  # fmt: skip
    steward = f.user(db, "steward", unit, username="canbo")
    _, secret = auth.create_token(db, actor=actor_for(db, steward), name="t")
    db.commit()
    var = tmp_path / "var"
    env = os.environ | {"KETNOI_VAR_DIR": str(var), "KETNOI_JOBS_IMMEDIATE": "false"}
    with started(tmp_path) as processes:
        yield Node(processes, env, var, resource.id, {"Authorization": f"Bearer {secret}"})


def _versions(db: Session, resource_id: uuid.UUID) -> list[int]:
    db.rollback()  # a fresh look
    return list(db.scalars(select(DatastoreVersion.version).where(DatastoreVersion.resource_id == resource_id).order_by("version")))


def _dead_worker_gone(db: Session) -> bool:
    """PostgreSQL: the killed worker's sessions have ended (its load rolled back, its job's lock released).
    It notices the closed socket at once, but not before this process may look; SQLite: at the kill itself."""
    db.rollback()
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        return True
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY \"datastore\".%' "
        "AND pid <> pg_backend_pid()"
    )
    locks = text("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database() "
                 "AND l.locktype = 'advisory'")  # fmt: skip
    return connection.execute(busy).scalar_one() == 0 and connection.execute(locks).scalar_one() == 0


def test_a_worker_killed_mid_load_leaves_the_previous_version_served_and_the_job_marked_interrupted(node: Node, db: Session) -> None:
    server, base = node.processes.serve(node.env)
    worker = node.processes.worker(node.env)
    first = node.finished(base, node.upload(base, _csv(SMALL)))
    assert first["status"] == "succeeded", first
    assert node.served(base) == (1, SMALL)
    tables_before = datastore_tables(db)

    big = _csv(BIG)
    loading = node.upload(base, big, "de_tai_lon.csv")
    wait_for(lambda: node.job(base, loading)["progress"] > 0, "the big load to be under way")  # rows going in
    node.processes.kill_9(worker)
    cut = node.job(base, loading)
    assert cut["status"] == "running", cut  # killed mid-load, not after it
    wait_for(lambda: _dead_worker_gone(db), "the killed worker's sessions to end")

    assert node.served(base) == (1, SMALL)  # the previous version, whole
    assert _versions(db, node.resource_id) == [1]
    assert datastore_tables(db) == tables_before  # no half-loaded table left behind, served or not

    node.processes.worker(node.env, "worker-2")  # marks what the dead one left running, then takes new work
    wait_for(lambda: node.job(base, loading)["status"] == "failed", "the cut job to be marked")
    assert node.job(base, loading)["error"] == INTERRUPTED

    again = node.finished(base, node.upload(base, _csv(NEXT), "de_tai_moi.csv"))
    assert again["status"] == "succeeded", again
    assert node.served(base) == (2, NEXT)
    assert _versions(db, node.resource_id) == [1, 2]
    assert server.poll() is None


def _multipart(boundary: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    part = 'Content-Disposition: form-data; name="file"; filename="de_tai_lon.csv"\r\nContent-Type: text/csv'
    yield f"--{boundary}\r\n{part}\r\n\r\n".encode()
    yield from chunks
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_server_killed_while_receiving_an_upload_keeps_nothing_of_it_and_the_next_upload_works(node: Node, db: Session) -> None:
    server, base = node.processes.serve(node.env)
    node.processes.worker(node.env)
    first = node.finished(base, node.upload(base, _csv(SMALL)))
    assert first["status"] == "succeeded", first
    db.rollback()
    jobs_before = db.scalar(select(func.count()).select_from(Job).where(Job.kind == INGEST))
    files_before = node.stored_files()

    body = _csv(BIG, start=1_000_001)
    half, sent_half, release = len(body) // 2, threading.Event(), threading.Event()

    def slow_file() -> Iterator[bytes]:
        yield body[:half]
        sent_half.set()
        release.wait(timeout=60)  # the rest never comes while the server lives
        yield body[half:]

    boundary = uuid.uuid4().hex
    length = sum(len(part) for part in _multipart(boundary, iter([body])))
    headers = node.headers | {"content-type": f"multipart/form-data; boundary={boundary}", "content-length": str(length)}
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(httpx.post(f"{base}/api/v1/resources/{node.resource_id}/ingest", content=_multipart(boundary, slow_file()),
                                      headers=headers, timeout=20))  # fmt: skip
        except httpx.HTTPError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        wait_for(sent_half.is_set, "half the upload to be sent")
        node.processes.kill_9(server)
    finally:
        release.set()
        sender.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError), outcome  # never acknowledged

    db.rollback()
    assert db.scalar(select(func.count()).select_from(Job).where(Job.kind == INGEST)) == jobs_before
    assert _versions(db, node.resource_id) == [1]
    assert node.stored_files() == files_before  # not the file, nor a part of it

    _, base = node.processes.serve(node.env, "serve-2")
    assert node.served(base) == (1, SMALL)
    done = node.finished(base, node.upload(base, _csv(NEXT), "de_tai_moi.csv"))
    assert done["status"] == "succeeded", done
    assert node.served(base) == (2, NEXT)
    assert len(node.stored_files() - files_before) == 1  # the whole file, once
