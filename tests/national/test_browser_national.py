"""The national registration in Chromium: an administrator pushes now and sees the push the portal took."""

from __future__ import annotations

from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from tests.national.conftest import Portal, Setting, published
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


def test_an_administrator_pushes_now_and_sees_the_push(
    server: str, chromium: Browser, db: Session, setting: Setting, portal: Portal
) -> None:
    published(db, setting)
    db.commit()
    page = login(chromium, server, "quantri")
    page.goto(f"{server}/national")
    assert page.get_by_role("heading", name="Đăng ký với Cổng dữ liệu quốc gia").is_visible()
    assert "Chưa đẩy lần nào." in page.locator("section[aria-labelledby=pushes-title]").inner_text()
    page.get_by_role("button", name="Đẩy ngay").click()
    page.wait_for_url("**/national?started=1")
    assert page.get_by_role("status").inner_text().startswith("Đã đưa lần đẩy vào hàng đợi")
    page.reload()  # the job has run (immediately, in the tests)
    pushes = page.locator("section[aria-labelledby=pushes-title]").inner_text()
    assert "Thành công" in pushes and "HTTP 202" in pushes and "1 dịch vụ, 0 bộ dữ liệu" in pushes
    assert len(portal.received) == 1 and portal.verify(portal.received[0])
    with page.expect_download() as download:
        page.get_by_role("link", name="Danh mục dữ liệu mở, toàn bộ (DCAT-AP, Turtle)").click()
    assert download.value.suggested_filename == "catalog.ttl"
