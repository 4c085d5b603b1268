"""The real app in a real browser: Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session

from tests import factories as f
from tests.web.browser import pytestmark

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["pytestmark"]  # browser tests: skipped only where Chromium is missing and this is not CI


def test_a_steward_creates_a_database_and_finds_it_by_typing_without_diacritics(chromium: Browser, server: str, db: Session) -> None:
    from playwright.sync_api import expect

    unit = f.unit(db, "Trung tâm Công nghệ thông tin")
    f.database(db, unit, "Danh mục tổ chức khoa học")
    f.user(db, "steward", unit, username="canbo")
    db.commit()
    name = "Cơ sở dữ liệu thử nghiệm khoa học"
    page = chromium.new_page()
    page.set_default_timeout(15_000)  # a loaded CI machine, not a slow page: the test itself takes a few seconds
    page.goto(f"{server}/databases/new")  # needs a login: the form comes back after it
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill(f.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server}/databases/new", wait_until="domcontentloaded")
    page.get_by_label("Tên cơ sở dữ liệu").fill(name)
    page.get_by_label("Phân loại CSDL").select_option("ministry_shared")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("status")).to_contain_text("Đã tạo bản ghi.")

    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Cơ sở dữ liệu").click()
    page.get_by_label("Tìm kiếm").fill("co so du lieu thu nghiem khoa hoc")
    page.get_by_role("button", name="Lọc").click()
    results = page.locator("#results")
    expect(results.get_by_role("link", name=name)).to_be_visible()
    expect(results.get_by_role("link", name="Danh mục tổ chức khoa học")).to_have_count(0)
    # htmx swapped only the results and pushed the search into the address bar.
    assert parse_qs(urlsplit(page.url).query)["q"] == ["co so du lieu thu nghiem khoa hoc"]
