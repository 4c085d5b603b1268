"""More paths through the pages, in Vietnamese, in a real browser: a form's errors and its fix, a
notification reaching the IT Center, an API token shown once and revoked, English, logging out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from tests import factories as f
from tests.web.browser import pytestmark

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["pytestmark"]


def _login(page: Page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(f.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server}/", wait_until="domcontentloaded")


def test_a_steward_appoints_a_focal_point_and_the_it_center_is_told(server: str, chromium: Browser, db: Session) -> None:
    from playwright.sync_api import expect

    unit = f.unit(db, "Văn phòng Bộ")
    f.user(db, "steward", unit, username="canbo")
    f.user(db, "admin", username="ttcntt")
    db.commit()

    steward = chromium.new_page()
    steward.set_default_timeout(15_000)
    _login(steward, server, "canbo")
    steward.goto(f"{server}/organizations/{unit.id}")
    steward.get_by_role("link", name="Cử đầu mối mới").click()
    steward.get_by_role("button", name="Cử đầu mối").click()  # nothing filled in
    summary = steward.get_by_role("alert")
    expect(summary).to_contain_text("Vui lòng sửa các lỗi dưới đây")
    expect(summary).to_contain_text("Họ và tên")
    steward.get_by_label("Họ và tên").fill("Trần Thị Bình")
    steward.get_by_label("Chức vụ").fill("Chuyên viên")
    steward.get_by_label("Ngày bắt đầu").fill("2025-03-01")
    steward.get_by_role("button", name="Cử đầu mối").click()
    expect(steward.get_by_role("status")).to_contain_text("Đã cử đầu mối mới.")
    expect(steward.locator("main")).to_contain_text("Trần Thị Bình")

    admin = chromium.new_context().new_page()  # another person, another browser session
    admin.set_default_timeout(15_000)
    _login(admin, server, "ttcntt")
    nav = admin.get_by_role("navigation", name="Điều hướng chính")
    unread = nav.get_by_role("link", name=re.compile(r"^Thông báo \(1 chưa đọc"))  # the count is read out
    expect(unread).to_be_visible()
    unread.click()
    expect(admin.locator("main")).to_contain_text("Văn phòng Bộ cử đầu mối mới: Trần Thị Bình")
    admin.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    expect(nav.get_by_role("link", name="Thông báo", exact=True)).to_be_visible()


def test_a_token_is_shown_once_and_revoked_then_english_then_logout(server: str, chromium: Browser, db: Session) -> None:
    from playwright.sync_api import expect

    f.user(db, "leader", username="lanhdao")
    db.commit()
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    _login(page, server, "lanhdao")
    page.get_by_role("link", name="Token API").click()
    page.get_by_label("Tên token").fill("Đồng bộ báo cáo")
    page.get_by_role("button", name="Tạo token").click()
    expect(page.get_by_role("status")).to_contain_text("Token mới đã được tạo")
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("kn_")
    page.goto(f"{server}/tokens")
    assert secret not in page.content()  # shown once
    page.get_by_role("button", name="Thu hồi Đồng bộ báo cáo").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thu hồi token.")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    page.get_by_role("link", name="Tiếng Việt").click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    page.goto(f"{server}/tokens")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()  # signed out: the page asks to log in
