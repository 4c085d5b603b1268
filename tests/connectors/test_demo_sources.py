"""The demo's data source: a unit's SQLite system synced twice (full, then incremental) at demo load."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.connectors import demo
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.demo.loader import load_demo as load_ministry
from ketnoi.identity import system_actor
from ketnoi.settings import get_settings
from tests.web.conftest import client, login

__all__ = ["client"]
PASSWORD = "demo-mat-khau-2026"


def test_the_demo_source_is_synced_in_full_then_incrementally_and_shows_on_its_pages(client: TestClient, db: Session) -> None:
    result = load_ministry(db, password=PASSWORD)  # the demo loader makes the source among its connection examples
    assert result.connections.created == 4  # the synced source, the REST source (off), the peer node, the national registration
    assert demo.load_demo(db, system_actor()) == (0, 1)  # and loading again adds nothing
    source = db.scalars(select(DataSource).where(DataSource.kind == "database")).one()
    rest = db.scalars(select(DataSource).where(DataSource.kind == "rest")).one()
    assert (rest.enabled, rest.config["paging"], rest.config["columns"]["thu_tuc"]) == (False, "cursor", "procedure.name")
    assert source.config["url"].startswith(f"sqlite:///{get_settings().source_sqlite_dir}/")
    first, second = db.scalars(select(SyncRun).order_by(SyncRun.started_at)).all()
    assert (first.mode, first.status, first.rows_read, first.rows_added, first.row_count, first.version) == (
        "full",
        "done",
        300,
        300,
        300,
        1,
    )
    assert (second.mode, second.status, second.rows_read, second.rows_added, second.rows_updated, second.row_count, second.version) == (
        "incremental",
        "done",
        10,
        4,
        5,
        304,
        2,
    )  # fmt: skip  (read: 4 new, 5 changed, and the row at the old mark, read again since the cursor compares with >=)
    assert source.last_status == "done" and source.next_run_at is not None
    assert demo.load_demo(db, system_actor()) == (0, 1)  # once only
    db.commit()

    login(client, "admin", PASSWORD)
    page = client.get(f"/sources/{source.id}")
    assert page.status_code == 200 and page.text.count("Hoàn thành") == 2 and "Gia tăng" in page.text
    dataset = db.scalars(select(Dataset).where(Dataset.id == source.dataset_id)).one()
    shown = client.get(f"/datasets/{dataset.id}").text
    assert "Nguồn đồng bộ" in shown and f'href="/sources/{source.id}"' in shown and "304" in shown
    history = client.get(f"/resources/{source.resource_id}").text
    assert "Đồng bộ từ nguồn" in history and f"/resources/{source.resource_id}/versions/1/original" not in history
    original = client.get(f"/resources/{source.resource_id}/versions/1/original")
    assert original.status_code == 404 and "Phiên bản này được đồng bộ từ nguồn, không có tệp gốc." in original.text


def test_without_a_sqlite_directory_the_demo_leaves_the_source_out(db: Session, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(get_settings(), "source_sqlite_dir", None)
    load_ministry(db, password=PASSWORD)
    assert demo.load_demo(db, system_actor()) == (0, 0)
    assert db.scalar(select(func.count()).select_from(DataSource).where(DataSource.kind == "database")) == 0  # the REST one (off) stays
