"""A sync killed mid-way (kill -9 of the process loading it), and the secrets of a source."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.catalog.models import Dataset
from ketnoi.connectors import service, sync
from ketnoi.connectors.models import DataSource, RunStatus, SyncRun
from ketnoi.connectors.schemas import SourceIn
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.db import get_engine
from ketnoi.identity import system_actor
from ketnoi.kit import secretbox
from tests.connectors.conftest import MYSQL_ADMIN, SOURCE_DB, SourceDb, fill, row, unique_name
from tests.datastore.conftest import datastore_tables

BIG = 300_000  # enough rows that the load is still going when the process is killed


def _wait_until_loading(db: Session, run_started: int, child: subprocess.Popen[bytes]) -> None:
    """Until the child's load is under way: its COPY seen on PostgreSQL, else its run recorded and a moment more."""
    deadline = time.monotonic() + 120
    engine = get_engine()
    while time.monotonic() < deadline:
        assert child.poll() is None, "the sync ended before it could be killed"
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                loading = text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE :copy")
                copying = connection.execute(loading, {"copy": 'COPY "datastore".%'}).scalar_one()
                if copying:
                    time.sleep(0.3)
                    return
            else:
                runs = connection.execute(select(SyncRun.id)).all()
                if len(runs) > run_started:
                    time.sleep(2.0)
                    return
        time.sleep(0.05)
    pytest.fail("the sync never started loading")


def test_a_sync_killed_mid_way_leaves_the_served_version_and_the_next_run_restarts_cleanly(
    db: Session, target: Dataset, pg_source: SourceDb
) -> None:
    fill(pg_source, [row(n) for n in range(1, 11)])
    data = {
        "name": unique_name(),
        "kind": "database",
        "dataset_id": target.id,
        "config": {"url": pg_source.url, "object": "table", "table": "nhiem_vu"},
        "mode": "full",
        "key_columns": ["ma"],
    }
    source = service.create_source(db, actor=system_actor(), data=SourceIn.model_validate(data))
    db.commit()
    assert db.get_one(SyncRun, sync.run_source(source.id)).status == "done"
    served_before = datastore_tables(db)
    pg_source.run(
        "INSERT INTO nhiem_vu (ma, ten, kinh_phi, nam, dang_lam, bat_dau, cap_nhat) "
        "SELECT 'X' || g, 'Nhiệm vụ bổ sung ' || g, g, 2025, true, DATE '2025-01-01', TIMESTAMP '2026-02-01' FROM generate_series(1, :n) g",
        n=BIG,
    )
    db.commit()

    env = os.environ | {"KETNOI_SOURCE_NETWORKS": "127.0.0.0/8", "KETNOI_JOBS_IMMEDIATE": "false"}
    script = f"import uuid; from ketnoi.connectors.sync import run_source; run_source(uuid.UUID('{source.id}'))"
    child = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_loading(db, 1, child)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()

    db.expire_all()
    killed = db.scalars(select(SyncRun).where(SyncRun.source_id == source.id, SyncRun.status == RunStatus.RUNNING)).one()
    versions = db.scalars(select(DatastoreVersion.version).where(DatastoreVersion.resource_id == source.resource_id)).all()
    assert versions == [1]  # nothing of the killed load is kept: no version, no table
    assert datastore_tables(db) == served_before
    db.rollback()

    again = db.get_one(SyncRun, sync.run_source(source.id))
    db.expire_all()
    assert (again.status, again.version, again.row_count) == ("done", 2, 10 + BIG)
    assert db.get_one(SyncRun, killed.id).status == RunStatus.INTERRUPTED


@pytest.fixture
def mysql_with_password() -> Iterator[SourceDb]:
    """A MariaDB account with a password, reading a table of its own database."""
    admin = create_engine(MYSQL_ADMIN)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE DATABASE IF NOT EXISTS `{SOURCE_DB}`"))
        connection.execute(text("DROP USER IF EXISTS 'ketnoi_doc'@'%'"))
        connection.execute(text("CREATE USER 'ketnoi_doc'@'%' IDENTIFIED BY 'Mật-khẩu-bí-mật-42'"))
        connection.execute(text(f"GRANT SELECT ON `{SOURCE_DB}`.* TO 'ketnoi_doc'@'%'"))
    url = f"mysql+pymysql://ketnoi_doc@127.0.0.1:3306/{SOURCE_DB}"
    owner = SourceDb("mysql", url, create_engine(MYSQL_ADMIN.replace("/test", f"/{SOURCE_DB}")))
    owner.run(
        "DROP TABLE IF EXISTS nhiem_vu",
        "CREATE TABLE nhiem_vu (ma VARCHAR(16) PRIMARY KEY, ten VARCHAR(500), kinh_phi NUMERIC(14,2), nam INT, "
        "dang_lam BOOLEAN, bat_dau DATE, cap_nhat DATETIME)",
    )
    yield owner
    with admin.begin() as connection:
        connection.execute(text("DROP USER IF EXISTS 'ketnoi_doc'@'%'"))
    owner.engine.dispose()
    admin.dispose()


def test_a_password_is_sealed_used_to_read_and_never_written_out(
    db: Session, target: Dataset, mysql_with_password: SourceDb, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Mật-khẩu-bí-mật-42"
    fill(mysql_with_password, [row(n) for n in range(1, 6)])
    data = {
        "name": unique_name(),
        "kind": "database",
        "dataset_id": target.id,
        "config": {"url": mysql_with_password.url, "object": "table", "table": "nhiem_vu"},
        "secret": password,
    }
    source = service.create_source(db, actor=system_actor(), data=SourceIn.model_validate(data))
    db.commit()
    stored = db.get_one(DataSource, source.id).secret or ""
    assert password not in stored and secretbox.unseal(stored) == password

    assert db.get_one(SyncRun, sync.run_source(source.id)).row_count == 5

    wrong = SourceIn.model_validate(data | {"secret": "sai-mat-khau"})
    service.update_source(db, actor=system_actor(), source_id=source.id, data=wrong)
    db.commit()
    failed = db.get_one(SyncRun, sync.run_source(source.id))
    assert (failed.status, failed.attempts) == ("failed", 1)  # refused: not tried again
    assert "Access denied" in (failed.error or "")
    db.expire_all()
    written = " ".join(
        [str(e.changes) for e in db.scalars(select(AuditEvent))]
        + [failed.error or "", *failed.messages, caplog.text]
        + [str(r.messages) + (r.error or "") for r in db.scalars(select(SyncRun))]
    )
    assert password not in written and "sai-mat-khau" not in written
    assert "'secret': [" in written  # the trail says a secret changed, and only that
