"""Everything the demo loads, in load order (parents before children, databases before datasets)."""

from __future__ import annotations

from ketnoi.demo.data_ministry import MINISTRY_DATABASES
from ketnoi.demo.data_national import NATIONAL_DATABASES
from ketnoi.demo.data_org import ACCOUNTS, FOCAL_POINTS, MINISTRY, ORGANIZATIONS
from ketnoi.demo.data_sector import SECTOR_DATABASES
from ketnoi.demo.specs import DatabaseSpec, DataFileSpec

DATABASES: tuple[DatabaseSpec, ...] = (*NATIONAL_DATABASES, *SECTOR_DATABASES, *MINISTRY_DATABASES)

# Loaded into the datastore by the demo: one example of each thing a newcomer should see work.
DATA_FILES: tuple[DataFileSpec, ...] = (
    DataFileSpec(
        "Nhiệm vụ khoa học và công nghệ đang tiến hành",
        "nhiem_vu_dang_tien_hanh.tcvn3.csv",
        "Danh mục nhiệm vụ đang tiến hành (tháng 11/2021)",
        "Tệp mẫu: xuất từ bảng tính cũ dùng phông .Vn (TCVN3), có dòng tên bảng phía trên tiêu đề. "
        "Mọi cột là dữ liệu mở, nên bảng truy vấn được bằng SQL (/api/v1/sql/tables).",
    ),
    DataFileSpec(
        "Kết quả thực hiện nhiệm vụ khoa học và công nghệ",
        "ket_qua_dang_ky.xlsx",
        "Kết quả đăng ký tháng 11/2021",
        "Tệp mẫu: bảng tính XLSX có hai dòng tên bảng (ô gộp) và ngày viết dd/mm/yyyy. Cột «Người đăng ký» "
        "là dữ liệu cá nhân: công chúng không thấy cột này.",
    ),
    DataFileSpec(
        "Tổ chức khoa học và công nghệ",
        "to_chuc_khcn.vni.csv",
        "Tổ chức được cấp giấy chứng nhận (2019-2022)",
        "Tệp mẫu: CSV mã VNI-Windows; một dòng thừa một ô (dấu phẩy trong địa chỉ không đặt trong ngoặc kép) "
        "được tách riêng khi nạp, các dòng khác được nạp.",
        bad_rows="quarantine",
    ),
)

__all__ = ["ACCOUNTS", "DATABASES", "DATA_FILES", "FOCAL_POINTS", "MINISTRY", "ORGANIZATIONS"]
