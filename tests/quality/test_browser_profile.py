"""The profile in Chromium: a steward reads a table's profile, keeps the suggested rules but one, and finds them on the quality page."""

from __future__ import annotations

from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import Register
from tests.web.browser import chromium, login, pytestmark, server

from ketnoi.quality.models import QualityRule

__all__ = ["chromium", "pytestmark", "server"]


def test_a_steward_accepts_the_suggested_rules_and_lands_on_the_quality_page(
    server: str, chromium: Browser, db: Session, register: Register
) -> None:
    f.user(db, "steward", db.get(f.Organization, register.unit_id), username="canbo")
    db.commit()
    page = login(chromium, server, "canbo")
    page.goto(f"{server}/datasets/{register.dataset_id}/quality/profile")
    columns = page.locator("section[aria-labelledby=columns-title]").inner_text()
    assert "so_dien_thoai" in columns and "Tỉ lệ trống" in columns and "1,7%" in columns  # e-mail: 5 empty of 300
    assert "9999999999" in page.locator("#col-so_dien_thoai").inner_text()
    metadata = page.get_by_role("checkbox", name="Đầy đủ siêu dữ liệu")
    unique = page.get_by_role("checkbox", name="Không trùng lặp: ma_de_tai")
    assert metadata.is_checked() and unique.is_checked()  # every suggestion is ticked at first
    metadata.uncheck()
    page.get_by_role("button", name="Thêm các quy tắc đã chọn").click()
    page.wait_for_url(f"**/datasets/{register.dataset_id}/quality?done=created*")
    shown = page.locator("main").inner_text()
    assert "Đã tạo bản ghi." in shown
    assert "Không trùng lặp: ma_de_tai" in shown and "Nhất quán giữa các cột: nam_ket_thuc >= nam_bat_dau" in shown
    db.expire_all()
    made = db.scalars(select(QualityRule).where(QualityRule.dataset_id == register.dataset_id)).all()
    assert made and {r.origin for r in made} == {"suggested"} and "metadata" not in {r.kind for r in made}
