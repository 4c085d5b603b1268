"""Runs after each load and on each dataset's schedule; the command line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.quality.conftest import HEADER, ROWS, Register, row
from typer.testing import CliRunner

from ketnoi.cli import app
from ketnoi.datastore import ingest as datastore
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from ketnoi.jobs.models import Job
from ketnoi.kit.clock import utcnow
from ketnoi.quality import service, tasks
from ketnoi.quality.models import DatasetQuality, QualityRun, Schedule
from ketnoi.quality.schemas import RuleIn


def _runs(db: Session, register: Register) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(QualityRun.trigger).where(QualityRun.dataset_id == register.dataset_id).order_by(QualityRun.started_at)))


def test_a_new_load_of_a_table_with_rules_is_checked_at_once(db: Session, register: Register, tmp_path: Path) -> None:
    service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"}))
    db.commit()
    fixed = tmp_path / "sua.csv"
    fixed.write_text("\n".join(",".join(cells) for cells in [HEADER, *(row(n) for n in range(1, 101))]), encoding="utf-8")
    with unit_of_work() as session:  # the job reaches the queue when the load commits (run at once in tests)
        datastore.ingest(session, actor=system_actor(), resource_id=register.resource_id, path=fixed)
    assert _runs(db, register) == ["ingest"]
    latest = db.get(DatasetQuality, register.dataset_id)
    assert latest is not None and latest.last_run_id is not None
    run = db.get(QualityRun, latest.last_run_id)
    assert run is not None and run.row_count == 100


def test_a_load_without_rules_queues_nothing(db: Session, register: Register) -> None:
    assert db.scalar(select(func.count()).select_from(Job).where(Job.kind == tasks.RUN_JOB)) == 0


def test_the_schedule_queues_each_due_dataset_once(db: Session, register: Register) -> None:
    service.create_rule(db, actor=system_actor(), dataset_id=register.dataset_id, data=RuleIn(kind="not_null", params={"column": "email"}))
    db.commit()
    assert tasks.run_due(db) == 1  # never run: due (weekly by default)
    assert _runs(db, register) == ["schedule"]
    assert tasks.run_due(db) == 0  # just run
    assert tasks.run_due(db, now=utcnow() + timedelta(days=8)) == 1
    service.set_schedule(db, actor=system_actor(), dataset_id=register.dataset_id, schedule=Schedule.NONE)
    db.commit()
    assert tasks.run_due(db, now=utcnow() + timedelta(days=60)) == 0


def test_the_command_line_exports_imports_and_runs(db: Session, register: Register, tmp_path: Path) -> None:
    service.create_rule(
        db,
        actor=system_actor(),
        dataset_id=register.dataset_id,
        data=RuleIn(kind="pattern", name="Số điện thoại", params={"column": "so_dien_thoai", "regex": r"(0|\+84)(3|5|7|8|9)[0-9]{8}"}),
    )
    db.commit()
    cli = CliRunner()
    exported = cli.invoke(app, ["quality", "export", "--dataset", str(register.dataset_id)])
    assert exported.exit_code == 0 and "kind: pattern" in exported.stdout and "Số điện thoại" in exported.stdout
    rules = tmp_path / "rules.yaml"
    rules.write_text(exported.stdout + "- kind: not_null\n  column: email\n", encoding="utf-8")
    imported = cli.invoke(app, ["quality", "import", str(rules), "--dataset", str(register.dataset_id)])
    assert imported.exit_code == 0, imported.output
    ran = cli.invoke(app, ["quality", "run", "--dataset", str(register.dataset_id)])
    assert ran.exit_code == 0, ran.output
    assert f"Điểm chất lượng: 100; bao phủ 2/7; {ROWS:,} dòng." in ran.stdout  # 4 bad phones of 300 reach the 98 % target
    rules.write_text("rules:\n  - kind: not_null\n    column: khong_co\n", encoding="utf-8")
    refused = cli.invoke(app, ["quality", "import", str(rules), "--dataset", str(register.dataset_id)])
    assert refused.exit_code == 1 and "Quy tắc 1" in refused.output and "khong_co" in refused.output
    db.expire_all()
    assert len(service.list_rules(db, actor=system_actor(), dataset_id=register.dataset_id)) == 2  # the refused file changed nothing
