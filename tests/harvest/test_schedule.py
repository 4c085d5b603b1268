"""The schedule (the worker's minute tick runs the due sources) and `ketnoi harvest run`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.cli import app
from ketnoi.harvest import tasks
from ketnoi.harvest.models import HarvestRun, HarvestSource
from ketnoi.jobs import queue
from ketnoi.kit.clock import utcnow
from tests.harvest.conftest import Static, Target
from tests.harvest.helpers import ckan_answer, package, source


def _runs(db: Session, source_id: object) -> int:
    return db.scalar(select(func.count()).select_from(HarvestRun).where(HarvestRun.source_id == source_id)) or 0


def test_the_tick_runs_the_due_sources_once_and_sets_their_next_run(db: Session, static: Static, target: Target) -> None:
    assert "ketnoi.harvest.tasks:run_due" in queue.PERIODIC
    ckan_answer(static, [package(1, "2026-03-01T08:00:00")])
    due, later, off = (source(db, target, static.url, name=name) for name in ("Đến hạn", "Chưa đến hạn", "Tạm dừng"))
    now = utcnow()
    db.get_one(HarvestSource, later.id).next_run_at = now + timedelta(minutes=30)
    db.get_one(HarvestSource, off.id).enabled = False
    db.commit()

    assert tasks.run_due(db, now) == 1
    db.expire_all()
    assert (_runs(db, due.id), _runs(db, later.id), _runs(db, off.id)) == (1, 0, 0)
    next_run = db.get_one(HarvestSource, due.id).next_run_at
    assert next_run is not None and timedelta(minutes=1439) < next_run - now < timedelta(minutes=1441)
    assert tasks.run_due(db, now + timedelta(minutes=5)) == 0  # not due again before its interval


def test_the_command_runs_one_source_or_all_and_says_what_each_brought(db: Session, static: Static, target: Target) -> None:
    ckan_answer(static, [package(1, "2026-03-01T08:00:00"), package(2, "2026-03-02T08:00:00")])
    made = source(db, target, static.url)
    runner = CliRunner()
    one = runner.invoke(app, ["harvest", "run", str(made.id)])
    assert one.exit_code == 0, one.output
    assert "Cổng dữ liệu thử: Tạo mới 2, cập nhật 0, không đổi 0, lỗi 0." in one.output
    every = runner.invoke(app, ["harvest", "run", "--all", "--full"])
    assert every.exit_code == 0 and "không đổi 2" in every.output
    assert runner.invoke(app, ["harvest", "run"]).exit_code == 2  # a source or --all
    static.documents.clear()
    broken = runner.invoke(app, ["harvest", "run", str(made.id)])
    assert broken.exit_code == 1 and "HTTP 404" in broken.output
