"""In a real browser: a visitor asks for a dataset to be opened, the unit's steward publishes the
request from the moderation queue, and the visitor finds it on the public list and votes for it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from ketnoi.feedback import antispam
from tests.feedback.conftest import World
from tests.web.browser import chromium, login, pytestmark, server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["chromium", "pytestmark", "server"]

TITLE = "Danh sách nhãn hiệu được bảo hộ theo tỉnh"
MIN_SECONDS = 0.3  # the form's minimum time, lowered so the test waits a moment rather than three seconds


@pytest.fixture
def quick_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(antispam, "MIN_FORM_SECONDS", MIN_SECONDS)


def test_a_visitors_request_is_published_by_the_steward_and_voted_for(
    server: str, chromium: Browser, world: World, quick_forms: None
) -> None:
    from playwright.sync_api import expect

    visitor = chromium.new_context().new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(f"{server}/open/requests/new")
    # The honeypot is on the form, but clipped out of sight by CSS: no click can reach it.
    reachable = "e => { const r = e.getBoundingClientRect(); return document.elementFromPoint(r.x + r.width / 2, r.y + 1) === e }"
    assert visitor.get_by_label("Để trống ô này").evaluate(reachable) is False
    assert visitor.get_by_label("Nội dung").evaluate(reachable) is True
    visitor.get_by_label("Dữ liệu đề nghị công bố").fill(TITLE)
    visitor.get_by_label("Nội dung").fill("Phục vụ nghiên cứu phát triển thương hiệu địa phương.")
    visitor.get_by_label("Đơn vị").select_option(label="Cục Sở hữu trí tuệ")
    visitor.wait_for_timeout(MIN_SECONDS * 1000 + 200)
    visitor.get_by_role("button", name="Gửi đề nghị").click()
    expect(visitor.get_by_role("status")).to_contain_text("Đề nghị sẽ hiển thị sau khi được duyệt.")
    expect(visitor.locator("main")).not_to_contain_text(TITLE)

    steward = login(chromium, server, "canbo")
    steward.goto(f"{server}/feedback")
    item = steward.locator("article").filter(has_text=TITLE)
    expect(item).to_contain_text("Chờ duyệt")
    item.get_by_role("button", name=re.compile("^Công bố")).click()
    expect(steward.get_by_role("status").first).to_contain_text("Đã lưu thay đổi.")
    expect(steward.locator("main")).not_to_contain_text(TITLE)  # the queue shows what is still pending

    visitor.goto(f"{server}/open/requests")
    request = visitor.locator("li").filter(has_text=TITLE)
    expect(request).to_contain_text("0 bình chọn")
    request.get_by_role("button", name=re.compile("^Bình chọn")).click()
    expect(visitor.get_by_role("status")).to_contain_text("Đã ghi nhận bình chọn của bạn.")
    request = visitor.locator("li").filter(has_text=TITLE)
    expect(request).to_contain_text("1 bình chọn")
    expect(request).to_contain_text("Bạn đã bình chọn")
    expect(request.get_by_role("button", name=re.compile("^Bình chọn"))).to_have_count(0)
