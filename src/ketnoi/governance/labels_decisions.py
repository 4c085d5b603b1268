"""Labels of official catalogs (Vietnamese msgids, translated by Babel)."""

from __future__ import annotations

from ketnoi.governance.decisions_models import CatalogKind, VersionStatus

KIND_LABELS = {
    CatalogKind.MINISTRY_SHARED: "Danh mục CSDL dùng chung của Bộ",
    CatalogKind.SECTOR_SHARED: "Danh mục CSDL dùng chung của ngành",
    CatalogKind.NATIONAL_PROPOSAL: "Đề xuất CSDL quốc gia",
    CatalogKind.OPEN_DATA: "Danh mục dữ liệu mở",
    CatalogKind.DEFAULT_SHARING: "Danh mục dữ liệu chia sẻ theo hình thức mặc định",
}
STATUS_LABELS = {
    VersionStatus.DRAFT: "Dự thảo",
    VersionStatus.SUBMITTED: "Đã trình duyệt",
    VersionStatus.APPROVED: "Đã phê duyệt",
    VersionStatus.PUBLISHED: "Đã công bố",
}
# The fields of an entry's snapshot, in the order the decision's table shows them.
SNAPSHOT_LABELS = {
    "name": "Tên",
    "code": "Mã",
    "database": "Thuộc CSDL",
    "owner": "Đơn vị chủ quản",
    "db_class": "Phân loại CSDL",
    "status": "Tình trạng",
    "information_system": "Hệ thống thông tin",
    "personal_data": "Có dữ liệu cá nhân",
    "data_class": "Phân loại dữ liệu",
    "sharing_form": "Hình thức chia sẻ",
    "items": "Trường dữ liệu",
    "license": "Giấy phép",
    "frequency": "Tần suất cập nhật",
}
FIELD_LABELS = {
    "kind": "Loại danh mục",
    "title": "Tên danh mục",
    "legal_basis": "Căn cứ pháp lý",
    "review_months": "Chu kỳ rà soát (tháng)",
    "source": "Bản ghi",
    "note": "Ghi chú",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định",
    "signer_name": "Người ký",
    "signer_title": "Chức vụ người ký",
    "file": "Tệp quyết định đã ký (PDF)",
}
