"""The demo ministry's yearly inspection, run through the real services with the demo accounts.

`load_examples(session)` runs after the demo ministry and its quality rules are loaded (the figures
are those of the runs the quality demo measured). It opens this year's campaign; the Cục Thông tin
KH&CN quốc gia writes and submits its report and the IT Center accepts it; the Ủy ban Tiêu chuẩn
Đo lường Chất lượng quốc gia submits a report that is returned with a note; the IT Center's own
report waits for review; the Vụ Kế hoạch - Tài chính has a draft half written; the other units have
not started. The Cục keeps an improvement plan with tasks in each state and follow-up notes.
Present when this year's campaign exists: a second run adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import Organization
from ketnoi.quality import inspection, plans
from ketnoi.quality.inspection_models import (
    CampaignIn,
    ImprovementPlan,
    InspectionCampaign,
    NarrativeIn,
    NoteIn,
    PlanIn,
    ReviewIn,
    TaskIn,
    TaskStatus,
    UnitReport,
)

CUC_TTKHCN = "000.00.06.G06"  # Cục Thông tin khoa học và công nghệ quốc gia
UB_TCDLCL = "000.00.07.G06"  # Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia
TTCNTT = "000.00.05.G06"  # Trung tâm Công nghệ thông tin
VU_KHTC = "000.00.02.G06"  # Vụ Kế hoạch - Tài chính
TASKS = "Nhiệm vụ khoa học và công nghệ đang tiến hành"
ORGANIZATIONS = "Tổ chức khoa học và công nghệ"

REPORTS = {
    CUC_TTKHCN: (
        "cucthongtin",
        NarrativeIn(
            assessment="Cục đã kiểm tra 6 bộ dữ liệu của Cơ sở dữ liệu quốc gia về khoa học và công nghệ bằng các quy tắc chất lượng "
            "chạy định kỳ trên nền tảng (đầy đủ, hợp lệ, duy nhất, nhất quán, kịp thời, siêu dữ liệu) và đối chiếu mẫu với quyết định "
            "phê duyệt nhiệm vụ. Dữ liệu nhiệm vụ đang tiến hành và kết quả thực hiện nhiệm vụ cơ bản đầy đủ, không trùng mã.",
            shortcomings="Một số tổ chức chủ trì chưa có trong danh mục tổ chức khoa học và công nghệ; ba bộ dữ liệu chưa có quy tắc "
            "kiểm tra nên chưa đo được; tệp tổ chức khoa học và công nghệ còn dòng lỗi định dạng khi nạp.",
            causes="Tên tổ chức được nhập tự do từ hồ sơ giấy trước năm 2021; danh mục tổ chức chưa có mã định danh dùng chung.",
            proposals="Chuẩn hóa tên tổ chức chủ trì theo danh mục, bổ sung mã định danh tổ chức; xây dựng quy tắc cho các bộ dữ "
            "liệu còn lại trong quý I năm sau; đề nghị Trung tâm Công nghệ thông tin hỗ trợ kết nối danh mục dùng chung.",
            doc_number="215",
            signer_name="Trần Đắc Hiến",
            signer_title="KT. CỤC TRƯỞNG\nPHÓ CỤC TRƯỞNG",
        ),
    ),
    UB_TCDLCL: (
        "tcdlcl",
        NarrativeIn(
            assessment="Dữ liệu tiêu chuẩn quốc gia được cập nhật đầy đủ theo các quyết định công bố trong năm.",
            shortcomings="Không có.",
            proposals="Tiếp tục duy trì cập nhật dữ liệu.",
            signer_name="Nguyễn Hoàng Linh",
            signer_title="CHỦ TỊCH",
        ),
    ),
    TTCNTT: (
        "ttcntt",
        NarrativeIn(
            assessment="Các cơ sở dữ liệu do Trung tâm quản lý vận hành ổn định; siêu dữ liệu của các bộ dữ liệu được rà soát đầy đủ.",
            shortcomings="Chưa thiết lập quy tắc kiểm tra tính kịp thời cho cơ sở dữ liệu văn bản quy phạm pháp luật.",
            causes="Tần suất cập nhật chưa được khai báo trong danh mục.",
            proposals="Khai báo tần suất cập nhật và bổ sung quy tắc kiểm tra tính kịp thời trong tháng 01.",
            signer_name="Lê Thanh Tùng",
            signer_title="GIÁM ĐỐC",
        ),
    ),
}
RETURN_NOTE = (
    "Đề nghị Ủy ban đánh giá cụ thể từng bộ dữ liệu theo số liệu đo được (nhiều bộ dữ liệu chưa có quy tắc kiểm tra) "
    "và nêu kế hoạch xây dựng quy tắc; phần tồn tại, hạn chế chưa phản ánh kết quả đo."
)
DRAFT = NarrativeIn(assessment="Đang tổng hợp kết quả rà soát dữ liệu kế hoạch, tài chính và đầu tư công.")
PLAN_TITLE = "Kế hoạch chuẩn hóa dữ liệu tổ chức chủ trì nhiệm vụ khoa học và công nghệ"
# title, dataset, responsible, due in days from today, status
TASK_EXAMPLES = (
    ("Rà soát siêu dữ liệu, giấy phép và tần suất cập nhật của 6 bộ dữ liệu", None, "Phòng Quản lý dữ liệu", -20, TaskStatus.DONE),
    ("Đối chiếu tên tổ chức chủ trì với danh mục tổ chức KH&CN", TASKS, "Phòng Thông tin nhiệm vụ", 45, TaskStatus.DOING),
    ("Bổ sung mã định danh cho tổ chức khoa học và công nghệ", ORGANIZATIONS, "Phòng Thống kê KH&CN", 120, TaskStatus.TODO),
    ("Xây dựng quy tắc kiểm tra cho số liệu thống kê KH&CN", None, "Phòng Quản lý dữ liệu", -5, TaskStatus.TODO),
)


def _unit(session: Session, code: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.agency_code == code))


def _account(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    return actor_for(session, user) if user else system_actor()


def _admin(session: Session) -> Actor:
    return _account(session, "admin")


def load_examples(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Create this year's campaign with its examples when missing; (created, already present)."""
    year = inspection.today(now).year
    existing = session.scalar(select(InspectionCampaign.id).where(InspectionCampaign.year == year))
    if existing is not None:  # counted as when created: the campaign, its reports, the plan with its tasks and notes
        reports = len(session.scalars(select(UnitReport.id).where(UnitReport.campaign_id == existing)).all())
        plan = len(TASK_EXAMPLES) + 4 if session.scalar(select(ImprovementPlan.id).where(ImprovementPlan.title == PLAN_TITLE)) else 0
        return 0, 1 + reports + plan
    admin = _admin(session)
    campaign = inspection.open_campaign(session, actor=admin, data=CampaignIn(year=year))
    created = 1 + len(session.scalars(select(UnitReport.id).where(UnitReport.campaign_id == campaign.id)).all())
    units = {code: unit for code in (*REPORTS, VU_KHTC) if (unit := _unit(session, code)) is not None}
    reported = {report.unit_id for report in session.scalars(select(UnitReport).where(UnitReport.campaign_id == campaign.id))}
    for code, (username, narrative) in REPORTS.items():
        unit = units.get(code)
        if unit is None or unit.id not in reported:
            continue
        steward = _account(session, username)
        inspection.update_narrative(session, actor=steward, year=year, unit_id=unit.id, data=narrative)
        inspection.submit_report(session, actor=steward, year=year, unit_id=unit.id)
        if code == CUC_TTKHCN:
            inspection.review_report(session, actor=admin, year=year, unit_id=unit.id, data=ReviewIn(decision="accept"))
        elif code == UB_TCDLCL:
            inspection.review_report(session, actor=admin, year=year, unit_id=unit.id, data=ReviewIn(decision="return", note=RETURN_NOTE))
    draft = units.get(VU_KHTC)
    if draft is not None and draft.id in reported:
        inspection.update_narrative(session, actor=_account(session, "vukhtc"), year=year, unit_id=draft.id, data=DRAFT)
    cuc = units.get(CUC_TTKHCN)
    if cuc is not None:
        created += _plan(session, cuc, year, now)
    session.flush()
    return created, 0


