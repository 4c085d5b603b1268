"""The words the quality pages and documents show for the codes of quality.models and quality.rules (Vietnamese msgids)."""

from __future__ import annotations

# The labels (Vietnamese msgids) of the kinds, as the rule form lists them.
KIND_LABELS = {
    "not_null": "Không được để trống",
    "required_if": "Bắt buộc khi thỏa điều kiện",
    "type": "Đúng kiểu dữ liệu",
    "pattern": "Đúng mẫu (biểu thức chính quy)",
    "allowed": "Thuộc danh mục giá trị",
    "range": "Trong khoảng giá trị",
    "length": "Độ dài hợp lệ",
    "unique": "Không trùng lặp",
    "expression": "Nhất quán giữa các cột",
    "foreign_key": "Tham chiếu tới bộ dữ liệu khác",
    "date_freshness": "Ngày mới nhất của một cột",
    "freshness": "Cập nhật đúng tần suất công bố",
    "review": "Kiểm tra mẫu đối chiếu nguồn gốc",
    "metadata": "Đầy đủ siêu dữ liệu",
}


TYPE_LABELS = {"integer": "Số nguyên", "number": "Số", "date": "Ngày", "email": "Thư điện tử", "url": "Địa chỉ web"}
METADATA_FIELDS = {
    "owner": "Đơn vị chủ quản",
    "focal_point": "Đầu mối liên hệ",
    "description": "Mô tả",
    "license": "Giấy phép",
    "review": "Ngày rà soát siêu dữ liệu (trong 12 tháng)",
}
DIMENSION_LABELS = {
    "completeness": "Tính đầy đủ",
    "validity": "Tính hợp lệ",
    "uniqueness": "Tính duy nhất",
    "consistency": "Tính nhất quán",
    "timeliness": "Tính kịp thời",
    "accuracy": "Tính chính xác",
    "metadata": "Chất lượng siêu dữ liệu",
}
SEVERITY_LABELS = {"critical": "Nghiêm trọng", "major": "Quan trọng", "minor": "Thứ yếu"}
OUTCOME_LABELS = {"passed": "Đạt", "failed": "Không đạt", "error": "Lỗi khi đo", "skipped": "Không có dữ liệu để đo"}
TRIGGER_LABELS = {"manual": "Chạy thủ công", "ingest": "Sau khi nạp dữ liệu", "schedule": "Theo lịch"}
SCHEDULE_LABELS = {"none": "Không theo lịch", "daily": "Hằng ngày", "weekly": "Hằng tuần", "monthly": "Hằng tháng"}
INCIDENT_STATUS_LABELS = {"open": "Mới", "investigating": "Đang xử lý", "resolved": "Đã khắc phục", "dismissed": "Không phải lỗi"}
INCIDENT_SOURCE_LABELS = {
    "portal": "Báo lỗi từ cổng dữ liệu mở",
    "consumer": "Cơ quan khai thác dữ liệu",
    "staff": "Cán bộ của Bộ",
    "rule": "Quy tắc nghiêm trọng không đạt",
}
