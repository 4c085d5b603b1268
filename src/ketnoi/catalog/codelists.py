"""Code lists of the catalog, with their Vietnamese labels (msgids, translated by Babel)."""

from __future__ import annotations

from ketnoi.catalog.models import DatabaseClass, DatabaseStatus, DataClass, SharingForm, Visibility

DATABASE_CLASSES = {
    DatabaseClass.NATIONAL: "CSDL quốc gia",
    DatabaseClass.MINISTRY_SHARED: "CSDL dùng chung của Bộ",
    DatabaseClass.SECTOR_SHARED: "CSDL dùng chung của ngành",
    DatabaseClass.INTERNAL: "CSDL nội bộ",
}
DATABASE_STATUSES = {
    DatabaseStatus.PLANNED: "Kế hoạch",
    DatabaseStatus.BUILDING: "Đang xây dựng",
    DatabaseStatus.OPERATING: "Đang vận hành",
    DatabaseStatus.RETIRED: "Ngừng sử dụng",
}
DATA_CLASSES = {
    DataClass.CORE: "Dữ liệu cốt lõi",
    DataClass.IMPORTANT: "Dữ liệu quan trọng",
    DataClass.OTHER: "Dữ liệu khác",
}
SHARING_FORMS = {
    SharingForm.OPEN: "Dữ liệu mở",
    SharingForm.DEFAULT_SHARED: "Chia sẻ mặc định",
    SharingForm.SPECIFIC_REQUEST: "Chia sẻ theo yêu cầu đặc thù",
    SharingForm.NOT_SHARED: "Không chia sẻ",
}
VISIBILITIES = {Visibility.PUBLIC: "Công khai", Visibility.INTERNAL: "Nội bộ"}
SECURITY_LEVELS = {1: "Cấp độ 1", 2: "Cấp độ 2", 3: "Cấp độ 3", 4: "Cấp độ 4", 5: "Cấp độ 5"}

LICENSES = {
    "cc-by-4.0": "Creative Commons Ghi công 4.0 (CC BY 4.0)",
    "cc0-1.0": "Creative Commons CC0 1.0 (không bảo lưu quyền)",
    "odc-by-1.0": "Open Data Commons Attribution 1.0",
    "odbl-1.0": "Open Data Commons ODbL 1.0",
    "vn-open-data": "Điều khoản sử dụng dữ liệu mở của Bộ (ghi nguồn, không bán lại dữ liệu thô)",
    "internal": "Chỉ sử dụng nội bộ",
}
TOPICS = {
    "khcn": "Khoa học và công nghệ",
    "so-huu-tri-tue": "Sở hữu trí tuệ",
    "tieu-chuan-do-luong": "Tiêu chuẩn, đo lường, chất lượng",
    "nang-luong-nguyen-tu": "Năng lượng nguyên tử, an toàn bức xạ",
    "doi-moi-sang-tao": "Đổi mới sáng tạo, khởi nghiệp",
    "thong-tin-khcn": "Thông tin, thống kê KH&CN",
    "tai-chinh": "Kế hoạch, tài chính",
    "to-chuc-can-bo": "Tổ chức, cán bộ",
    "phap-che": "Pháp chế, văn bản",
    "hanh-chinh": "Hành chính, văn phòng",
}
FREQUENCIES = {
    "realtime": "Thời gian thực",
    "daily": "Hằng ngày",
    "weekly": "Hằng tuần",
    "monthly": "Hằng tháng",
    "quarterly": "Hằng quý",
    "semiannual": "6 tháng một lần",
    "annual": "Hằng năm",
    "irregular": "Không định kỳ",
}
DATA_TYPES = {
    "string": "Chuỗi ký tự",
    "integer": "Số nguyên",
    "number": "Số thực",
    "boolean": "Đúng/Sai",
    "date": "Ngày",
    "datetime": "Ngày giờ",
}


def one_of(value: str | None, options: dict[str, str], *, optional: bool = True) -> str | None:
    if value in (None, "") and optional:
        return None
    if value not in options:
        raise ValueError("Giá trị không hợp lệ; chọn một trong: " + ", ".join(options) + ".")
    return value
