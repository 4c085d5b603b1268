"""The words the plan tracker's pages show for its codes (Vietnamese msgids)."""

from __future__ import annotations

STATUS_LABELS = {
    "not_started": "Chưa thực hiện",
    "in_progress": "Đang thực hiện",
    "done": "Hoàn thành",
    "overdue": "Quá hạn",
}
TIMING_LABELS = {
    "fixed": "Năm hoặc giai đoạn cố định",
    "yearly": "Hằng năm",
    "semiannual": "Định kỳ 6 tháng",
    "on_event": "Khi có sự kiện",
    "sla": "Thời hạn tính từ sự kiện",
}
EVENT_LABELS = {
    "database_operating": "Khi CSDL đưa vào khai thác",
    "requested": "Khi có yêu cầu",
    "service_ready": "Khi dịch vụ chia sẻ dữ liệu sẵn sàng",
}
GROUP_LABELS = {"db_owners": "Các đơn vị chủ quản CSDL của Bộ", "all_units": "Các đơn vị trực thuộc Bộ"}
FIELD_LABELS = {"body": "Nội dung báo cáo", "percent": "Tỷ lệ hoàn thành (%)", "file": "Tệp minh chứng", "year": "Năm"}
DASHBOARD_SECTIONS = {
    "unit": "Theo đơn vị",
    "part": "Theo phần của Kế hoạch",
    "period": "Theo kỳ",
    "task": "Theo nhiệm vụ",
}
