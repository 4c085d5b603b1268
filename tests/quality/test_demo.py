"""The demo ministry shows quality at work: rules on its loaded tables, measured once for real."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.demo.loader import load_demo
from ketnoi.quality.models import DatasetQuality, Outcome, QualityResult, QualityRule


def test_the_demo_has_rules_on_every_loaded_table_and_a_first_run_with_real_findings(db: Session) -> None:
    load_demo(db, password="mat-khau-demo-dai")
    summaries = {
        name: summary
        for name, summary in db.execute(select(Dataset.name, DatasetQuality).join(DatasetQuality, DatasetQuality.dataset_id == Dataset.id))
    }
    assert len(summaries) == 3 and all(s.score is not None and s.last_run_id for s in summaries.values())
    failed = {r.rule_name: r for r in db.scalars(select(QualityResult).where(QualityResult.outcome == Outcome.FAILED))}
    # Six of the eight lead organizations are missing from the organizations register: a foreign key across datasets.
    assert (
        failed["Tổ chức chủ trì có trong danh mục tổ chức KH&CN"].failed,
        failed["Tổ chức chủ trì có trong danh mục tổ chức KH&CN"].evaluated,
    ) == (6, 8)
    assert failed["Có đăng ký mới trong năm"].details["latest"] == "2021-12-01"
    assert {r.dimension for r in db.scalars(select(QualityRule))} == {
        "completeness", "validity", "uniqueness", "consistency", "timeliness", "accuracy", "metadata",
    }  # fmt: skip
    before = db.scalar(select(QualityRule.id).limit(1))
    load_demo(db, password="mat-khau-demo-dai")  # loading again adds nothing
    assert db.scalar(select(QualityRule.id).limit(1)) == before and len(list(db.scalars(select(QualityRule)))) == 21
