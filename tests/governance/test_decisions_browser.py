"""Official catalogs in Chromium: the administrator builds the next version of the open-data catalog,
submits it, approves it with a decision number and sees what changed since the published version."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Database
from ketnoi.governance import decisions
from ketnoi.governance.decisions_models import CatalogKind, VersionStatus
from tests import factories as f
from tests.governance.test_decisions import World, build_world, item, publish
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    database = db.get(Database, w.open_ds.database_id)
    assert database is not None
    later = f.dataset(db, database, "Kiểu dáng công nghiệp", visibility="public").dataset
    item(db, later, "so_bang", "open")
    first = decisions.new_version(db, actor=w.admin, kind=CatalogKind.OPEN_DATA)
    left_out = next(e for e in decisions.entries(db, first) if e.source_id == later.id)
    decisions.remove_entry(db, actor=w.admin, version_id=first.id, entry_id=left_out.id)
    publish(db, w, first)
    db.commit()
    return w


def test_a_version_is_built_approved_and_compared_with_the_previous_one(server: str, chromium: Browser, db: Session, world: World) -> None:
    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/catalogs")
    admin.get_by_role("button", name="Lập phiên bản mới: Danh mục dữ liệu mở").click()
    admin.wait_for_url("**?done=built")
    expect(admin.locator("h1")).to_contain_text("Phiên bản 2")
    entries = admin.locator("section[aria-labelledby=entries-title]")
    expect(entries).to_contain_text("Kiểu dáng công nghiệp")
    admin.get_by_role("button", name="Trình phê duyệt").click()
    admin.wait_for_url("**?done=submitted")
    admin.get_by_role("button", name="Phê duyệt").click()  # nothing filled in: refused at the fields
    expect(admin.locator("#f-decision_number-error")).to_contain_text("Trường này là bắt buộc.")
    admin.locator("#f-decision_number").fill("2150/QĐ-BKHCN")
    admin.locator("#f-signer_name").fill("Hoàng Minh")
    admin.locator("#f-signer_title").fill("KT. BỘ TRƯỞNG, THỨ TRƯỞNG")
    admin.get_by_role("button", name="Phê duyệt").click()
    admin.wait_for_url("**?done=approved")
    expect(admin.locator("h1")).to_contain_text("Đã phê duyệt")
    expect(admin.locator("section[aria-labelledby=about-title]")).to_contain_text("2150/QĐ-BKHCN")
    admin.get_by_role("link", name="So sánh với phiên bản trước").click()
    expect(admin.locator("h1")).to_contain_text("so với phiên bản 1")
    expect(admin.locator("section[aria-labelledby=added-title]")).to_contain_text("Kiểu dáng công nghiệp")
    expect(admin.locator("[data-count=removed]")).to_have_text("0")
    db.expire_all()
    (second,) = [v for v in decisions.list_versions(db, actor=world.admin, kind=CatalogKind.OPEN_DATA) if v.number == 2]
    assert (second.status, second.decision_number, second.decision_date) == (VersionStatus.APPROVED, "2150/QĐ-BKHCN", decisions.today())
