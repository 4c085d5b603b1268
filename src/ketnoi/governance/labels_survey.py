"""The words the status-survey pages and documents show for their codes (Vietnamese msgids)."""

from __future__ import annotations

SURVEY_STATUS_LABELS = {"draft": "Đang soạn bảng hỏi", "open": "Đang khảo sát", "closed": "Đã kết thúc"}
ASSIGNMENT_STATUS_LABELS = {"not_started": "Chưa trả lời", "in_progress": "Đang trả lời", "submitted": "Đã nộp"}
KIND_LABELS = {
    "short_text": "Văn bản ngắn",
    "long_text": "Văn bản dài",
    "number": "Số",
    "yes_no": "Có / Không",
    "single_choice": "Chọn một",
    "multiple_choice": "Chọn nhiều",
    "date": "Ngày",
    "table": "Bảng",
}
CELL_LABELS = {"text": "Chữ", "number": "Số"}
FIELD_LABELS = {
    "title": "Tên",
    "description": "Mô tả",
    "legal_basis": "Căn cứ pháp lý",
    "due_on": "Hạn trả lời",
    "section_id": "Phần",
    "text": "Câu hỏi",
    "help": "Hướng dẫn trả lời",
    "kind": "Loại câu hỏi",
    "required": "Bắt buộc",
    "choices": "Các phương án",
    "rows": "Các dòng",
    "columns": "Các cột",
    "cell": "Kiểu ô",
    "unit_ids": "Đơn vị",
    "direction": "Hướng",
}
