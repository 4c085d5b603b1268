"""The words the deadline pages show for their codes (Vietnamese msgids)."""

from __future__ import annotations

KIND_LABELS = {
    "fixed_day_of_year": "Ngày cố định hằng năm",
    "every_n_months": "Định kỳ theo số tháng",
    "working_days_after_event": "Số ngày làm việc kể từ sự kiện",
    "calendar_days_after_event": "Số ngày kể từ sự kiện",
}
FIELD_LABELS = {
    "label": "Tên thời hạn",
    "day": "Ngày",
    "month": "Tháng",
    "months": "Số tháng mỗi kỳ",
    "anchor": "Ngày mốc của chu kỳ",
    "days": "Số ngày",
    "remind_before_days": "Nhắc trước hạn (ngày)",
    "remind_after": "Nhắc hằng ngày khi quá hạn",
    "legal_basis": "Căn cứ pháp lý",
    "enabled": "Đang áp dụng (có nhắc hạn)",
    "note": "Lý do thay đổi",
    "params": "Tham số cách tính",
    "event_at": "Thời điểm xảy ra sự kiện",
}
