"""In a real browser: an error report from the portal, once published, waits as an open incident; the
dataset's steward takes it up, is told at the field that closing needs a reason, and resolves it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session
from tests import factories as f
from tests.web.browser import chromium, login, pytestmark, server

from ketnoi.authz import PUBLIC
from ketnoi.feedback import antispam
from ketnoi.feedback import service as feedback
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.schemas import FeedbackIn, ModerationIn
from ketnoi.identity import actor_for
from ketnoi.sharing.limiter import storage

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["chromium", "pytestmark", "server"]

REPORT = "Cột ngày nộp đơn có giá trị 31/02/2024 ở đơn số 4-2024-01234."
REASON = "Đã sửa thành 28/02/2024 theo hồ sơ gốc và nạp lại dữ liệu."


@pytest.fixture
def reported(db: Session) -> None:
    """A public dataset of the steward «canbo»'s unit, with a visitor's error report that the steward published."""
    storage().reset()
    unit = f.unit(db, "Cục Sở hữu trí tuệ")
    dataset = f.dataset(db, f.database(db, unit), "Đơn đăng ký nhãn hiệu", visibility="public").dataset
    steward = actor_for(db, f.user(db, "steward", unit, username="canbo"))
    data = FeedbackIn(kind="error_report", body=REPORT, form_token=antispam.issue_token(at=time.time() - 10))
    sent = feedback.submit_feedback(db, actor=PUBLIC, client=Client("203.0.113.9", "Firefox"), dataset_id=dataset.id, data=data)
    feedback.moderate(db, actor=steward, feedback_id=sent.id, data=ModerationIn(decision="publish"))
    db.commit()


def test_a_steward_takes_up_a_reported_incident_and_resolves_it_with_a_reason(server: str, chromium: Browser, reported: None) -> None:
    from playwright.sync_api import expect

    page = login(chromium, server, "canbo")
    page.goto(f"{server}/quality/incidents")
    expect(page.locator(".stat").filter(has_text="Mới")).to_contain_text("1")
    row = page.locator("tr").filter(has_text=REPORT)
    expect(row).to_contain_text("Báo lỗi từ cổng dữ liệu mở")
    row.get_by_role("link", name=REPORT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(REPORT)
    expect(page.locator("main")).to_contain_text("Người dân, tổ chức (không công khai danh tính)")
    page.get_by_role("button", name="Bắt đầu xử lý").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu thay đổi.")

    page.get_by_role("button", name="Đã khắc phục").click()  # no reason given
    expect(page.get_by_role("alert")).to_contain_text("Hãy nêu lý do đóng sự cố")
    reason = page.get_by_label("Lý do, kết quả xử lý")
    expect(reason).to_have_attribute("aria-invalid", "true")
    reason.fill(REASON)
    page.get_by_role("button", name="Đã khắc phục").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu thay đổi.")

    info = page.locator("section").filter(has=page.get_by_role("heading", name="Thông tin sự cố"))
    expect(info).to_contain_text("Đã khắc phục")
    expect(info).to_contain_text(REASON)
    history = page.locator("section").filter(has=page.get_by_role("heading", name="Lịch sử xử lý"))
    expect(history.locator("tbody tr")).to_have_count(3)  # reported, taken up, resolved
    expect(history).to_contain_text("Đang xử lý")
    expect(page.get_by_role("button", name="Mở lại")).to_be_visible()

    page.goto(f"{server}/quality/incidents?status=resolved")
    expect(page.locator("tbody tr").filter(has_text=REPORT)).to_have_count(1)
