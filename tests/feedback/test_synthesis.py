"""The six-monthly synthesis on a small known half-year: exact counts and rankings, and the DOCX and
XLSX files as their readers (python-docx, openpyxl) see them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.feedback import report, service
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.models import Feedback
from ketnoi.feedback.schemas import ModerationIn, ReplyIn
from ketnoi.feedback.synthesis import Period, Synthesis, build, remind
from ketnoi.identity import system_actor
from ketnoi.kit.docx_report import MOTTO, NATION
from ketnoi.kit.errors import Invalid, Unauthenticated
from ketnoi.notify.models import Notification
from ketnoi.org import service as org
from ketnoi.org.schemas import OrganizationPatch
from tests import factories as f
from tests.feedback.conftest import World, comment, request_in

H1 = Period(2026, 1)
R1 = "Danh sách nhãn hiệu được bảo hộ theo tỉnh"
R2 = "Số liệu tổ chức khoa học và công nghệ"
R3 = "=Bản đồ trạm quan trắc phóng xạ"  # a title a spreadsheet would run as a formula


def _at(day: int, month: int) -> datetime:
    return datetime(2026, month, day, 3, 0, tzinfo=UTC)


class Made:
    """Feedback sent through the services, each from its own address, then dated inside the half-year."""

    def __init__(self, db: Session, world: World) -> None:
        self.db, self.world, self.n = db, world, 0

    def _client(self) -> Client:
        self.n += 1
        return Client(f"10.0.0.{self.n}", "test")

    def request(self, title: str, body: str, when: datetime, *, unit: object = None, status: str = "published", votes: int = 0) -> Feedback:
        data = request_in(title, body=body, organization_id=unit)
        item = service.submit_request(self.db, actor=PUBLIC, client=self._client(), data=data)
        return self._settle(item, when, status, votes)

    def on_dataset(self, kind: str, body: str, when: datetime, status: str = "published") -> Feedback:
        data = comment(kind=kind, body=body)
        item = service.submit_feedback(self.db, actor=PUBLIC, client=self._client(), dataset_id=self.world.dataset.id, data=data)
        return self._settle(item, when, status, 0)

    def _settle(self, item: Feedback, when: datetime, status: str, votes: int) -> Feedback:
        if status != "pending":
            decision = ModerationIn(decision="publish" if status == "published" else "reject", note="Trùng lặp, không phù hợp.")
            service.moderate(self.db, actor=self.world.admin, feedback_id=item.id, data=decision)
        item.created_at, item.votes = when, votes
        self.db.flush()
        return item

    def reply(self, item: Feedback, after_days: int, dataset: str | None = None) -> None:
        service.reply(self.db, actor=self.world.admin, feedback_id=item.id, data=ReplyIn(reply="Đã tiếp thu.", dataset=dataset))
        item.replied_at = item.created_at + timedelta(days=after_days)
        self.db.flush()


@pytest.fixture
def half_year(db: Session, world: World) -> Synthesis:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    for unit in (world.unit, world.other_unit):
        org.update_organization(db, actor=system_actor(), org_id=unit.id, patch=OrganizationPatch(parent_id=ministry.id))
    made = Made(db, world)
    made.request(R1, "Phục vụ nghiên cứu thương mại.", _at(1, 2), unit=world.unit.id, votes=2)
    made.request(R2, "Để lập bản đồ năng lực nghiên cứu.", _at(1, 3), votes=5)
    r3 = made.request(R3, "Cho cộng đồng giám sát môi trường.", _at(15, 1), unit=world.other_unit.id, votes=2)
    made.request("Nhãn hiệu được bảo hộ của từng tỉnh", "Cần gấp cho luận văn.", _at(2, 4), status="pending")
    made.request("Danh sách nhãn hiệu bảo hộ theo tỉnh", "Quảng cáo dịch vụ.", _at(3, 4), status="rejected")
    made.on_dataset("comment", "Cần thêm số liệu nhãn hiệu được bảo hộ theo tỉnh, thành phố.", _at(5, 4))
    e1 = made.on_dataset("error_report", "Cột ngày nộp đơn có ngày 31/02/2024.", _at(6, 4))
    made.on_dataset("error_report", "Thiếu mã số đơn ở dòng 120 của tệp.", _at(7, 4), status="pending")
    made.on_dataset("error_report", "Mua hàng giá rẻ tại cửa hàng của chúng tôi.", _at(8, 4), status="rejected")
    made.request("Dữ liệu sau kỳ tổng hợp", "Gửi sau ngày 30/6.", datetime(2026, 6, 30, 17, 30, tzinfo=UTC), votes=50)  # 1/7 in Hà Nội
    made.reply(r3, 2, dataset=f"/open/datasets/{world.dataset.slug}")
    made.reply(e1, 4)
    return build(db, actor=world.steward, period=H1, now=datetime(2026, 7, 3, 2, 0, tzinfo=UTC))


def test_counts_response_rate_and_median_time_to_reply(half_year: Synthesis) -> None:
    s = half_year
    assert s.total == 9  # the request sent at 00:30 on 1 July in Hà Nội belongs to the next half-year
    assert (s.count(kind="dataset_request"), s.count(kind="comment"), s.count(kind="error_report")) == (5, 1, 3)
    assert (s.count(status="pending"), s.count(status="published"), s.count(status="rejected")) == (2, 5, 2)
    assert s.count(kind="error_report", status="rejected") == 1
    assert [(u.unit_name, u.comments, u.errors, u.requests) for u in s.by_unit] == [
        ("Cục Sở hữu trí tuệ", 1, 3, 1),
        ("Không chỉ định đơn vị (Trung tâm Công nghệ thông tin xem xét)", 0, 0, 3),
        ("Cục Thông tin khoa học và công nghệ quốc gia", 0, 0, 1),
    ]
    assert (s.answerable, s.replied, s.response_rate, s.median_reply_days) == (7, 2, 28.6, 3.0)
    assert s.errors_by_dataset == [("Đơn đăng ký nhãn hiệu", "Cục Sở hữu trí tuệ", 2)]


def test_requests_are_ranked_by_votes_and_by_demand_and_the_unanswered_proposed(half_year: Synthesis) -> None:
    s = half_year
    assert [(r.rank, r.feedback.title, r.feedback.votes) for r in s.by_votes] == [(1, R2, 5), (2, R3, 2), (3, R1, 2)]  # ties: older first
    assert [(r.feedback.title, r.similar, r.demand) for r in s.by_demand] == [(R2, 0, 5), (R1, 2, 4), (R3, 0, 2)]
    assert [(r.rank, r.feedback.title) for r in s.proposals] == [(1, R2), (2, R1)]  # R3 is answered by a public dataset
    assert s.by_demand[2].answered_by == "Đơn đăng ký nhãn hiệu"


def test_the_docx_is_an_administrative_report(db: Session, half_year: Synthesis) -> None:
    content = report.to_docx(half_year, report.header(db, half_year))
    doc = Document(io.BytesIO(content))
    left, right = (cell.text for cell in doc.tables[0].rows[0].cells)
    assert left.splitlines()[0] == "BỘ KHOA HỌC VÀ CÔNG NGHỆ" and "Số:" in left and left.endswith("/BC-BKHCN")
    assert right.splitlines()[:2] == [NATION, MOTTO] and right.splitlines()[-1] == "Hà Nội, ngày 03 tháng 7 năm 2026"
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO TỔNG HỢP Ý KIẾN PHẢN HỒI VỀ DỮ LIỆU MỞ\n6 tháng đầu năm 2026" in texts
    assert "V. ĐỀ XUẤT SỬA ĐỔI, BỔ SUNG DANH MỤC DỮ LIỆU MỞ" in texts
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14  # type: ignore[attr-defined,union-attr]
    by_demand = next(t for t in doc.tables if t.rows[0].cells[0].text == "TT" and [r.cells[1].text for r in t.rows[1:]] == [R2, R1, R3])
    assert [r.cells[5].text for r in by_demand.rows[1:]] == ["5", "4", "2"]
    proposals = doc.tables[-2]
    assert [r.cells[1].text for r in proposals.rows[1:]] == [R2, R1]


def test_the_xlsx_has_a_sheet_per_section_with_a_header_row(half_year: Synthesis) -> None:
    book = load_workbook(io.BytesIO(report.to_xlsx(half_year)))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo loại và trạng thái",
        "Theo đơn vị",
        "Xếp hạng bình chọn",
        "Xếp hạng nhu cầu",
        "Báo lỗi theo bộ dữ liệu",
        "Đề xuất danh mục",
    ]
    demand = book["Xếp hạng nhu cầu"]
    assert [c.value for c in demand[1]][:7] == ["Hạng", "Đề nghị", "Nội dung", "Đơn vị", "Bình chọn", "Ý kiến tương tự", "Nhu cầu"]
    assert [(row[0], row[1], row[6]) for row in demand.iter_rows(min_row=2, values_only=True)] == [(1, R2, 5), (2, R1, 4), (3, R3, 2)]
    formula_like = demand.cell(row=4, column=2)
    assert formula_like.value == R3 and formula_like.data_type == "s"
    assert [row[1] for row in book["Đề xuất danh mục"].iter_rows(min_row=2, values_only=True)] == [R2, R1]
    summary = dict(book["Tổng hợp"].iter_rows(min_row=2, values_only=True))
    assert summary["Tổng số ý kiến"] == 9 and summary["Tỷ lệ trả lời (%)"] == 28.6


def test_periods_are_half_years_in_vietnams_time() -> None:
    assert Period.parse("2026-H2") == Period(2026, 2) and Period(2026, 2).label == "6 tháng cuối năm 2026"
    for wrong in ("2026-H3", "2026", "H1-2026", "1899-H1"):
        with pytest.raises(Invalid):
            Period.parse(wrong)
    assert Period.last_completed(datetime(2026, 6, 30, 17, 30, tzinfo=UTC)) == Period(2026, 1)  # 1 July, 00:30 in Hà Nội
    assert Period.last_completed(datetime(2026, 6, 30, 16, 30, tzinfo=UTC)) == Period(2025, 2)
    assert [p.code for p in Period(2026, 1).recent(3)] == ["2026-H1", "2025-H2", "2025-H1"]


def test_the_public_does_not_get_the_synthesis(db: Session) -> None:
    with pytest.raises(Unauthenticated):
        build(db, actor=PUBLIC, period=H1)


def test_the_administrators_are_reminded_once_when_a_half_year_ends(db: Session, world: World) -> None:
    assert remind(db, now=datetime(2026, 6, 20, tzinfo=UTC)) == 0  # H1 is not over
    assert remind(db, now=datetime(2026, 7, 2, tzinfo=UTC)) == 1
    assert remind(db, now=datetime(2026, 7, 3, tzinfo=UTC)) == 0  # told already
    assert remind(db, now=datetime(2026, 8, 1, tzinfo=UTC)) == 0  # long past: nothing
    told = db.scalars(select(Notification).where(Notification.user_id == world.admin.user_id)).all()
    assert [n.link for n in told] == ["/feedback/synthesis?period=2026-H1"]
    assert db.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == world.steward.user_id)) == 0
