"""The words the training pages show for their fields (Vietnamese msgids)."""

from __future__ import annotations

FIELD_LABELS = {
    "title": "Tên đợt tập huấn",
    "held_on": "Ngày tổ chức",
    "place": "Địa điểm",
    "organizer_id": "Đơn vị tổ chức",
    "topics": "Nội dung",
    "participants": "Người tham dự",
    "notes": "Ghi chú",
}
