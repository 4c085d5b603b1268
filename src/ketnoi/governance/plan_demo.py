"""The demo ministry's plan tracker, run through the real services with the demo accounts.

`load_examples(session)` runs after the demo ministry (its units, databases, accounts) is loaded:
it loads the plan's appendix, makes this year's instances, and has a few units report: the Cục
Thông tin KH&CN quốc gia finishes its II.8 report of the first half-year (100%, with an evidence
file) and is half-way through II.4; the IT Center is half-way through III.1 and IV.1. The other
instances have not started (those of the first half-year not reported are overdue after 30/6).
Present when this year's instances exist with a report: a second run adds nothing.
"""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.governance import plan, plan_seed
from ketnoi.governance.plan import Upload
from ketnoi.governance.plan_models import PlanTask, ProgressIn, ProgressReport, TaskInstance
from ketnoi.identity import actor_for
from ketnoi.org.models import Organization

CUC_TTKHCN = "000.00.06.G06"  # Cục Thông tin khoa học và công nghệ quốc gia
TTCNTT = "000.00.05.G06"  # Trung tâm Công nghệ thông tin

# unit, account, task, period key suffix ("" for the year), percent, text, evidence file (name, text) or None
REPORTS = (
    (CUC_TTKHCN, "cucthongtin", "II.8", "-H1", 100,
     "Đã tổng hợp 14 ý kiến phản hồi trên cổng dữ liệu mở về danh mục dữ liệu mở; tiếp thu 9 ý kiến, giải trình 5 ý kiến; đề xuất "
     "bổ sung 2 bộ dữ liệu vào danh mục kỳ tới.",
     ("tong-hop-y-kien-6-thang-dau-nam.txt", "Tổng hợp ý kiến phản hồi về danh mục dữ liệu mở, 6 tháng đầu năm.\n")),
    (CUC_TTKHCN, "cucthongtin", "II.4", "", 50,
     "Đã chạy quy tắc kiểm tra chất lượng định kỳ trên 6 bộ dữ liệu; đang hoàn thiện báo cáo đánh giá gửi Trung tâm CNTT trước 25/12.",
     None),
    (TTCNTT, "ttcntt", "III.1", "", 60,
     "Nền tảng kết nối, chia sẻ dữ liệu của Bộ vận hành ổn định; đã kết nối với Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP).",
     None),
    (TTCNTT, "ttcntt", "IV.1", "", 30, "Đã xây dựng chương trình tập huấn; dự kiến tổ chức hội nghị tập huấn trong quý IV.", None),
)  # fmt: skip


def load_examples(session: Session) -> tuple[int, int]:
    """(created, present): what this call added, and what it found already there."""
    created, _ = plan_seed.load_plan(session)
    year = plan.today().year
    created += plan.generate_instances(session, year=year)
    if session.scalar(select(ProgressReport.id).limit(1)) is not None:
        return created, 1
    for unit_code, username, code, suffix, percent, body, evidence in REPORTS:
        user = session.scalar(select(User).where(User.username == username))
        unit = session.scalar(select(Organization).where(Organization.agency_code == unit_code))
        if user is None or unit is None:
            continue
        query = select(TaskInstance).join(PlanTask, PlanTask.id == TaskInstance.task_id)
        query = query.where(PlanTask.code == code, TaskInstance.unit_id == unit.id, TaskInstance.period_key == f"{year}{suffix}")
        instance = session.scalar(query)
        if instance is None:
            continue
        uploads = [Upload(evidence[0], io.BytesIO(evidence[1].encode()))] if evidence else []
        plan.submit_report(
            session, actor=actor_for(session, user), instance_id=instance.id, data=ProgressIn(body=body, percent=percent), uploads=uploads
        )
        created += 1
    return created, 0
