"""The plan tracker in Chromium: a unit's steward reports progress with an evidence file, is refused at
the field first, and the task shows the report and its new status."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.governance.plan_models import ProgressEvidence, ProgressReport
from tests.governance.test_plan_web import _instance, _setup
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


def test_a_steward_submits_a_progress_report_with_evidence(server: str, chromium: Browser, db: Session, tmp_path: Path) -> None:
    unit_a, *_ = _setup(db)
    instance = _instance(db, "II.4", unit_a)
    evidence = tmp_path / "bien-ban-kiem-tra.pdf"
    evidence.write_bytes(b"%PDF-1.4 bien ban kiem tra du lieu")
    steward = login(chromium, server, "steward_a")
    steward.goto(f"{server}/plan/instances/{instance.id}")
    steward.get_by_label("Tỷ lệ hoàn thành (%)").fill("150")
    steward.get_by_role("button", name="Gửi báo cáo").click()
    expect(steward.locator("#f-body-error")).to_be_visible()
    expect(steward.locator("#f-percent-error")).to_be_visible()
    steward.get_by_label("Nội dung báo cáo").fill("Đã kiểm tra 3 bộ dữ liệu; báo cáo gửi Trung tâm CNTT.")
    steward.get_by_label("Tỷ lệ hoàn thành (%)").fill("100")
    steward.get_by_label("Tệp minh chứng").set_input_files(str(evidence))
    steward.get_by_role("button", name="Gửi báo cáo").click()
    expect(steward.locator("main")).to_contain_text("Đã kiểm tra 3 bộ dữ liệu; báo cáo gửi Trung tâm CNTT.")
    expect(steward.get_by_role("link", name="bien-ban-kiem-tra.pdf")).to_be_visible()
    db.expire_all()
    [report] = db.scalars(select(ProgressReport))
    [stored] = db.scalars(select(ProgressEvidence))
    assert (report.percent, report.unit_id, stored.filename) == (100, unit_a.id, "bien-ban-kiem-tra.pdf")
