"""The deadline rules as of today, with their legal basis: what `deadlines.seed` writes once.

Sources: Decree 47/2020/NĐ-CP and the appendix of the ministry's plan implementing it (tasks cited
"nhiệm vụ II.4"); the connection status report's 15/12 from issue 7. Where a decree of 2025 changed
the basis (Decree 194/2025/NĐ-CP repealed the open-data articles 17–21) the text says so, and the
administrator completes or replaces it on /admin/deadlines; nothing here is read again after seeding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ketnoi.governance.deadlines_models import RuleKind

ND47 = "Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số của cơ quan nhà nước"
PLAN = "Kế hoạch của Bộ Khoa học và Công nghệ thực hiện Nghị định số 47/2020/NĐ-CP"


@dataclass(frozen=True)
class Default:
    key: str
    label: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    remind_before_days: int = 5
    remind_after: bool = True
    legal_basis: str = ""


DEFAULTS: tuple[Default, ...] = (
    Default(
        key="inspection.unit_report",
        label="Đơn vị gửi báo cáo kiểm tra, đánh giá chất lượng dữ liệu hằng năm",
        kind=RuleKind.FIXED_DAY,
        params={"day": 25, "month": 12},
        legal_basis=f"{ND47}, Điều 16; {PLAN}, nhiệm vụ II.4 (các đơn vị gửi báo cáo trước ngày 25/12 hằng năm).",
    ),
    Default(
        key="inspection.ministry_report",
        label="Trung tâm Công nghệ thông tin tổng hợp Báo cáo chất lượng dữ liệu của Bộ",
        kind=RuleKind.FIXED_DAY,
        params={"day": 31, "month": 12},
        legal_basis=f"{ND47}, Điều 16; {PLAN}, nhiệm vụ II.4 (Trung tâm Công nghệ thông tin tổng hợp Báo cáo của Bộ "
        "trước ngày 31/12 hằng năm).",
    ),
    Default(
        key="catalog.open_data.review",
        label="Rà soát, sửa đổi Danh mục dữ liệu mở của Bộ",
        kind=RuleKind.EVERY_N_MONTHS,
        params={"months": 6, "anchor": "2025-12-31"},
        remind_before_days=15,
        legal_basis=f"{PLAN}, nhiệm vụ I.3 (rà soát, sửa đổi Danh mục định kỳ 6 tháng một lần). Lưu ý: các Điều 17–21 về dữ liệu mở "
        "của Nghị định số 47/2020/NĐ-CP đã được bãi bỏ bởi Nghị định số 194/2025/NĐ-CP; cập nhật căn cứ khi có quy định thay thế.",
    ),
    Default(
        key="catalog.default_sharing.review",
        label="Rà soát, sửa đổi Danh mục dữ liệu chia sẻ theo hình thức mặc định",
        kind=RuleKind.EVERY_N_MONTHS,
        params={"months": 6, "anchor": "2025-12-31"},
        remind_before_days=15,
        legal_basis=f"{ND47}, Điều 11 (chia sẻ dữ liệu theo hình thức mặc định); {PLAN}, nhiệm vụ I.7 (rà soát, sửa đổi Danh mục "
        "định kỳ 6 tháng một lần).",
    ),
    Default(
        key="catalog.databases.review",
        label="Cập nhật danh mục cơ sở dữ liệu dùng chung của Bộ và của ngành",
        kind=RuleKind.EVERY_N_MONTHS,
        params={"months": 12, "anchor": "2025-12-31"},
        remind_before_days=30,
        legal_basis=f"{PLAN}, nhiệm vụ I.2 (danh mục cơ sở dữ liệu dùng chung của Bộ và của ngành, Quyết định của Bộ trưởng); "
        "cập nhật hằng năm.",
    ),
    Default(
        key="connection_report",
        label="Báo cáo tình hình kết nối, chia sẻ dữ liệu",
        kind=RuleKind.FIXED_DAY,
        params={"day": 15, "month": 12},
        remind_before_days=10,
        legal_basis=f"{ND47} (báo cáo tình hình kết nối, chia sẻ dữ liệu hằng năm, trước ngày 15/12); {PLAN}, nhiệm vụ III.1.",
    ),
    Default(
        key="service.publish",
        label="Công bố dịch vụ chia sẻ dữ liệu khi dịch vụ sẵn sàng tiếp nhận kết nối",
        kind=RuleKind.WORKING_DAYS,
        params={"days": 1},
        remind_before_days=0,
        legal_basis=f"{ND47}, Điều 25; {PLAN}, nhiệm vụ II.6 (1 ngày làm việc kể từ khi dịch vụ chia sẻ dữ liệu sẵn sàng tiếp nhận "
        "kết nối chia sẻ dữ liệu).",
    ),
    Default(
        key="feedback.synthesis",
        label="Tổng hợp ý kiến phản hồi về dữ liệu mở (6 tháng một lần)",
        kind=RuleKind.EVERY_N_MONTHS,
        params={"months": 6, "anchor": "2026-01-15"},
        legal_basis=f"{PLAN}, nhiệm vụ II.8 (tiếp nhận ý kiến phản hồi của tổ chức, cá nhân, định kỳ 6 tháng một lần; tổng hợp ý kiến "
        "và đề xuất điều chỉnh danh mục dữ liệu mở). Hạn: 15 ngày sau khi kết thúc mỗi nửa năm.",
    ),
    Default(
        key="plan.task",
        label="Đơn vị thực hiện nhiệm vụ của Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP",
        kind=RuleKind.FIXED_DAY,
        params={"day": 31, "month": 12},
        remind_before_days=7,
        legal_basis="Kế hoạch thực hiện Nghị định 47/2020/NĐ-CP của Bộ KH&CN (Phụ lục). Hạn của từng nhiệm vụ theo Phụ lục; "
        "nhiệm vụ hằng năm không ghi hạn: ngày 31/12.",
    ),
    Default(
        key="survey.status",
        label="Đơn vị trả lời phiếu khảo sát hiện trạng dữ liệu, hệ thống thông tin",
        kind=RuleKind.CALENDAR_DAYS,
        params={"days": 15},
        remind_before_days=3,
        legal_basis=f"{PLAN}, nhiệm vụ II.1 (rà soát, tổng hợp và đánh giá hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, "
        "chia sẻ dữ liệu); thời hạn trả lời do Trung tâm Công nghệ thông tin quy định, tính từ ngày gửi phiếu.",
    ),
)
