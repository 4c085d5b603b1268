"""The words the inspection and improvement-plan pages and documents show for their codes (Vietnamese msgids)."""

from __future__ import annotations

CAMPAIGN_STATUS_LABELS = {"open": "Đang thực hiện", "closed": "Đã kết thúc"}
REPORT_STATUS_LABELS = {
    "draft": "Đang soạn",
    "submitted": "Đã nộp, chờ xem xét",
    "accepted": "Đã tiếp nhận",
    "returned": "Trả lại để bổ sung",
}
TASK_STATUS_LABELS = {"todo": "Chưa thực hiện", "doing": "Đang thực hiện", "done": "Hoàn thành", "cancelled": "Đã huỷ"}
NARRATIVE_LABELS = {
    "assessment": "Đánh giá chung",
    "shortcomings": "Tồn tại, hạn chế",
    "causes": "Nguyên nhân",
    "proposals": "Kiến nghị, đề xuất",
}
FIELD_LABELS = {
    "year": "Năm",
    "title": "Tên",
    "unit_due": "Hạn đơn vị gửi báo cáo",
    "ministry_due": "Hạn tổng hợp báo cáo của Bộ",
    "legal_basis": "Căn cứ pháp lý",
    "doc_number": "Số văn bản",
    "doc_symbol": "Ký hiệu văn bản",
    "signer_name": "Người ký",
    "signer_title": "Chức vụ người ký",
    "note": "Ý kiến",
    "decision": "Kết quả xem xét",
    "unit_id": "Đơn vị",
    "objective": "Mục tiêu",
    "campaign_year": "Đợt kiểm tra",
    "dataset_id": "Bộ dữ liệu",
    "responsible": "Người, bộ phận thực hiện",
    "due_on": "Thời hạn",
    "status": "Trạng thái",
    "body": "Nội dung",
    "task_id": "Nhiệm vụ",
    "noted_on": "Ngày",
}
