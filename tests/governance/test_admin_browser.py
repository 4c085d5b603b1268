"""In Chromium: the administrator edits a deadline rule (refused at the field first) and records a
training session with its participants, then downloads the year's training report."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.governance import deadlines
from ketnoi.governance.deadlines_models import DeadlineRule
from ketnoi.governance.training_models import TrainingSession
from tests import factories as f
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


def test_the_administrator_edits_a_deadline_rule(server: str, chromium: Browser, db: Session) -> None:
    f.user(db, "admin", username="quantri")
    deadlines.seed(db)
    db.commit()
    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/admin/deadlines/inspection.unit_report")
    admin.locator("#f-day").fill("31")
    admin.locator("#f-month").fill("2")
    admin.get_by_role("button", name="Lưu").click()
    expect(admin.locator(".field-error").first).to_be_visible()  # 31/02 does not exist
    admin.locator("#f-day").fill("20")
    admin.locator("#f-month").fill("12")
    admin.get_by_label("Lý do thay đổi").fill("Theo công văn số 12 của Trung tâm")
    admin.get_by_role("button", name="Lưu").click()
    expect(admin.locator("main")).to_contain_text("Theo công văn số 12")  # the change history
    db.expire_all()
    rule = db.scalars(select(DeadlineRule).where(DeadlineRule.key == "inspection.unit_report")).one()
    assert (rule.params["day"], rule.params["month"]) == (20, 12)


def test_the_administrator_records_a_training_session_and_downloads_the_report(server: str, chromium: Browser, db: Session) -> None:
    itc, unit = f.unit(db, "Trung tâm Công nghệ thông tin"), f.unit(db, "Cục Sở hữu trí tuệ")
    f.user(db, "admin", username="quantri")
    db.commit()
    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/training")
    admin.get_by_role("button", name="Ghi nhận").click()
    expect(admin.locator("#f-title-error")).to_be_visible()
    admin.get_by_label("Tên đợt tập huấn").fill("Tập huấn chia sẻ dữ liệu")
    admin.get_by_label("Ngày tổ chức").fill("2026-03-12")
    admin.get_by_label("Địa điểm").fill("Hội trường tầng 2")
    admin.get_by_label("Đơn vị tổ chức").select_option(str(itc.id))
    admin.get_by_label("Nội dung").fill("Nghị định 47/2020/NĐ-CP")
    admin.get_by_label("Đơn vị 1").select_option(str(unit.id))
    admin.get_by_label("Số người").first.fill("7")
    admin.get_by_role("button", name="Ghi nhận").click()
    expect(admin.locator("main")).to_contain_text("Tập huấn chia sẻ dữ liệu")
    admin.goto(f"{server}/training?year=2026")
    with admin.expect_download() as report:
        admin.get_by_role("link", name="Báo cáo (DOCX)").click()
    assert report.value.suggested_filename.endswith(".docx")
    db.expire_all()
    [saved] = db.scalars(select(TrainingSession))
    assert saved.participants == [{"unit_id": str(unit.id), "count": 7}]
