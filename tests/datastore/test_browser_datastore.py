"""The datastore in a real browser: an old TCVN3 file uploaded and loaded, its typed preview
filtered, sorted and downloaded, its data dictionary edited, and what the public sees."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.identity import system_actor
from tests import factories as f
from tests.web.browser import chromium, pytestmark, server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["chromium", "pytestmark", "server"]

OLD_FILE = "nhiem_vu_dang_tien_hanh.tcvn3.csv"  # the demo's: TCVN3, three lines above the header


def test_a_steward_loads_an_old_file_then_filters_sorts_downloads_and_edits_its_dictionary(
    server: str, chromium: Browser, db: Session, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    ds = f.dataset(db, f.database(db, unit), "Nhiệm vụ đang tiến hành", visibility="public").dataset
    open_item = DataItemIn(name="ma_de_tai", title="Mã đề tài, dự án", sharing_form="open")  # type: ignore[arg-type]
    items.add_item(db, actor=system_actor(), dataset_id=ds.id, data=open_item)
    f.user(db, "steward", unit, username="canbo")
    db.commit()
    upload = tmp_path / OLD_FILE
    upload.write_bytes(resources.files("ketnoi.demo").joinpath("files", OLD_FILE).read_bytes())

    page = chromium.new_page(accept_downloads=True)
    page.set_default_timeout(15_000)
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill(f.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server}/", wait_until="domcontentloaded")

    page.goto(f"{server}/datasets/{ds.id}")
    page.get_by_text("Tải lên tài nguyên").click()
    page.locator("#f-file").set_input_files(str(upload))
    expect(page.get_by_label("Nạp vào kho dữ liệu (CSV, TSV, XLSX, JSON)")).to_be_checked()  # ticked by default
    page.get_by_role("button", name="Tải lên").click()

    expect(page.get_by_role("status").first).to_contain_text("Đã đưa việc nạp dữ liệu vào hàng đợi")
    job = page.locator("#job-status")
    expect(job).to_contain_text("Hoàn thành")
    expect(job).to_contain_text("Đã nạp 8 dòng (phiên bản 1, bảng mã tcvn3)")
    main = page.locator("main")
    expect(main).to_contain_text("tcvn3")
    expect(main).to_contain_text("Nghiên cứu công nghệ sản xuất giống lúa chịu mặn")  # TCVN3 read right
    expect(main).to_contain_text("8 dòng khớp")

    page.get_by_label("Lọc theo cột").select_option(label="Kinh phí từ ngân sách nhà nước (triệu đồng)")
    page.get_by_label("Phép so sánh").select_option(label="≥")
    page.get_by_label("Giá trị").fill("3.000")  # written the Vietnamese way
    page.get_by_role("button", name="Lọc").click()
    expect(main).to_contain_text("4 dòng khớp")
    page.get_by_role("link", name="Kinh phí từ ngân sách nhà nước (triệu đồng)").click()  # sort ascending
    first_row = page.locator("table.data-grid tbody tr").first
    expect(first_row).to_contain_text("3150")
    page.get_by_role("link", name="Kinh phí từ ngân sách nhà nước (triệu đồng)").click()  # then descending
    expect(first_row).to_contain_text("8500")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    csv_text = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 5 and "Viện Lúa Đồng bằng sông Cửu Long" in csv_text  # header + 4 rows

    page.get_by_role("link", name="Bỏ mọi bộ lọc").click()
    expect(main).to_contain_text("8 dòng khớp")

    page.get_by_role("link", name="Sửa từ điển dữ liệu").click()
    page.locator("#f-title_cap_quan_ly").fill("Cấp quản lý nhiệm vụ")
    page.locator("#f-description_cap_quan_ly").fill("Quốc gia, Bộ, Tỉnh hoặc cơ sở")
    page.get_by_role("button", name="Lưu từ điển dữ liệu").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã lưu thay đổi.")
    expect(page.locator("table.data-grid thead")).to_contain_text("Cấp quản lý nhiệm vụ")
    expect(page.locator("#dictionary")).to_contain_text("Quốc gia, Bộ, Tỉnh hoặc cơ sở")

    public = chromium.new_context().new_page()  # the public: only the open column
    public.set_default_timeout(15_000)
    public.goto(page.url.split("?")[0].split("#")[0])
    grid = public.locator("table.data-grid")
    expect(grid).to_contain_text("ĐTĐL.CN-01/21")
    expect(grid).not_to_contain_text("Viện Lúa")
    expect(public.locator("main")).not_to_contain_text("Nạp dữ liệu vào kho")
