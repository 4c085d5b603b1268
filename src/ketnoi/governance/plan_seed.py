"""The seed plan's appendix as data: every task of parts I–IV of «Các nhiệm vụ thực hiện Nghị định số
47/2020/NĐ-CP» (Kế hoạch của Bộ Khoa học và Công nghệ), transcribed as written, its timing parsed.

`load_plan(session)` writes the tasks (by their code "I.1" … "IV.1") and is idempotent: a second run
changes only what differs (the units are resolved again, so a ministry whose units were created
after the plan gets them). A unit named in the plan is resolved to the organization of that name (or
short name), the plan's abbreviations (KH&CN, CNTT) spelt out; "Các đơn vị chủ quản CSDL của Bộ"
and "Các đơn vị trực thuộc Bộ" are groups, resolved when instances are made.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.governance.plan_models import PlanEvent, PlanTask, TimingKind, UnitGroup
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import fold, nfc
from ketnoi.org.models import Organization, OrgKind

PLAN = "Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP của Bộ Khoa học và Công nghệ, Phụ lục"
DECREE = "Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số của cơ quan nhà nước"

PARTS = {
    "I": "Xây dựng, ban hành hoặc trình cấp có thẩm quyền ban hành văn bản để triển khai thực hiện Nghị định số 47/2020/NĐ-CP",
    "II": "Xây dựng, duy trì, chia sẻ cơ sở dữ liệu của Bộ KH&CN",
    "III": "Hạ tầng kết nối, chia sẻ dữ liệu",
    "IV": "Tổ chức thực hiện",
}

TTCNTT = "Trung tâm CNTT"
OWNERS = "Các đơn vị chủ quản CSDL của Bộ"
UNITS = "Các đơn vị trực thuộc Bộ"
MINISTER = "Quyết định của Bộ trưởng"
ON_OPERATION = "Khi CSDL đưa vào khai thác"


@dataclass(frozen=True)
class SeedTask:
    part: str
    number: int
    content: str
    lead: str
    cooperating: str
    timing: str
    product: str
    due_month_day: str | None = None  # a yearly report due before the year's end (II.4: 25/12)
    extra_basis: str = ""

    @property
    def code(self) -> str:
        return f"{self.part}.{self.number}"


# fmt: off
TASKS: tuple[SeedTask, ...] = (
    SeedTask("I", 1, "Rà soát, đề xuất danh mục CSDL quốc gia thuộc phạm vi chức năng quản lý của Bộ KH&CN gửi Bộ Thông tin và "
             "Truyền thông tổng hợp, trình Thủ tướng Chính phủ phê duyệt", "Cục Thông tin KH&CN quốc gia", "Các đơn vị trực thuộc Bộ",
             "2020", "Hoàn thành hồ sơ Đề xuất CSDL quốc gia thuộc phạm vi chức năng quản lý của Bộ KH&CN."),
    SeedTask("I", 2, "Xây dựng danh mục CSDL của Bộ bao gồm: CSDL dùng chung của Bộ và CSDL dùng chung của ngành", TTCNTT, OWNERS,
             "2020", MINISTER),
    SeedTask("I", 3, "Xây dựng, ban hành Danh mục dữ liệu mở của Bộ KH&CN. Rà soát, sửa đổi Danh mục định kỳ 6 tháng một lần.",
             TTCNTT, OWNERS, "2021-2025", "Quyết định của Bộ trưởng."),
    SeedTask("I", 4, "Xây dựng và ban hành kế hoạch cung cấp dữ liệu mở của Bộ KH&CN.", TTCNTT, OWNERS, "2021", MINISTER),
    SeedTask("I", 5, "Xây dựng chiến lược dữ liệu cấp Bộ phù hợp với Chiến lược dữ liệu quốc gia (sau khi được ban hành)", TTCNTT,
             OWNERS, "2021-2025", MINISTER),
    SeedTask("I", 6, "Xây dựng kế hoạch kiểm tra, đánh giá dữ liệu hằng năm tại Bộ KH&CN", TTCNTT, OWNERS, "Hằng năm",
             "Quyết định của Ban Chỉ đạo xây dựng Chính phủ điện tử của Bộ KH&CN"),
    SeedTask("I", 7, "Xây dựng, ban hành danh mục dữ liệu chia sẻ theo hình thức mặc định. Rà soát, sửa đổi Danh mục định kỳ 6 tháng "
             "một lần.", TTCNTT, OWNERS, "2021-2025", "Quyết định của Bộ trưởng."),
    SeedTask("I", 8, "Xây dựng quy chế khai thác, sử dụng dữ liệu của các CSDL thuộc phạm vi quản lý của Bộ KH&CN.", OWNERS, TTCNTT,
             ON_OPERATION, "Quy chế, khai thác sử dụng dữ liệu chia sẻ của các CSDL"),
    SeedTask("I", 9, "Xây dựng các quy chuẩn hoặc quy định kỹ thuật về cấu trúc dữ liệu trao đổi, các quy chế, quy trình chia sẻ dữ "
             "liệu trong phạm vi dữ liệu chuyên ngành thuộc thẩm quyền quản lý của Bộ.", OWNERS, "Trung tâm CNTT, Văn phòng Bộ",
             ON_OPERATION, "Quyết định do Bộ hoặc đơn vị chủ quản CSDL ban hành"),
    SeedTask("II", 1, "Rà soát, tổng hợp và đánh giá toàn bộ hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, chia sẻ dữ liệu",
             OWNERS, "", "2020", "Báo cáo kết quả rà soát, đánh giá hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, chia sẻ "
             "dữ liệu"),
    SeedTask("II", 2, "Xây dựng kế hoạch hoàn thiện, nâng cấp, chuẩn hóa dữ liệu để đảm bảo khả năng chia sẻ dữ liệu và khai thác sử "
             "dụng dữ liệu vào các hoạt động chỉ đạo điều hành.", OWNERS, TTCNTT, "Khi có yêu cầu",
             "Kế hoạch hoàn thiện, nâng cấp dữ liệu. Báo cáo thực hiện kế hoạch."),
    SeedTask("II", 3, "Đăng ký và cung cấp thông tin về dữ liệu, dữ liệu mở; quản lý dữ liệu mở; khả năng chia sẻ dữ liệu và nhu cầu "
             "khai thác dữ liệu của Bộ KH&CN trên cổng dữ liệu quốc gia", TTCNTT, OWNERS, "Hằng năm",
             "Công văn đăng ký cung cấp thông tin trên cổng dữ liệu quốc gia. Thực hiện kết nối, chia sẻ CSDL chia sẻ của Bộ với cổng "
             "dữ liệu quốc gia"),
    SeedTask("II", 4, "Kiểm tra, đánh giá, duy trì dữ liệu; quản lý chất lượng dữ liệu", OWNERS, TTCNTT, "Hàng năm",
             "Báo cáo kiểm tra, đánh giá và đề xuất các hoạt động cần thiết để duy trì dữ liệu các đơn vị gửi về trước 25/12 để Trung "
             "tâm CNTT tổng hợp xây dựng Báo cáo của Bộ trước 31/12 hằng năm.", due_month_day="12-25",
             extra_basis=f"{DECREE}, Điều 16"),
    SeedTask("II", 5, "Rà soát các văn bản cấp bộ, ngành, địa phương để lên kế hoạch, xây dựng, sửa đổi, thay thế phù hợp với Nghị "
             "định 47/NĐ-CP", TTCNTT, "Vụ Pháp chế; Văn phòng Bộ; Các đơn vị chủ quản CSDL của Bộ", "2021",
             "Kết quả rà soát văn bản và kế hoạch chỉnh sửa văn bản"),
    SeedTask("II", 6, "Thiết lập và công bố hình thức chia sẻ và khả năng đáp ứng kết nối đến CSDL theo các quy định khi công khai dịch "
             "vụ chia sẻ dữ liệu.", OWNERS, TTCNTT, "1 ngày làm việc kể từ khi dịch vụ chia sẻ dữ liệu sẵn sàng tiếp nhận kết nối chia "
             "sẻ dữ liệu", "Danh sách về dịch vụ chia sẻ dữ liệu kèm thông tin mô tả, đăng tải, công bố các dịch vụ dữ liệu theo quy "
             "định.", extra_basis=f"{DECREE}, Điều 25"),
    SeedTask("II", 7, "Cử cán bộ làm đầu mối để phụ trách quản lý, chia sẻ dữ liệu với các đơn vị khác trong nội bộ Bộ.", OWNERS, TTCNTT,
             "2020", "Công văn cử đầu mối gửi Trung tâm CNTT"),
    SeedTask("II", 8, "Tiếp nhận ý kiến phản hồi của tổ chức, cá nhân để xác định mức độ ưu tiên và thực hiện công bố dữ liệu mở phù hợp "
             "với yêu cầu", OWNERS, TTCNTT, "Định kỳ 6 tháng một lần",
             "Tổng hợp ý kiến và tiếp thu giải trình điều chỉnh danh mục dữ liệu mở"),
    SeedTask("III", 1, "Xây dựng và duy trì hạ tầng kết nối, chia sẻ dữ liệu phục vụ kết nối, chia sẻ dữ liệu nội bộ Bộ, cơ quan ngang "
             "bộ, cơ quan thuộc Chính phủ, các tỉnh, thành phố trực thuộc trung ương.", TTCNTT, OWNERS, "Hàng năm",
             "Báo cáo về việc hệ thống thông tin và hạ tầng kết nối mạng sẵn sàng để cung cấp dữ liệu, khai thác dữ liệu gửi Trung tâm "
             "CNTT tổng hợp. Thời gian báo cáo theo yêu cầu Bộ TT&TT."),
    SeedTask("III", 2, "Các hệ thống thông tin tham gia vào quá trình kết nối, chia sẻ dữ liệu chịu trách nhiệm đảm bảo an toàn, an "
             "ninh thông tin khi dữ liệu được quản lý, lưu trữ, xử lý, truyền tải trên hệ thống của mình; bảo vệ dữ liệu và xác thực "
             "dữ liệu trong quá trình chia sẻ, sử dụng dữ liệu.", OWNERS, "Các đơn vị Trực thuộc Bộ", "Hàng năm",
             "Báo cáo về việc thực hiện Bảo vệ dữ liệu và xác thực dữ liệu trong quá trình chia sẻ, sử dụng dữ liệu gửi Trung tâm CNTT "
             "tổng hợp."),
    SeedTask("IV", 1, "Tập huấn, hướng dẫn quản lý, kết nối, chia sẻ, khai thác và an toàn dữ liệu trong phạm vi quản lý của Bộ", TTCNTT,
             "Các đơn vị Trực thuộc Bộ", "Hàng năm", "Báo cáo kết quả hội nghị tập huấn"),
)
# fmt: on


# ---- timing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    kind: TimingKind
    year_from: int | None = None
    year_to: int | None = None
    event: PlanEvent | None = None
    sla_working_days: int | None = None


_YEARS = re.compile(r"^(\d{4})(?:\s*[-–]\s*(\d{4}))?$")
_SLA = re.compile(r"^(\d+) ngay lam viec ke tu khi (.+)$")


def parse_timing(text: str) -> Timing:
    """The timing column of the appendix as one of the kinds; anything else is refused (no silent guess)."""
    folded = fold(text)
    if match := _YEARS.match(folded):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            raise Invalid("Khoảng năm không hợp lệ: «{text}».", fields={"timing": text}, values={"text": text})
        return Timing(TimingKind.FIXED, first, last)
    if folded == "hang nam":  # "Hằng năm" and "Hàng năm" fold alike
        return Timing(TimingKind.YEARLY)
    if "6 thang" in folded and "dinh ky" in folded:
        return Timing(TimingKind.SEMIANNUAL)
    if folded.startswith("khi csdl dua vao khai thac"):
        return Timing(TimingKind.ON_EVENT, event=PlanEvent.DATABASE_OPERATING)
    if folded.startswith("khi co yeu cau"):
        return Timing(TimingKind.ON_EVENT, event=PlanEvent.REQUESTED)
    if (match := _SLA.match(folded)) and "dich vu chia se du lieu san sang" in match.group(2):
        return Timing(TimingKind.SLA, event=PlanEvent.SERVICE_READY, sla_working_days=int(match.group(1)))
    raise Invalid("Không hiểu thời gian hoàn thành «{text}».", fields={"timing": text}, values={"text": text})


# ---- units ------------------------------------------------------------------------------------------

_ABBREVIATIONS = (("kh&cn", "khoa hoc va cong nghe"), ("cntt", "cong nghe thong tin"), ("tt&tt", "thong tin va truyen thong"))
_GROUPS = {fold(OWNERS): UnitGroup.DB_OWNERS, "cac don vi chu quan csdl": UnitGroup.DB_OWNERS, fold(UNITS): UnitGroup.ALL_UNITS}


def _spelt(name: str) -> str:
    folded = fold(name)
    for short, long in _ABBREVIATIONS:
        folded = folded.replace(short, long)
    return folded


@dataclass(frozen=True)
class Units:
    groups: list[str]
    unit_ids: list[str]
    unresolved: list[str]


def resolve_units(text: str, by_name: dict[str, uuid.UUID]) -> Units:
    """The groups and the organizations a unit column names (its parts separated by "," or ";")."""
    groups: list[str] = []
    ids: list[str] = []
    unresolved: list[str] = []
    for part in (p.strip() for p in re.split(r"[;,]", text)):
        if not part:
            continue
        group, found = _GROUPS.get(fold(part)), by_name.get(_spelt(part))
        if group is not None:
            groups += [] if group.value in groups else [group.value]
        elif found is not None:
            ids += [] if str(found) in ids else [str(found)]
        else:
            unresolved.append(part)
    return Units(groups, ids, unresolved)


def unit_names(session: Session) -> dict[str, uuid.UUID]:
    """The ministry's units by their spelt-out folded name and short name."""
    names: dict[str, uuid.UUID] = {}
    for org in session.scalars(select(Organization).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name)):
        for name in (org.short_name, org.name):
            if name:
                names[_spelt(name)] = org.id
    return names


