"""Everything the demo loads, in load order (parents before children, databases before datasets)."""

from __future__ import annotations

from ketnoi.catalog.models import SharingForm
from ketnoi.demo.data_ministry import MINISTRY_DATABASES
from ketnoi.demo.data_national import NATIONAL_DATABASES
from ketnoi.demo.data_org import ACCOUNTS, BO_CONG_AN, FOCAL_POINTS, MINISTRY, ORGANIZATIONS, VPCP
from ketnoi.demo.data_sector import SECTOR_DATABASES
from ketnoi.demo.specs import DatabaseSpec, DataFileSpec, ServiceSpec

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

# Sharing services: one published, one ready a week ago (late: the dashboard's case), one draft, and one
# published on specific request (its connection request awaits the unit's answer, then an art. 38 agreement).
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        code="DV.KHCN.NHIEMVU",
        name="Tra cứu nhiệm vụ khoa học và công nghệ đang tiến hành",
        dataset="Nhiệm vụ khoa học và công nghệ đang tiến hành",
        data_items=("ma_de_tai", "ten_de_tai", "cap_quan_ly", "to_chuc_chu_tri", "kinh_phi_nsnn", "ngay_bat_dau", "ngay_ket_thuc"),
        description="Cung cấp danh mục nhiệm vụ KH&CN sử dụng ngân sách nhà nước đang tiến hành cho các bộ, ngành, địa phương.",
        usage_regulation="Dữ liệu dùng cho công tác quản lý nhà nước về khoa học và công nghệ; ghi nguồn Cục Thông tin KH&CN quốc gia.",
        sharing_form=SharingForm.OPEN,
    ),
    ServiceSpec(
        code="DV.KHCN.KETQUA",
        name="Tra cứu kết quả thực hiện nhiệm vụ đã đăng ký",
        dataset="Kết quả thực hiện nhiệm vụ khoa học và công nghệ",
        data_items=("so_dang_ky", "ma_de_tai", "ten_de_tai", "linh_vuc", "nam_dang_ky", "ngay_dang_ky"),
        description="Cung cấp thông tin kết quả nhiệm vụ đã được cấp giấy chứng nhận đăng ký.",
        usage_regulation="Chỉ dùng để tra cứu, đối chiếu kết quả nhiệm vụ; không công bố lại toàn bộ danh mục.",
        stage="ready",
        ready_days_ago=7,
    ),
    ServiceSpec(
        code="DV.KHCN.TOCHUC",
        name="Danh sách tổ chức khoa học và công nghệ",
        dataset="Tổ chức khoa học và công nghệ",
        data_items=("so_giay_chung_nhan", "ten_to_chuc", "loai_hinh", "linh_vuc_hoat_dong"),
        description="Danh sách tổ chức KH&CN được cấp giấy chứng nhận đăng ký hoạt động.",
        usage_regulation="Dùng cho thủ tục hành chính liên quan đến tổ chức KH&CN.",
        stage="draft",
    ),
    ServiceSpec(
        code="DV.KHCN.DANGKY",
        name="Xác minh đăng ký kết quả nhiệm vụ và người đăng ký",
        dataset="Kết quả thực hiện nhiệm vụ khoa học và công nghệ",
        data_items=("so_dang_ky", "ten_de_tai", "nam_dang_ky", "nguoi_dang_ky"),
        description="Xác minh giấy chứng nhận đăng ký kết quả và người đăng ký, phục vụ cơ quan có thẩm quyền.",
        usage_regulation="Chia sẻ theo yêu cầu riêng: chỉ dùng để xác minh theo thoả thuận (Điều 38); không lưu quá thời hạn thoả thuận.",
        sharing_form=SharingForm.SPECIFIC_REQUEST,
    ),
)

# Consumer applications of other agencies (agency code, application): their credentials are issued on /consumers.
CONSUMER_APPS: tuple[tuple[str, str], ...] = (
    (VPCP, "Cổng Dịch vụ công quốc gia"),
    (BO_CONG_AN, "Hệ thống kết nối, khai thác Cơ sở dữ liệu quốc gia về dân cư"),
)

# Connection requests of the demo: (agency, application, service, data items, purpose). The first is
# approved by policy (an open service) and its application gets an API key (var/demo_api_key) to call
# the gateway at once; the second waits for the unit's decision.
CONNECTIONS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    (VPCP, "Cổng Dịch vụ công quốc gia", "DV.KHCN.NHIEMVU", ("ma_de_tai", "ten_de_tai", "to_chuc_chu_tri", "ngay_bat_dau"),
     "Hiển thị nhiệm vụ KH&CN đang thực hiện khi người dân, doanh nghiệp tra cứu thủ tục liên quan."),
    (BO_CONG_AN, "Hệ thống kết nối, khai thác Cơ sở dữ liệu quốc gia về dân cư", "DV.KHCN.DANGKY",
     ("so_dang_ky", "ten_de_tai", "nguoi_dang_ky"), "Đối chiếu người đăng ký kết quả nhiệm vụ với dữ liệu dân cư khi xác minh hồ sơ."),
)  # fmt: skip

NATIONAL_PORTAL = "https://data.gov.vn/api/3/action/"  # the national open-data portal's CKAN API
HARVEST_DATABASE = "CSDL-QG-KHCN"  # its datasets are filed under the national S&T database

__all__ = [
    "ACCOUNTS",
    "CONNECTIONS",
    "CONSUMER_APPS",
    "DATABASES",
    "DATA_FILES",
    "FOCAL_POINTS",
    "HARVEST_DATABASE",
    "MINISTRY",
    "NATIONAL_PORTAL",
    "ORGANIZATIONS",
    "SERVICES",
]
