"""The six-monthly synthesis as files: a DOCX report in the administrative form, and an XLSX
workbook with one sheet per section (a header row each) for those who work the figures further."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx.document import Document as DocxDocument
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ketnoi.feedback.models import FeedbackKind, FeedbackStatus
from ketnoi.feedback.synthesis import PROPOSALS, Ranked, Synthesis
from ketnoi.kit import docx_report as docx
from ketnoi.kit.xlsx_report import add_sheet
from ketnoi.org.models import Organization, OrgKind
from ketnoi.workcal.service import VN

DEFAULT_ISSUER = "Bộ Khoa học và Công nghệ"
TITLE = "Báo cáo tổng hợp ý kiến phản hồi về dữ liệu mở"
KINDS = {
    FeedbackKind.COMMENT: "Góp ý",
    FeedbackKind.ERROR: "Báo lỗi dữ liệu",
    FeedbackKind.REQUEST: "Đề nghị công bố dữ liệu",
}
STATUSES = {FeedbackStatus.PENDING: "Chờ duyệt", FeedbackStatus.PUBLISHED: "Đã công bố", FeedbackStatus.REJECTED: "Đã từ chối"}
IN_REPORT = 20  # requests listed in each ranking of the DOCX (the XLSX has them all)
RANK_HEADERS = ("TT", "Đề nghị", "Đơn vị", "Bình chọn", "Ý kiến tương tự", "Nhu cầu")
DEMAND_NOTE = (
    "Nhu cầu = số bình chọn + số ý kiến tương tự (đề nghị, góp ý, báo lỗi khác trong kỳ, không bị từ chối, "
    "có ít nhất hai phần ba số từ khoá trong tiêu đề của đề nghị)."
)


def issuer(session: Session) -> str:
    """The ministry: the top unit with the most units under it (the demo's and a real ministry's tree)."""
    child = aliased(Organization)
    query = (
        select(Organization.name)
        .outerjoin(child, child.parent_id == Organization.id)
        .where(Organization.parent_id.is_(None), Organization.kind == OrgKind.UNIT)
        .group_by(Organization.id, Organization.name)
        .order_by(func.count(child.id).desc(), Organization.name)
        .limit(1)
    )
    return session.scalar(query) or DEFAULT_ISSUER


def header(session: Session, synthesis: Synthesis) -> docx.Header:
    name = issuer(session)
    return docx.Header(issuer=name, symbol=f"BC-{docx.symbol_of(name)}", day=synthesis.made_at.astimezone(VN).date())


def filename(synthesis: Synthesis, extension: str) -> str:
    return f"tong-hop-y-kien-du-lieu-mo-{synthesis.period.code}.{extension}"


# ---- DOCX -----------------------------------------------------------------------------------


def to_docx(synthesis: Synthesis, head: docx.Header) -> bytes:
    doc = docx.new_document()
    docx.add_header(doc, head)
    docx.add_title(doc, TITLE, synthesis.period.label)
    first = synthesis.period.start
    docx.add_text(
        doc,
        "Thực hiện nhiệm vụ II.8 của Kế hoạch triển khai Nghị định số 47/2020/NĐ-CP (tiếp nhận ý kiến phản hồi của tổ chức, "
        "cá nhân để xác định mức độ ưu tiên và công bố dữ liệu mở phù hợp với yêu cầu), "
        f"{head.issuer} tổng hợp ý kiến phản hồi về dữ liệu mở từ ngày {first:%d/%m/%Y} đến ngày "
        f"{synthesis.period.last_day:%d/%m/%Y} như sau:",
    )
    _received(doc, synthesis)
    _answered(doc, synthesis)
    _rankings(doc, synthesis)
    _errors(doc, synthesis)
    _proposals(doc, synthesis)
    docx.add_signature(doc, ["- Lãnh đạo Bộ (để báo cáo);", "- Các đơn vị thuộc Bộ;", "- Lưu: VT."], ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"])
    return docx.to_bytes(doc)


def _kind_rows(synthesis: Synthesis) -> list[list[object]]:
    rows: list[list[object]] = []
    for kind, label in KINDS.items():
        rows.append([label, *(synthesis.count(kind=kind, status=status) for status in STATUSES), synthesis.count(kind=kind)])
    rows.append(["Tổng cộng", *(synthesis.count(status=status) for status in STATUSES), synthesis.total])
    return rows


def _received(doc: DocxDocument, synthesis: Synthesis) -> None:
    docx.add_heading(doc, "I. TÌNH HÌNH TIẾP NHẬN Ý KIẾN")
    counts = ", ".join(f"{synthesis.count(kind=kind)} {label.lower()}" for kind, label in KINDS.items())
    docx.add_text(doc, f"Tổng số ý kiến tiếp nhận trong kỳ: {synthesis.total} ({counts}).")
    docx.add_table(doc, ["Loại ý kiến", *STATUSES.values(), "Tổng"], _kind_rows(synthesis), widths=(5, 2.5, 2.5, 2.5, 2.5))
    if synthesis.by_unit:
        docx.add_text(doc, "Theo đơn vị trả lời:")
        rows = [[u.unit_name, u.comments, u.errors, u.requests, u.total] for u in synthesis.by_unit]
        docx.add_table(doc, ["Đơn vị", "Góp ý", "Báo lỗi", "Đề nghị", "Tổng"], rows, widths=(8, 2, 2, 2, 2))


def _answered(doc: DocxDocument, synthesis: Synthesis) -> None:
    docx.add_heading(doc, "II. KẾT QUẢ TRẢ LỜI")
    rate = "chưa có" if synthesis.response_rate is None else f"{synthesis.response_rate:.1f}%".replace(".", ",")
    median = "chưa có" if synthesis.median_reply_days is None else f"{synthesis.median_reply_days:.1f} ngày".replace(".", ",")
    docx.add_text(
        doc,
        f"Số ý kiến được trả lời công khai: {synthesis.replied} trên {synthesis.answerable} ý kiến không bị từ chối "
        f"(tỷ lệ trả lời: {rate}). Thời gian trả lời trung vị: {median}.",
    )


def _rank_rows(ranked: Sequence[Ranked]) -> list[list[object]]:
    return [[r.rank, r.feedback.title or "", r.unit_name or "", r.feedback.votes, r.similar, r.demand] for r in ranked]


def _rankings(doc: DocxDocument, synthesis: Synthesis) -> None:
    docx.add_heading(doc, "III. ĐỀ NGHỊ CÔNG BỐ DỮ LIỆU: XẾP HẠNG ƯU TIÊN")
    if not synthesis.by_votes:
        docx.add_text(doc, "Trong kỳ không có đề nghị công bố dữ liệu nào được duyệt.")
        return
    widths = (1.2, 6.3, 4, 1.8, 1.8, 1.8)
    docx.add_text(doc, "1. Xếp theo số bình chọn:")
    docx.add_table(doc, RANK_HEADERS, _rank_rows(synthesis.by_votes[:IN_REPORT]), widths)
    docx.add_text(doc, "2. Xếp theo nhu cầu:")
    docx.add_table(doc, RANK_HEADERS, _rank_rows(synthesis.by_demand[:IN_REPORT]), widths)
    docx.add_text(doc, DEMAND_NOTE, italic=True)


def _errors(doc: DocxDocument, synthesis: Synthesis) -> None:
    docx.add_heading(doc, "IV. BÁO LỖI DỮ LIỆU THEO BỘ DỮ LIỆU")
    if not synthesis.errors_by_dataset:
        docx.add_text(doc, "Trong kỳ không có báo lỗi dữ liệu.")
        return
    rows = [[i, name, unit, n] for i, (name, unit, n) in enumerate(synthesis.errors_by_dataset, 1)]
    docx.add_table(doc, ["TT", "Bộ dữ liệu", "Đơn vị chủ quản", "Số báo lỗi"], rows, widths=(1.2, 7, 5, 2.5))


def _proposals(doc: DocxDocument, synthesis: Synthesis) -> None:
    docx.add_heading(doc, "V. ĐỀ XUẤT SỬA ĐỔI, BỔ SUNG DANH MỤC DỮ LIỆU MỞ")
    if not synthesis.proposals:
        docx.add_text(doc, "Không có đề xuất: các đề nghị trong kỳ đã có bộ dữ liệu mở đáp ứng, hoặc chưa có đề nghị nào được duyệt.")
        return
    docx.add_text(
        doc,
        f"Đề xuất bổ sung vào danh mục dữ liệu mở các dữ liệu sau ({min(PROPOSALS, len(synthesis.proposals))} đề nghị có nhu cầu "
        "cao nhất chưa có bộ dữ liệu mở đáp ứng), giao đơn vị chủ quản xem xét, công bố:",
    )
    rows = [[r.rank, r.feedback.title or "", r.unit_name or "Trung tâm Công nghệ thông tin đề xuất", r.demand] for r in synthesis.proposals]
    docx.add_table(doc, ["TT", "Dữ liệu đề nghị công bố", "Đơn vị xem xét", "Nhu cầu"], rows, widths=(1.2, 8, 5, 2))


# ---- XLSX -----------------------------------------------------------------------------------




def _ranked_rows(ranked: Sequence[Ranked]) -> list[list[object]]:
    return [
        [
            r.rank,
            r.feedback.title or "",
            r.feedback.body,
            r.unit_name or "",
            r.feedback.votes,
            r.similar,
            r.demand,
            f"{r.feedback.created_at.astimezone(VN):%d/%m/%Y}",
            "Có" if r.feedback.replied_at else "Chưa",
            r.answered_by or "",
        ]
        for r in ranked
    ]


RANKED_HEADERS = (
    "Hạng",
    "Đề nghị",
    "Nội dung",
    "Đơn vị",
    "Bình chọn",
    "Ý kiến tương tự",
    "Nhu cầu",
    "Ngày gửi",
    "Đã trả lời",
    "Bộ dữ liệu đáp ứng",
)


def _summary_rows(synthesis: Synthesis) -> list[list[object]]:
    period = synthesis.period
    return [
        ["Kỳ tổng hợp", period.label],
        ["Từ ngày", f"{period.start:%d/%m/%Y}"],
        ["Đến ngày", f"{period.last_day:%d/%m/%Y}"],
        ["Tổng số ý kiến", synthesis.total],
        *([label, synthesis.count(kind=kind)] for kind, label in KINDS.items()),
        *([label, synthesis.count(status=status)] for status, label in STATUSES.items()),
        ["Số ý kiến được trả lời", synthesis.replied],
        ["Tỷ lệ trả lời (%)", synthesis.response_rate if synthesis.response_rate is not None else ""],
        ["Thời gian trả lời trung vị (ngày)", synthesis.median_reply_days if synthesis.median_reply_days is not None else ""],
        ["Lập lúc", f"{synthesis.made_at.astimezone(VN):%d/%m/%Y %H:%M}"],
    ]


def to_xlsx(synthesis: Synthesis) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    add_sheet(book, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], _summary_rows(synthesis))
    add_sheet(book, "Theo loại và trạng thái", ["Loại ý kiến", *STATUSES.values(), "Tổng"], _kind_rows(synthesis))
    units = [[u.unit_name, u.comments, u.errors, u.requests, u.total] for u in synthesis.by_unit]
    add_sheet(book, "Theo đơn vị", ["Đơn vị", "Góp ý", "Báo lỗi", "Đề nghị", "Tổng"], units)
    add_sheet(book, "Xếp hạng bình chọn", RANKED_HEADERS, _ranked_rows(synthesis.by_votes))
    add_sheet(book, "Xếp hạng nhu cầu", RANKED_HEADERS, _ranked_rows(synthesis.by_demand))
    errors = [[i, name, unit, n] for i, (name, unit, n) in enumerate(synthesis.errors_by_dataset, 1)]
    add_sheet(book, "Báo lỗi theo bộ dữ liệu", ["TT", "Bộ dữ liệu", "Đơn vị chủ quản", "Số báo lỗi"], errors)
    proposals = [[r.rank, r.feedback.title or "", r.unit_name or "", r.feedback.votes, r.similar, r.demand] for r in synthesis.proposals]
    add_sheet(book, "Đề xuất danh mục", ["TT", "Dữ liệu đề nghị công bố", "Đơn vị", "Bình chọn", "Ý kiến tương tự", "Nhu cầu"], proposals)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
