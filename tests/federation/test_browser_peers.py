"""Federation in Chromium: an administrator registers the second ketnoi node, refreshes its
listing, sees its services and its pinned key, and asks for access to one of them."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.federation.models import PeerRequest
from tests.federation.conftest import Ours, PeerNode
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


def test_an_administrator_registers_a_peer_sees_its_services_and_asks_for_one(
    server: str, chromium: Browser, db: Session, ours: Ours, peer: PeerNode
) -> None:
    page = login(chromium, server, "quantri")
    page.goto(f"{server}/peers")
    page.get_by_role("link", name="Đăng ký nút ngang hàng").click()
    page.get_by_label("Mã nút").fill("BN")
    page.get_by_label("Tên nút").fill("Nền tảng chia sẻ dữ liệu tỉnh Bắc Ninh")
    page.get_by_label("Địa chỉ gốc").fill(peer.url)
    page.get_by_label("client_id do nút kia cấp").fill(peer.seeded["client_id"])
    page.get_by_label("client_secret do nút kia cấp").fill(peer.seeded["client_secret"])
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/peers/*?done=created")
    kid = httpx.get(f"{peer.url}/.well-known/jwks.json", timeout=30).json()["keys"][0]["kid"]
    assert kid in page.locator("section[aria-labelledby=keys-title]").inner_text()
    page.get_by_role("button", name="Làm mới danh mục").click()
    page.wait_for_url("**?synced=services")
    services = page.locator("section[aria-labelledby=services-title]")
    assert "DV.BN.DOANHNGHIEP" in services.inner_text() and "DV.BN.DATDAI" in services.inner_text()
    services.get_by_role("row", name="DV.BN.DOANHNGHIEP").get_by_role("link", name="Yêu cầu kết nối").click()
    page.get_by_label("Mục đích khai thác").fill("Tổng hợp báo cáo doanh nghiệp khoa học và công nghệ")
    page.get_by_role("button", name="Gửi yêu cầu").click()
    page.wait_for_url("**done=created*")
    assert "Đã chấp thuận" in page.locator("section[aria-labelledby=requests-title]").inner_text()
    db.expire_all()
    assert [r.status for r in db.scalars(select(PeerRequest))] == ["approved"]
