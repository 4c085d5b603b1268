"""The portal in Chromium, as a citizen uses it: search without diacritics, open a dataset, download
its CSV, then ask for a dataset that is not there."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.feedback import antispam
from ketnoi.feedback.models import Feedback
from tests.portal.open_data import build
from tests.web.browser import pytestmark  # noqa: F401 - Debian's Chromium, marked as browser tests

MIN_SECONDS = 0.3  # the anti-spam minimum time on a form, lowered so the test does not wait three seconds


def test_a_citizen_finds_downloads_and_asks(
    server: str, chromium: Browser, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(antispam, "MIN_FORM_SECONDS", MIN_SECONDS)
    build(db, tmp_path)
    page = chromium.new_page(accept_downloads=True)
    page.goto(f"{server}/open")
    page.get_by_label("Tìm kiếm").fill("lua chiu man")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.wait_for_url("**/open?q=lua+chiu+man")
    results = page.locator(".dataset-card")
    assert results.count() == 1
    results.get_by_role("link").click()
    page.wait_for_url("**/open/datasets/giong-lua-chiu-man-dong-bang-song-cuu-long")
    assert page.get_by_role("heading", level=1).inner_text() == "Giống lúa chịu mặn Đồng bằng sông Cửu Long"

    with page.expect_download() as info:
        page.get_by_role("link", name="Tải CSV").click()
    downloaded = info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(downloaded)))
    assert rows[0] == ["ma", "tinh", "nam", "kinh_phi"]  # the personal column is not in the public file
    assert [row[0] for row in rows[1:]] == ["DT-01", "DT-02", "DT-03", "DT-04"]

    page.goto(f"{server}/open?q=du+lieu+khong+co+o+day")
    page.get_by_role("link", name="Gửi đề nghị").click()
    page.wait_for_url("**/open/requests/new")
    page.get_by_label("Dữ liệu đề nghị công bố").fill("Danh sách phòng thí nghiệm được công nhận")
    page.get_by_label("Nội dung").fill("Cần cho nghiên cứu về năng lực thử nghiệm của các tỉnh.")
    page.wait_for_timeout(MIN_SECONDS * 1000 + 200)
    page.get_by_role("button", name="Gửi đề nghị").click()
    page.wait_for_load_state()
    assert "duyệt" in page.locator("main").inner_text()  # thanked: shown once a moderator publishes it
    db.expire_all()
    sent = db.scalars(select(Feedback)).one()
    assert (sent.kind, sent.status, sent.title) == ("dataset_request", "pending", "Danh sách phòng thí nghiệm được công nhận")
