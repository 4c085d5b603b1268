"""`ketnoi source list` and `ketnoi source sync`: in this process, with the run's summary and exit code 1 on failure."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.catalog.models import Dataset
from ketnoi.cli import app
from ketnoi.connectors import service
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.connectors.schemas import SourceIn
from ketnoi.identity import system_actor
from tests.connectors.conftest import SourceDb, fill, row


def _source(db: Session, target: Dataset, url: str, name: str, table: str = "nhiem_vu") -> DataSource:
    data = {"name": name, "kind": "database", "dataset_id": target.id, "config": {"url": url, "table": table},
            "mode": "incremental", "cursor_column": "cap_nhat", "key_columns": ["ma"]}  # fmt: skip
    made = service.create_source(db, actor=system_actor(), data=SourceIn.model_validate(data))
    db.commit()
    return made


def test_sync_by_name_then_in_full_prints_the_summary_and_list_shows_the_last_run(
    db: Session, target: Dataset, pg_source: SourceDb
) -> None:
    fill(pg_source, [row(n) for n in range(1, 8)])
    made = _source(db, target, pg_source.url, "Hệ thống nhiệm vụ")
    runner = CliRunner()
    first = runner.invoke(app, ["source", "sync", "Hệ thống nhiệm vụ"])
    assert first.exit_code == 0, first.output
    assert "Hệ thống nhiệm vụ: Đọc 7, thêm 7, cập nhật 0; bảng có 7 dòng (phiên bản 1)." in first.output
    full = runner.invoke(app, ["source", "sync", str(made.id), "--full"])
    assert full.exit_code == 0 and "(phiên bản 2)" in full.output
    db.expire_all()
    assert [r.mode for r in db.scalars(select(SyncRun).order_by(SyncRun.started_at))] == ["full", "full"]
    listed = runner.invoke(app, ["source", "list"])
    assert listed.exit_code == 0 and str(made.id) in listed.output and "done" in listed.output


def test_a_failed_sync_exits_with_1_and_says_why(db: Session, target: Dataset, pg_source: SourceDb) -> None:
    _source(db, target, pg_source.url, "Bảng không có", table="khong_co_bang")
    fill(pg_source, [row(1)])
    _source(db, target, pg_source.url, "Nguồn tốt")
    result = CliRunner().invoke(app, ["source", "sync", "--all"])
    assert result.exit_code == 1
    assert "Bảng không có: thất bại — Nguồn không có bảng hoặc khung nhìn «khong_co_bang»." in result.output
    assert "Nguồn tốt: Đọc 1, thêm 1" in result.output  # the others still ran
    assert CliRunner().invoke(app, ["source", "sync", "khong-ton-tai"]).exit_code == 1
    assert CliRunner().invoke(app, ["source", "sync"]).exit_code == 2  # a source or --all