# ---- loading ----------------------------------------------------------------------------------------

FIELDS = (
    "part", "number", "position", "content", "lead_text", "lead_groups", "lead_unit_ids", "cooperating_text", "cooperating_groups",
    "cooperating_unit_ids", "timing_text", "timing_kind", "year_from", "year_to", "event", "sla_working_days", "due_month_day",
    "product", "legal_basis",
)  # fmt: skip


def task_values(seed: SeedTask, position: int, by_name: dict[str, uuid.UUID]) -> dict[str, object]:
    timing = parse_timing(seed.timing)
    lead, cooperating = resolve_units(seed.lead, by_name), resolve_units(seed.cooperating, by_name)
    basis = f"{PLAN}, nhiệm vụ {seed.code}" + (f"; {seed.extra_basis}" if seed.extra_basis else "")
    return {
        "part": seed.part,
        "number": seed.number,
        "position": position,
        "content": nfc(seed.content),
        "lead_text": nfc(seed.lead),
        "lead_groups": lead.groups,
        "lead_unit_ids": lead.unit_ids,
        "cooperating_text": nfc(seed.cooperating),
        "cooperating_groups": cooperating.groups,
        "cooperating_unit_ids": cooperating.unit_ids,
        "timing_text": nfc(seed.timing),
        "timing_kind": timing.kind.value,
        "year_from": timing.year_from,
        "year_to": timing.year_to,
        "event": timing.event.value if timing.event else None,
        "sla_working_days": timing.sla_working_days,
        "due_month_day": seed.due_month_day,
        "product": nfc(seed.product),
        "legal_basis": nfc(basis),
    }


def load_plan(session: Session) -> tuple[int, int]:
    """Write the appendix's tasks; (created, changed). Idempotent: a second run creates and changes nothing."""
    by_name = unit_names(session)
    have = {t.code: t for t in session.scalars(select(PlanTask))}
    created = changed = 0
    for position, seed in enumerate(TASKS, start=1):
        values = task_values(seed, position, by_name)
        task = have.get(seed.code)
        if task is None:
            task = PlanTask(id=uuid.uuid4(), code=seed.code, **values)
            session.add(task)
            created += 1
            continue
        before = audit.snapshot(task, FIELDS)
        for name, value in values.items():
            setattr(task, name, value)
        changes = audit.diff(before, audit.snapshot(task, FIELDS))
        if changes:
            changed += 1
            audit.record(
                session, actor=system_actor(), action="update", entity_type="plan_task", entity_id=task.id, entity_label=task.code,
                changes=changes,
            )  # fmt: skip
    if created:
        audit.record(
            session, actor=system_actor(), action="load", entity_type="plan_task", entity_id=None, entity_label=PLAN,
            changes={"created": [None, created]},
        )  # fmt: skip
    session.flush()
    return created, changed