def _plan(session: Session, unit: Organization, year: int, now: datetime | None) -> int:
    steward = _account(session, "cucthongtin")
    data = PlanIn(
        unit_id=unit.id,
        title=PLAN_TITLE,
        campaign_year=year,
        objective="Đến hết quý II năm sau, 100% nhiệm vụ đang tiến hành có tổ chức chủ trì khớp danh mục tổ chức KH&CN và mọi bộ "
        "dữ liệu của Cơ sở dữ liệu quốc gia về KH&CN có quy tắc kiểm tra chất lượng (Kế hoạch II.2).",
    )
    plan = plans.create_plan(session, actor=steward, data=data)
    today = inspection.today(now)
    created = 1
    tasks: dict[str, uuid.UUID] = {}
    for title, dataset_name, responsible, days, status in TASK_EXAMPLES:
        dataset_id = session.scalar(select(Dataset.id).where(Dataset.name == dataset_name)) if dataset_name else None
        task_in = TaskIn(title=title, dataset_id=dataset_id, responsible=responsible, due_on=today + timedelta(days=days))
        task = plans.add_task(session, actor=steward, plan_id=plan.id, data=task_in)
        if status != TaskStatus.TODO:
            plans.set_task_status(session, actor=steward, plan_id=plan.id, task_id=task.id, status=status)
        tasks[title] = task.id
        created += 1
    notes: tuple[tuple[Actor, str | None, int, str], ...] = (
        (steward, TASK_EXAMPLES[0][0], -25, "Đã rà soát xong; bổ sung giấy phép CC BY 4.0 cho 2 bộ dữ liệu mở."),
        (steward, TASK_EXAMPLES[1][0], -3, "Đã đối chiếu 120/340 nhiệm vụ; 18 tên tổ chức cần xác minh với đơn vị chủ trì."),
        (_admin(session), None, -1, "Đề nghị Cục báo cáo tiến độ thực hiện kế hoạch cùng báo cáo kiểm tra năm sau."),
    )
    for author, about, days, body in notes:
        note = NoteIn(body=body, task_id=tasks.get(about) if about else None, noted_on=today + timedelta(days=days))
        plans.add_note(session, actor=author, plan_id=plan.id, data=note)
        created += 1
    return created
