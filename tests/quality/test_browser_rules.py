"""Quality rules in Chromium: a steward adds a not-null rule through the form, runs the check, and reads the result."""

from __future__ import annotations

from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.conftest import EMAIL_MISSING, ROWS, Register
from tests.web.browser import chromium, login, pytestmark, server
from tests.web.test_browser_a11y import CONTRAST_JS, PHONE

from ketnoi.org.models import Organization
from ketnoi.quality.models import QualityRule

__all__ = ["chromium", "pytestmark", "server"]


def test_a_steward_adds_a_not_null_rule_runs_the_check_and_sees_the_failed_rows_and_the_score(
    server: str, chromium: Browser, db: Session, register: Register
) -> None:
    f.user(db, "steward", db.get(Organization, register.unit_id), username="canbo")
    db.commit()
    page = login(chromium, server, "canbo")
    page.goto(f"{server}/datasets/{register.dataset_id}")
    page.locator("main").get_by_role("link", name="Chất lượng dữ liệu").click()
    page.wait_for_url(f"**/datasets/{register.dataset_id}/quality")
    assert "Bộ dữ liệu chưa được kiểm tra lần nào." in page.locator("main").inner_text()

    form = page.locator("#add-not_null")
    form.locator("summary").click()  # each kind's form opens from its own block: no script needed
    form.get_by_label("Cột được kiểm tra").select_option("email")
    form.get_by_label("Mức độ").select_option("critical")
    form.get_by_label("Ngưỡng đạt (%)").fill("99")
    form.get_by_role("button", name="Thêm quy tắc").click()
    page.wait_for_url("**/quality?done=created#rules")
    assert "Không được để trống: email" in page.locator("#rules").inner_text()

    page.get_by_role("button", name="Chạy kiểm tra ngay").click()
    page.wait_for_url("**/quality?ran=*")
    # 5 of 300 missing: 98.3 % < 99 %, a critical rule failed: the score is capped at 69.
    assert "Q 69 · bao phủ 1/7" in page.locator("#ran-notice").inner_text()
    cells = page.locator("table.dq-results tbody tr").first.locator("td").all_inner_texts()
    assert cells[4:6] == [str(ROWS), str(len(EMAIL_MISSING))]
    assert cells[8].strip() == "Không đạt"
    assert cells[9].replace(" ", "").replace("\n", "") == ",".join(str(i) for i in sorted(EMAIL_MISSING))
    db.expire_all()
    assert [(r.kind, r.severity, r.target) for r in db.scalars(select(QualityRule))] == [("not_null", "critical", 0.99)]

    # Readable as the rest of the site: enough contrast, and a phone's width without sideways scrolling.
    for path in (f"/datasets/{register.dataset_id}/quality", "/quality"):
        page.set_viewport_size(PHONE)
        page.goto(f"{server}{path}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
        low = [item for item in page.evaluate(CONTRAST_JS) if item["ratio"] < item["need"]]
        assert not low, f"{path}: text below WCAG AA contrast: {low}"
