"""Data sources in Chromium: an administrator adds a PostgreSQL source, checks the connection,
syncs it and sees the lineage on the dataset's page."""

from __future__ import annotations

from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from tests import factories as f
from tests.connectors.conftest import SourceDb, fill, row
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


def test_an_administrator_adds_a_database_source_previews_syncs_it_and_sees_the_lineage(
    server: str, chromium: Browser, db: Session, target: Dataset, pg_source: SourceDb
) -> None:
    fill(pg_source, [row(n) for n in range(1, 16)])
    f.user(db, "admin", username="quantri")
    db.commit()
    page = login(chromium, server, "quantri")
    page.goto(f"{server}/sources")
    page.get_by_role("link", name="Thêm nguồn dữ liệu").click()
    page.get_by_label("Tên nguồn").fill("Hệ thống quản lý nhiệm vụ của Cục")
    page.get_by_label("Bộ dữ liệu nhận").select_option(label=target.name)
    page.get_by_label("Địa chỉ cơ sở dữ liệu (URL SQLAlchemy)").fill(pg_source.url)
    page.get_by_label("Mật khẩu", exact=True).fill("mat-khau-chi-de-thu")
    page.get_by_label("Tên bảng hoặc khung nhìn").fill("nhiem_vu")
    page.locator("#f-mode").select_option("incremental")
    page.get_by_label("Cột mốc").fill("cap_nhat")
    page.get_by_label("Cột khoá").fill("ma")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/sources/*?done=created")

    page.get_by_role("button", name="Kiểm tra kết nối").click()
    preview = page.locator("section[aria-labelledby=preview-title]")
    assert "NV00001" in preview.inner_text() and "cap_nhat" in preview.inner_text()

    page.get_by_role("button", name="Đồng bộ ngay").click()
    page.wait_for_url("**?started=1#runs")
    page.reload()  # the job has run (immediately, in the tests): its run is in the table
    runs = page.locator("section[aria-labelledby=runs-title]").inner_text()
    assert "Hoàn thành" in runs and "Đọc 15 · thêm 15 · cập nhật 0" in runs
    assert "mat-khau-chi-de-thu" not in page.content()

    page.get_by_role("link", name=target.name).first.click()
    lineage = page.locator("section[aria-labelledby=lineage-title]")
    assert "Hệ thống quản lý nhiệm vụ của Cục" in lineage.inner_text() and "15" in lineage.inner_text()
    lineage.locator('a[href^="/sources/"]').click()  # the source, for staff (the resource bears the same name)
    page.wait_for_url("**/sources/*")
