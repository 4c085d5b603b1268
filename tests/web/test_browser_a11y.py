"""Accessibility in a real browser: a phone's width, the keyboard alone, and text contrast (WCAG 2.1 AA)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.orm import Session

from tests import factories as f
from tests.web.browser import pytestmark

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["pytestmark"]

PHONE = {"width": 360, "height": 740}  # a common Android width; narrower than every layout breakpoint

# Every visible element with text of its own: its WCAG contrast ratio against the first opaque
# background behind it (the page's own colours; a background image would need a human).
CONTRAST_JS = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility() || el.closest(".visually-hidden, .skip-link")) continue;
    const style = getComputedStyle(el);
    const [l1, l2] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))].sort((a, b) => b - a);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    out.push({text: el.textContent.trim().slice(0, 40), tag: el.tagName, ratio: (l1 + 0.05) / (l2 + 0.05), need: large ? 3 : 4.5});
  }
  return out;
}
"""


@pytest.fixture
def catalogue(db: Session) -> str:
    """A unit with a steward, a database and a public dataset with a long Vietnamese name; the dataset's path."""
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    base = f.database(db, unit, "Cơ sở dữ liệu quốc gia về khoa học và công nghệ")
    long_name = "Danh mục nhiệm vụ khoa học và công nghệ cấp quốc gia đã đánh giá nghiệm thu giai đoạn 2016–2025"
    dataset = f.dataset(db, base, long_name, visibility="public", tags=["nhiem-vu-khcn", "nghiem-thu", "quoc-gia"])
    f.user(db, "steward", unit, username="canbo")
    db.commit()
    return f"/datasets/{dataset.dataset.id}"


def _login(page: Page, server: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill(f.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server}/", wait_until="domcontentloaded")


def test_pages_fit_a_phone_without_sideways_scrolling(server: str, chromium: Browser, catalogue: str) -> None:
    page = chromium.new_page(viewport=PHONE)
    page.set_default_timeout(15_000)
    _login(page, server)
    for path in ("/", "/organizations", "/databases", "/datasets", catalogue, "/databases/new", "/jobs", "/notifications"):
        page.goto(f"{server}{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a {PHONE['width']}px phone"
        # What a visitor needs first is on the screen: the page's heading and the main navigation.
        heading = page.get_by_role("heading", level=1).bounding_box()
        assert heading is not None and heading["x"] >= 0 and heading["x"] + heading["width"] <= PHONE["width"], path
        assert page.get_by_role("navigation", name="Điều hướng chính").is_visible(), path
    # A wide table scrolls inside its own region, which the keyboard can reach (tabindex=0).
    page.goto(f"{server}/datasets")
    region = page.get_by_role("region", name="Danh sách bộ dữ liệu")
    assert region.get_attribute("tabindex") == "0"


def test_the_keyboard_alone_reaches_the_content_and_searches(server: str, chromium: Browser, catalogue: str) -> None:
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server}/datasets")
    page.keyboard.press("Tab")
    skip = page.evaluate("() => document.activeElement.textContent.trim()")
    assert skip == "Bỏ qua, đến nội dung chính"  # the first stop skips the header
    # The focused element is marked: an outline, not the browser's default that a style could remove.
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "q"
    page.keyboard.type("nghiem thu")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["nghiem thu"])
    assert page.locator("#results").get_by_role("link", name="Danh mục nhiệm vụ khoa học").count() == 1


@pytest.mark.parametrize("signed_in", [False, True], ids=["public", "steward"])
def test_text_has_enough_contrast(server: str, chromium: Browser, catalogue: str, signed_in: bool) -> None:
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    if signed_in:
        _login(page, server)
    paths = ["/", "/datasets", catalogue, "/login?next=/"] + (["/databases/new", "/notifications"] if signed_in else [])
    checked = 0
    for path in paths:
        page.goto(f"{server}{path}")
        found = page.evaluate(CONTRAST_JS)
        low = [item for item in found if item["ratio"] < item["need"]]
        assert not low, f"{path}: text below WCAG AA contrast: {low}"
        checked += len(found)
    assert checked > 50  # the check did look at the pages' text
