"""Harvesting in Chromium: an administrator adds a CKAN source, runs it now, and sees what it brought."""

from __future__ import annotations

from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from tests.harvest.conftest import Static, Target
from tests.harvest.helpers import ckan_answer, package
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


def test_an_administrator_adds_a_source_runs_it_and_sees_the_datasets(
    server: str, chromium: Browser, db: Session, static: Static, target: Target
) -> None:
    ckan_answer(static, [package(1, "2026-03-01T08:00:00"), package(2, "2026-03-02T08:00:00")])
    page = login(chromium, server, "quantri")
    page.goto(f"{server}/harvest")
    page.get_by_role("link", name="Thêm nguồn thu thập").click()
    page.get_by_label("Tên nguồn").fill("Cổng dữ liệu của Sở")
    page.get_by_label("Địa chỉ").fill(static.url)
    page.get_by_label("Loại nguồn").select_option("ckan")
    page.get_by_label("Cơ sở dữ liệu nhận").select_option(label=target.database.name)
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/harvest/*?done=created")
    page.get_by_role("button", name="Chạy ngay").click()
    page.wait_for_url("**?started=1")
    page.reload()  # the job has run (immediately, in the tests): its run is in the table
    assert "Tạo mới 2 · cập nhật 0 · không đổi 0 · lỗi 0" in page.locator("section[aria-labelledby=runs-title]").inner_text()
    db.expire_all()
    assert sorted(db.scalars(select(Dataset.name).where(Dataset.database_id == target.database.id))) == ["Gói dữ liệu 1", "Gói dữ liệu 2"]
