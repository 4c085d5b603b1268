"""In a real browser: the unit answers a connection request (a refusal without reasons refused, then an
approval disclosing one personal item), writes the art. 38 agreement the application then accepts,
and the exchanges page counts the calls that followed."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sharing.conftest import AGREEMENT, World, ask_connection
from tests.web.browser import chromium, login, pytestmark, server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["chromium", "pytestmark", "server"]


def test_a_request_is_answered_agreed_and_its_calls_counted(
    server: str, chromium: Browser, gateway: World, api: TestClient, db: Session
) -> None:
    from playwright.sync_api import expect

    asked = ask_connection(api, gateway.key, "DV.DACTHU", ["ma_nhiem_vu", "chu_nhiem"])
    steward = login(chromium, server, "canbo")
    steward.goto(f"{server}/services")
    steward.get_by_role("link", name="DV.DACTHU").first.click()
    connections = steward.locator("#connections")
    expect(connections).to_contain_text("Chờ trả lời")
    connections.get_by_role("link", name="Hệ thống của Văn phòng Chính phủ").click()
    expect(steward.locator("main")).to_contain_text("Hạn trả lời: hết ngày")
    steward.get_by_label("Từ chối (nêu rõ lý do)").check()
    steward.get_by_role("button", name="Gửi trả lời").click()
    expect(steward.get_by_role("alert")).to_contain_text("Từ chối phải nêu rõ lý do")
    steward.get_by_label("Chấp thuận").check()
    steward.get_by_label("chu_nhiem").check()
    steward.locator("#f-quota_per_day").fill("1000")
    steward.locator("#f-row_filters").fill("tinh_thanh Hà Nội")  # no "="
    steward.get_by_role("button", name="Gửi trả lời").click()
    expect(steward.get_by_role("alert")).to_contain_text("Dòng 1 của điều kiện lọc")
    steward.get_by_label("Chấp thuận").check()
    steward.get_by_label("chu_nhiem").check()
    steward.locator("#f-row_filters").fill("tinh_thanh=Hà Nội")
    steward.get_by_role("button", name="Gửi trả lời").click()
    expect(steward.get_by_role("status").first).to_contain_text("Đã lưu thay đổi.")
    expect(steward.locator("main")).to_contain_text("Đã chấp thuận")
    assert api.get("/x/DV.DACTHU/records", headers=gateway.key).json()["error"]["type"] == "agreement_required"

    agreement = steward.locator("#agreement")
    for key, text in AGREEMENT.items():
        agreement.locator(f"#f-{key}").fill(text)
    agreement.get_by_role("button", name="Đề xuất (đơn vị chấp thuận)").click()
    expect(steward.get_by_role("alert")).to_contain_text("Hiệu lực từ ngày")  # the start date is required
    steward.locator("#f-valid_from").fill("2020-01-01")
    steward.get_by_role("button", name="Đề xuất (đơn vị chấp thuận)").click()
    expect(steward.locator("#agreement")).to_contain_text("Phiên bản 1 · Chờ bên khai thác chấp thuận")

    proposed = api.get("/x/agreements", headers=gateway.key).json()["items"][0]
    assert api.post(f"/x/agreements/{proposed['id']}/accept", headers=gateway.key).status_code == 200
    answered = api.get("/x/DV.DACTHU/records", headers=gateway.key).json()
    assert answered["masked"] == [] and answered["items"][0]["chu_nhiem"] == "Nguyễn Văn An"
    assert [r["ma_nhiem_vu"] for r in answered["items"]] == ["NV-01", "NV-03"]  # the row filter: Hà Nội only
    steward.reload()
    expect(steward.locator("#agreement")).to_contain_text("Đang có hiệu lực")

    steward.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Trao đổi").click()
    by_service = steward.get_by_role("table", name="Theo dịch vụ")
    expect(by_service).to_contain_text("DV.DACTHU")
    cells = by_service.get_by_role("row").nth(1).get_by_role("cell")
    expect(cells.nth(0)).to_have_text("2")  # calls: one refused (no agreement yet), one answered
    expect(cells.nth(1)).to_have_text("1")
    assert asked["status"] == "submitted"


def test_a_dead_letter_is_sent_again_from_the_exchanges_page(
    server: str, chromium: Browser, gateway: World, api: TestClient, db: Session
) -> None:
    from playwright.sync_api import expect

    from ketnoi.kit.clock import utcnow
    from ketnoi.sharing.subscriptions import Delivery, DeliveryStatus, Subscription

    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    app_id = api.get("/x/whoami", headers=gateway.key).json()["app_id"]
    service_id = next(s["id"] for s in api.get("/api/v1/services").json() if s["code"] == "DV.MACDINH")
    subscription = Subscription(app_id=uuid.UUID(app_id), service_id=uuid.UUID(service_id), url="https://he-thong.vpcp.gov.vn/thong-bao",
                                created_at=utcnow())  # fmt: skip
    db.add(subscription)
    db.flush()
    dead = Delivery(subscription_id=subscription.id, payload={"event": "data_changed"}, status=DeliveryStatus.DEAD, attempts=6,
                    next_attempt_at=utcnow(), last_error="Bên nhận trả lời HTTP 503", created_at=utcnow())  # fmt: skip
    db.add(dead)
    db.commit()
    steward = login(chromium, server, "canbo")
    steward.goto(f"{server}/exchanges")
    letters = steward.locator("#dead-letters")
    expect(letters).to_contain_text("Bên nhận trả lời HTTP 503")
    letters.get_by_role("button", name="Gửi lại").click()
    expect(steward.get_by_role("status").first).to_contain_text("Đã lưu thay đổi.")
    expect(steward.locator("#dead-letters")).to_contain_text("Không có thông báo nào thất bại.")
    db.refresh(dead)
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)
