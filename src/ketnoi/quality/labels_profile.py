"""The words the profile page shows for its codes (Vietnamese msgids; babel extracts the dict values)."""

from __future__ import annotations

# A column's Table Schema type, as the profile names it.
COLUMN_TYPE_LABELS = {
    "string": "Văn bản",
    "integer": "Số nguyên",
    "number": "Số thập phân",
    "boolean": "Đúng/sai",
    "date": "Ngày",
    "datetime": "Ngày giờ",
}

# Why a column's most frequent values are not shown.
TOP_SKIPPED_LABELS = {
    "personal": "Không hiển thị: dữ liệu cá nhân hoặc nhạy cảm",
    "near_unique": "Không tính: hầu hết giá trị khác nhau",
    "time_limit": "Không tính được: quá thời hạn truy vấn",
    "empty": "Không có giá trị",
}

# Why a column's extremes are not shown.
RANGE_SKIPPED_LABELS = {
    "personal": "Không hiển thị: dữ liệu cá nhân hoặc nhạy cảm",
}

# Why a column's patterns are not shown.
PATTERN_SKIPPED_LABELS = {
    "not_text": "Chỉ tính cho cột văn bản",
    "time_limit": "Không tính được: quá thời hạn truy vấn",
    "empty": "Không có giá trị",
}

# Why a rule is suggested: the data's figures fill the %(placeholders)s (the page translates the sentence, then fills it).
REASONS = {
    "not_null": "0 ô trống trên %(rows)s dòng",
    "unique": "%(distinct)s giá trị khác nhau trên %(rows)s dòng có giá trị: không trùng lặp",
    "unique_repeated": "%(distinct)s giá trị khác nhau trên %(rows)s dòng có giá trị: %(repeated)s dòng trùng cần xem lại",
    "allowed": "%(distinct)s giá trị khác nhau trên %(rows)s dòng có giá trị",
    "range": "Giá trị từ %(min)s đến %(max)s trên %(rows)s dòng có giá trị",
    "pattern": "%(share)s giá trị trong mẫu (%(sampled)s giá trị) có dạng «%(shape)s»",
    "length": "Mọi giá trị dài đúng %(length)s ký tự",
    "date_freshness": "Cột ngày cập nhật; bộ dữ liệu khai báo tần suất «%(frequency)s»: ngày mới nhất không quá %(days)s ngày",
    "expression": "Cột «%(end)s» là điểm kết thúc của cột «%(start)s»",
    "freshness": "Bộ dữ liệu khai báo tần suất cập nhật «%(frequency)s»",
    "metadata": "Mọi bộ dữ liệu cần đủ đơn vị chủ quản, đầu mối liên hệ, mô tả, giấy phép và ngày rà soát siêu dữ liệu",
}
