"""In a real browser: a unit declares a sharing service and marks it ready, the IT Center sees it
awaiting publication and publishes it, the public finds it; the administrator corrects the calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from tests import factories as f
from tests.sharing.conftest import Setting
from tests.web.browser import chromium, login, pytestmark, server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["chromium", "pytestmark", "server"]


def test_a_service_is_declared_made_ready_published_and_found(server: str, chromium: Browser, setting: Setting) -> None:
    from playwright.sync_api import expect

    steward = login(chromium, server, "canbo")
    steward.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Dịch vụ chia sẻ").click()
    steward.get_by_role("link", name="Khai báo dịch vụ").click()
    steward.get_by_label("Mã dịch vụ").fill("DV.KHCN.NHIEMVU")
    steward.get_by_label("Tên dịch vụ").fill("Tra cứu nhiệm vụ khoa học và công nghệ")
    steward.get_by_label("Đơn vị chủ quản").select_option(label="Cục Thông tin khoa học và công nghệ quốc gia")
    steward.get_by_label("Bộ dữ liệu").select_option(label="Nhiệm vụ khoa học và công nghệ")
    steward.get_by_label("Trường dữ liệu").fill("ma_nhiem_vu, ghi_chu_noi_bo")  # one of them is not shared
    steward.get_by_role("button", name="Lưu").click()
    expect(steward.get_by_role("alert")).to_contain_text("Trường không được chia sẻ: ghi_chu_noi_bo")
    steward.get_by_label("Trường dữ liệu").fill("ma_nhiem_vu, ten_nhiem_vu")
    steward.get_by_role("button", name="Lưu").click()
    expect(steward.get_by_role("status").first).to_contain_text("Đã tạo bản ghi.")
    expect(steward.locator("main")).to_contain_text("Đang soạn")
    steward.get_by_role("button", name="Sẵn sàng công bố").click()
    expect(steward.locator("main")).to_contain_text("Sẵn sàng, chờ công bố")
    expect(steward.get_by_role("button", name="Công bố", exact=True)).to_have_count(0)

    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/services")
    waiting = admin.locator("section").filter(has=admin.get_by_role("heading", name="Chờ công bố (1)"))
    expect(waiting).to_contain_text("DV.KHCN.NHIEMVU")
    waiting.get_by_role("link", name="Tra cứu nhiệm vụ khoa học và công nghệ").click()
    admin.get_by_role("button", name="Công bố", exact=True).click()
    expect(admin.locator("main")).to_contain_text("Đã công bố")

    public = chromium.new_context().new_page()
    public.goto(f"{server}/services")
    expect(public.locator("main")).to_contain_text("Tra cứu nhiệm vụ khoa học và công nghệ")
    expect(public.get_by_role("link", name="Khai báo dịch vụ")).to_have_count(0)


def test_the_administrator_marks_a_make_up_saturday(server: str, chromium: Browser, setting: Setting) -> None:
    from playwright.sync_api import expect

    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/calendar?year=2025")
    expect(admin.locator("main")).to_contain_text("theo quy tắc của Bộ luật Lao động")
    admin.locator("#f-day").fill("2025-02-08")
    admin.get_by_label("Loại").select_option(label="Ngày làm bù (cuối tuần)")
    admin.locator("#f-name").fill("Làm bù ngày 27/01")
    admin.get_by_role("button", name="Lưu ngày").click()
    expect(admin.get_by_role("status").first).to_contain_text("Đã lưu thay đổi.")
    expect(admin.locator("main")).to_contain_text("Làm bù ngày 27/01")
    expect(admin.locator("main")).not_to_contain_text("theo quy tắc của Bộ luật Lao động")


def test_the_administrator_registers_an_application_issues_a_secret_and_revokes_it(
    server: str, chromium: Browser, setting: Setting, db: Session
) -> None:
    from playwright.sync_api import expect

    from ketnoi.org.models import OrgKind

    f.unit(db, "Văn phòng Chính phủ", kind=OrgKind.AGENCY)
    db.commit()
    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/services")
    admin.get_by_role("link", name="Ứng dụng khai thác dữ liệu").click()
    admin.get_by_role("button", name="Đăng ký", exact=True).click()  # nothing chosen
    expect(admin.get_by_role("alert")).to_contain_text("Hãy chọn cơ quan.")
    admin.get_by_label("Cơ quan").select_option(label="Văn phòng Chính phủ")
    admin.locator("#f-name").fill("Cổng Dịch vụ công quốc gia")
    admin.get_by_role("button", name="Đăng ký", exact=True).click()
    expect(admin.get_by_role("status").first).to_contain_text("Đã tạo bản ghi.")
    admin.get_by_role("button", name="Cấp thông tin xác thực Cổng Dịch vụ công quốc gia").click()
    secret = admin.locator("#new-secret").input_value()
    assert secret.startswith("kcs_")
    admin.goto(f"{server}/consumers")
    assert secret not in admin.content()  # shown once
    admin.get_by_role("button", name="Thu hồi").click()
    expect(admin.locator("main")).to_contain_text("Đã thu hồi")


def test_the_administrator_registers_a_key_rotates_a_secret_and_suspends_with_reasons(
    server: str, chromium: Browser, setting: Setting, db: Session
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from playwright.sync_api import expect

    from ketnoi.org.models import OrgKind
    from ketnoi.sharing import consumers

    agency = f.unit(db, "Bộ Công an", kind=OrgKind.AGENCY)
    consumers.register_app(db, actor=setting.admin, organization_id=agency.id, name="Hệ thống dân cư", description=None)
    db.commit()
    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    admin = login(chromium, server, "quantri")
    admin.goto(f"{server}/consumers")
    admin.get_by_label("Loại").select_option("private_key_jwt")
    admin.get_by_text("Khoá công khai, chứng thư số").click()
    admin.get_by_label("Khoá công khai của ứng dụng (PEM, cho private_key_jwt)").fill("không phải khoá")
    admin.get_by_role("button", name="Cấp thông tin xác thực Hệ thống dân cư").click()
    expect(admin.get_by_role("alert")).to_contain_text("Khoá công khai không đọc được")
    admin.get_by_label("Loại").select_option("private_key_jwt")
    admin.get_by_text("Khoá công khai, chứng thư số").click()
    admin.get_by_label("Khoá công khai của ứng dụng (PEM, cho private_key_jwt)").fill(pem)
    admin.get_by_role("button", name="Cấp thông tin xác thực Hệ thống dân cư").click()
    expect(admin.get_by_role("status").first).to_contain_text("nền tảng không giữ bí mật nào của ứng dụng")
    admin.goto(f"{server}/consumers")
    admin.get_by_label("Loại").select_option("api_key")
    admin.get_by_role("button", name="Cấp thông tin xác thực Hệ thống dân cư").click()
    first = admin.locator("#new-secret").input_value()
    admin.goto(f"{server}/consumers")
    admin.get_by_role("button", name="Thay mới").click()
    second = admin.locator("#new-secret").input_value()
    assert second.startswith("kak_") and second != first
    admin.goto(f"{server}/consumers")
    expect(admin.locator("main")).to_contain_text("Đã thay mới, hết hiệu lực lúc")
    admin.get_by_role("button", name="Tạm dừng Hệ thống dân cư").click()
    expect(admin.get_by_role("alert")).to_contain_text("Hãy nêu nội dung, lý do")
    admin.get_by_label("Lý do tạm dừng (gửi ngay cho ứng dụng)").fill("Công bố lại dữ liệu trái quy chế khai thác.")
    admin.get_by_role("button", name="Tạm dừng Hệ thống dân cư").click()
    expect(admin.get_by_role("status").first).to_contain_text("Đã lưu thay đổi.")
    expect(admin.locator("main")).to_contain_text("Tạm dừng")
