"""The yearly inspection in Chromium: the administrator opens the year, a unit's steward fills in and
submits its report, the administrator accepts it and downloads the ministry's DOCX."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session
from tests.quality.test_inspection import NARRATIVE, World, build_world, measure_history
from tests.web.browser import chromium, login, pytestmark, server

from ketnoi.quality import inspection
from ketnoi.quality.inspection_models import ReportStatus

__all__ = ["chromium", "pytestmark", "server"]

YEAR = 2025


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    measure_history(db, w)
    db.commit()
    return w


def test_a_campaign_is_opened_filled_submitted_accepted_and_consolidated(
    server: str, chromium: Browser, db: Session, world: World, tmp_path: Path
) -> None:
    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/quality/inspections")
    admin.get_by_label("Năm").fill(str(YEAR))
    admin.get_by_role("button", name="Mở đợt kiểm tra").click()
    admin.wait_for_url(f"**/quality/inspections/{YEAR}?done=opened")
    reports = admin.locator("section[aria-labelledby=reports-title]")
    expect(reports).to_contain_text("Cục Sở hữu trí tuệ")
    expect(reports.locator("tr", has_text="Cục Sở hữu trí tuệ")).to_contain_text("Đang soạn")

    steward = login(chromium, server, "canbo")
    steward.goto(f"{server}/quality/inspections/{YEAR}")
    steward.get_by_role("link", name="Cục Sở hữu trí tuệ").click()
    expect(steward.locator("section[aria-labelledby=figures-title]")).to_contain_text("81,1")
    steward.get_by_role("button", name="Nộp báo cáo").click()  # nothing written yet: refused at the fields
    expect(steward.locator("#f-assessment-error")).to_contain_text("Hãy viết phần đánh giá chung trước khi nộp.")
    steward.get_by_label("Đánh giá chung").fill(NARRATIVE.assessment or "")
    steward.get_by_label("Tồn tại, hạn chế").fill(NARRATIVE.shortcomings or "")
    steward.get_by_label("Kiến nghị, đề xuất").fill(NARRATIVE.proposals or "")
    steward.get_by_label("Người ký", exact=True).fill("Nguyễn Văn Bình")
    steward.get_by_role("button", name="Nộp báo cáo").click()
    steward.wait_for_url("**?done=submitted")
    expect(steward.get_by_role("status").first).to_contain_text("Đã nộp báo cáo cho Trung tâm Công nghệ thông tin.")
    expect(steward.get_by_role("button", name="Nộp báo cáo")).to_have_count(0)

    admin.goto(f"{server}/quality/inspections/{YEAR}")
    admin.get_by_role("link", name="Cục Sở hữu trí tuệ").click()
    admin.get_by_role("button", name="Tiếp nhận").click()
    admin.wait_for_url("**?done=accepted")
    expect(admin.locator("h1")).to_contain_text("Đã tiếp nhận")
    admin.get_by_role("link", name=re.compile(f"^{YEAR}|Kiểm tra, đánh giá chất lượng dữ liệu năm {YEAR}")).first.click()
    with admin.expect_download() as downloaded:
        admin.get_by_role("link", name="Tải báo cáo của Bộ (DOCX)").click()
    path = tmp_path / "bao-cao.docx"
    downloaded.value.save_as(path)
    assert downloaded.value.suggested_filename == f"bao-cao-chat-luong-du-lieu-{YEAR}.docx"
    doc = Document(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"Kết quả kiểm tra, đánh giá chất lượng dữ liệu năm {YEAR}" in text
    table = next(t for t in doc.tables if "Trạng thái báo cáo" in [cell.text for cell in t.rows[0].cells])
    statuses = {row.cells[1].text: row.cells[2].text for row in table.rows}
    assert statuses["Cục Sở hữu trí tuệ"].startswith("Đã tiếp nhận")
    db.expire_all()
    _, report = inspection.get_report(db, actor=world.admin, year=YEAR, unit_id=world.unit_a.id)
    assert report.status == ReportStatus.ACCEPTED and report.signer_name == "Nguyễn Văn Bình"
