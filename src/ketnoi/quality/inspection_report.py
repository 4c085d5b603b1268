"""The inspection's reports as files: a unit's report and the ministry's consolidated report, each as
a DOCX in the Vietnamese administrative form (kit.docx_report) and an XLSX workbook of its figures.

The numbers come from the reports' snapshots (quality.inspection_figures), written with the same
`fmt` as the pages, so a figure reads the same on the page, in the DOCX and in the XLSX.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx.document import Document as DocxDocument
from openpyxl import Workbook
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.feedback.report import issuer as ministry_name
from ketnoi.kit import docx_report as docx
from ketnoi.kit.errors import NotFound
from ketnoi.kit.xlsx_report import add_sheet
from ketnoi.org.models import Organization
from ketnoi.quality import inspection, plans
from ketnoi.quality.inspection import CampaignView, ReportRow, local_date, today
from ketnoi.quality.inspection_figures import DatasetFigures, Summary, UnitFigures, fmt, fmt_share, fmt_yearly
from ketnoi.quality.inspection_models import InspectionCampaign, UnitReport
from ketnoi.quality.labels_inspection import REPORT_STATUS_LABELS, TASK_STATUS_LABELS
from ketnoi.quality.plans import PlanView

TITLE = "Báo cáo"
SUBJECT = "Kết quả kiểm tra, đánh giá chất lượng dữ liệu năm {year}"
MINISTRY_SIGNER = "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG"
UNIT_SIGNER = "THỦ TRƯỞNG ĐƠN VỊ"
DATASET_HEADERS = (
    "TT",
    "Bộ dữ liệu",
    "Điểm cuối năm",
    "Điểm bình quân năm",
    "Xếp loại",
    "Bao phủ",
    "Quy tắc nghiêm trọng không đạt",
    "Sự cố phát sinh / đã khắc phục",
)
DATASET_WIDTHS = (1.0, 4.0, 1.8, 1.8, 1.2, 1.4, 3.0, 1.8)  # cm: the 16 cm between the margins
TASK_HEADERS = ("TT", "Nhiệm vụ", "Bộ dữ liệu", "Người, bộ phận thực hiện", "Thời hạn", "Trạng thái")


@dataclass(frozen=True)
class UnitDocument:
    campaign: InspectionCampaign
    report: UnitReport
    unit: Organization
    parent_name: str | None
    row: ReportRow
    plans: list[PlanView]

    @property
    def figures(self) -> UnitFigures:
        return self.row.figures


@dataclass(frozen=True)
class MinistryDocument:
    campaign: InspectionCampaign
    view: CampaignView
    issuer: str
    plans: list[PlanView]


def unit_document(session: Session, *, actor: Actor, year: int, unit_id: uuid.UUID, now: datetime | None = None) -> UnitDocument:
    campaign, report = inspection.get_report(session, actor=actor, year=year, unit_id=unit_id)
    unit = session.get(Organization, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    parent = session.get(Organization, unit.parent_id) if unit.parent_id else None
    row = inspection.report_row(campaign, report, unit.name, today(now))
    return UnitDocument(
        campaign,
        report,
        unit,
        parent.name if parent else None,
        row,
        plans.for_report(session, actor=actor, unit_id=unit_id, campaign=campaign),
    )


def ministry_document(session: Session, *, actor: Actor, year: int, now: datetime | None = None) -> MinistryDocument:
    view = inspection.campaign_view(session, actor=actor, year=year, now=now)
    listed = [p for row in view.rows for p in plans.for_report(session, actor=actor, unit_id=row.report.unit_id, campaign=view.campaign)]
    return MinistryDocument(view.campaign, view, ministry_name(session), listed)


def filename(year: int, extension: str, unit: Organization | None = None) -> str:
    return f"bao-cao-chat-luong-du-lieu-{year}{'-' + unit.slug if unit else ''}.{extension}"


# ---- the rows every face shows -------------------------------------------------------------------------


def dataset_row(index: int, d: DatasetFigures) -> list[object]:
    return [
        index,
        d.name,
        fmt(d.score),
        fmt_yearly(d),
        d.band or "—",
        d.coverage,
        ", ".join(d.failed_critical) or "—",
        f"{d.incidents_opened} / {d.incidents_resolved}",
    ]


def summary_rows(s: Summary) -> list[list[object]]:
    """The unit's (or the ministry's) figures as (label, value written as on the page)."""
    return [
        ["Số bộ dữ liệu", s.datasets],
        ["Số bộ dữ liệu được đo trong năm", s.measured],
        ["Số bộ dữ liệu chưa được đo", s.unmeasured],
        ["Điểm chất lượng (bình quân có trọng số)", fmt(s.score)],
        ["Điểm năm trước", fmt(s.previous)],
        ["Thay đổi so với năm trước", fmt(s.change, signed=True)],
        ["Điểm trung vị", fmt(s.median)],
        ["Tỷ lệ bao phủ các chiều chất lượng", fmt_share(s.coverage)],
        ["Số bộ dữ liệu có quy tắc nghiêm trọng không đạt", s.failed_critical],
        ["Số bộ dữ liệu đủ 6 tháng dữ liệu đo", s.sufficient],
        ["Sự cố phát sinh trong năm", s.incidents_opened],
        ["Sự cố đã khắc phục trong năm", s.incidents_resolved],
    ]


def task_rows(views: Sequence[PlanView]) -> list[list[object]]:
    rows: list[list[object]] = []
    for view in views:
        for row in view.tasks:
            task = row.task
            due = f"{task.due_on:%d/%m/%Y}" if task.due_on else "—"
            status = TASK_STATUS_LABELS.get(task.status, task.status) + (" (quá hạn)" if row.overdue else "")
            rows.append([len(rows) + 1, task.title, row.dataset_name or "—", task.responsible or "—", due, status])
    return rows


# ---- DOCX ------------------------------------------------------------------------------------------------


def _paragraphs(doc: DocxDocument, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or ["(Không có nội dung.)"]:
        docx.add_text(doc, line)


def _bands_table(doc: DocxDocument, s: Summary) -> None:
    names = list(s.bands)
    docx.add_table(doc, ["Xếp loại", *names], [["Số bộ dữ liệu", *(s.bands[n] for n in names)]])


def _signer(title: str | None, name: str | None, default: str) -> list[str]:
    return [*(title or default).splitlines(), "", "", "", name or ""]


def unit_docx(document: UnitDocument, now: datetime | None = None) -> bytes:
    campaign, report, unit = document.campaign, document.report, document.unit
    symbol = f"BC-{docx.symbol_of(unit.name)}"
    day = local_date(report.submitted_at) or today(now)
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=unit.name, symbol=symbol, day=day, parent=document.parent_name, number=report.doc_number or ""))
    docx.add_title(doc, TITLE, SUBJECT.format(year=campaign.year))
    docx.add_text(doc, f"Căn cứ {campaign.legal_basis}", italic=True)
    docx.add_text(doc, f"{unit.name} báo cáo kết quả kiểm tra, đánh giá chất lượng dữ liệu năm {campaign.year} như sau:")
    figures = document.figures
    docx.add_heading(doc, "I. KẾT QUẢ ĐO LƯỜNG CHẤT LƯỢNG DỮ LIỆU")
    computed = local_date(figures.computed)
    docx.add_text(doc, f"Số liệu đo từ lịch sử kiểm tra chất lượng trên nền tảng, chốt ngày {computed:%d/%m/%Y}.", italic=True)
    docx.add_table(doc, ["Chỉ tiêu", "Giá trị"], summary_rows(figures.summary), widths=(11, 5))
    _bands_table(doc, figures.summary)
    docx.add_text(doc, "Kết quả theo bộ dữ liệu:")
    if figures.datasets:
        docx.add_table(doc, DATASET_HEADERS, [dataset_row(i, d) for i, d in enumerate(figures.datasets, 1)], DATASET_WIDTHS)
    else:
        docx.add_text(doc, "Đơn vị chưa có bộ dữ liệu.")
    for number, (heading, text) in enumerate(
        (
            ("ĐÁNH GIÁ CHUNG", report.assessment),
            ("TỒN TẠI, HẠN CHẾ", report.shortcomings),
            ("NGUYÊN NHÂN", report.causes),
            ("KIẾN NGHỊ, ĐỀ XUẤT", report.proposals),
        ),
        start=2,
    ):
        docx.add_heading(doc, f"{_roman(number)}. {heading}")
        _paragraphs(doc, text)
    docx.add_heading(doc, "VI. KẾ HOẠCH HOÀN THIỆN, NÂNG CẤP, CHUẨN HÓA DỮ LIỆU")
    _plans(doc, document.plans)
    recipients = ["- Trung tâm Công nghệ thông tin (để tổng hợp);", f"- Lưu: VT, {docx.symbol_of(unit.name)}."]
    docx.add_signature(doc, recipients, _signer(report.signer_title, report.signer_name, UNIT_SIGNER))
    return docx.to_bytes(doc)


def _plans(doc: DocxDocument, views: Sequence[PlanView]) -> None:
    if not views:
        docx.add_text(doc, "Chưa có kế hoạch hoàn thiện, nâng cấp dữ liệu.")
        return
    for view in views:
        docx.add_text(
            doc, f"{view.plan.title} ({view.unit_name}): {view.done}/{len(view.tasks)} nhiệm vụ hoàn thành, {view.overdue} quá hạn."
        )
        if view.plan.objective:
            docx.add_text(doc, f"Mục tiêu: {view.plan.objective}", italic=True)
        if view.tasks:
            docx.add_table(doc, TASK_HEADERS, task_rows([view]))


def _roman(n: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")[n - 1]


def unit_line(index: int, row: ReportRow) -> list[object]:
    s = row.summary
    return [index, row.unit_name, s.datasets, s.measured, fmt(s.score), fmt(s.change, signed=True), fmt(s.median), *s.bands.values()]


def status_line(index: int, row: ReportRow) -> list[object]:
    submitted = local_date(row.report.submitted_at)
    state = REPORT_STATUS_LABELS.get(row.report.status, row.report.status)
    flag = " (quá hạn)" if row.overdue else " (nộp muộn)" if row.late else ""
    return [index, row.unit_name, state + flag, f"{submitted:%d/%m/%Y}" if submitted else "—"]


def ministry_docx(document: MinistryDocument, now: datetime | None = None) -> bytes:
    campaign, view = document.campaign, document.view
    symbol = campaign.doc_symbol or f"BC-{docx.symbol_of(document.issuer)}"
    day = local_date(campaign.closed_at) or today(now)
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=document.issuer, symbol=symbol, day=day, number=campaign.doc_number or ""))
    docx.add_title(doc, TITLE, SUBJECT.format(year=campaign.year))
    docx.add_text(doc, f"Căn cứ {campaign.legal_basis}", italic=True)
    docx.add_text(doc, f"{document.issuer} báo cáo kết quả kiểm tra, đánh giá chất lượng dữ liệu năm {campaign.year} như sau:")
    docx.add_heading(doc, "I. TÌNH HÌNH THỰC HIỆN")
    docx.add_text(
        doc,
        f"Số đơn vị phải báo cáo: {len(view.rows)}; đã tiếp nhận: {view.count('accepted')}; đã nộp chờ xem xét: {view.count('submitted')}; "
        f"trả lại để bổ sung: {view.count('returned')}; đang soạn: {view.count('draft')}. Hạn đơn vị gửi báo cáo: "
        f"{campaign.unit_due:%d/%m/%Y}; số đơn vị quá hạn chưa nộp: {view.overdue_reports}.",
    )
    docx.add_table(doc, ["TT", "Đơn vị", "Trạng thái báo cáo", "Ngày nộp"], [status_line(i, r) for i, r in enumerate(view.rows, 1)])
    docx.add_heading(doc, "II. KẾT QUẢ ĐO LƯỜNG CHẤT LƯỢNG DỮ LIỆU")
    total = view.ministry.summary
    docx.add_table(doc, ["Chỉ tiêu", "Giá trị"], summary_rows(total), widths=(11, 5))
    docx.add_text(doc, "Kết quả theo đơn vị:")
    headers = ["TT", "Đơn vị", "Số bộ dữ liệu", "Đã đo", "Điểm", "Thay đổi", "Trung vị", *total.bands]
    totals: list[object] = [
        "",
        "Toàn Bộ",
        total.datasets,
        total.measured,
        fmt(total.score),
        fmt(total.change, signed=True),
        fmt(total.median),
    ]
    docx.add_table(doc, headers, [*(unit_line(i, r) for i, r in enumerate(view.rows, 1)), [*totals, *total.bands.values()]])
    for number, (heading, text) in enumerate(
        (
            ("ĐÁNH GIÁ CHUNG", campaign.assessment),
            ("TỒN TẠI, HẠN CHẾ", campaign.shortcomings),
            ("NGUYÊN NHÂN", campaign.causes),
            ("KIẾN NGHỊ, ĐỀ XUẤT", campaign.proposals),
        ),
        start=3,
    ):
        docx.add_heading(doc, f"{_roman(number)}. {heading}")
        _paragraphs(doc, text)
    docx.add_heading(doc, "VII. KẾ HOẠCH HOÀN THIỆN, NÂNG CẤP, CHUẨN HÓA DỮ LIỆU CỦA CÁC ĐƠN VỊ")
    _plans(doc, document.plans)
    docx.add_heading(doc, "PHỤ LỤC: KẾT QUẢ THEO BỘ DỮ LIỆU")
    pairs = [(row.unit_name, d) for row in view.rows for d in row.figures.datasets]
    rows = [[i, unit_name, *dataset_row(i, d)[1:6]] for i, (unit_name, d) in enumerate(pairs, 1)]
    if rows:
        docx.add_table(doc, ["TT", "Đơn vị", *DATASET_HEADERS[1:6]], rows)
    else:
        docx.add_text(doc, "Chưa có bộ dữ liệu.")
    recipients = ["- Lãnh đạo Bộ (để báo cáo);", "- Các đơn vị thuộc Bộ;", "- Lưu: VT, TTCNTT."]
    docx.add_signature(doc, recipients, _signer(campaign.signer_title, campaign.signer_name, MINISTRY_SIGNER))
    return docx.to_bytes(doc)


# ---- XLSX ------------------------------------------------------------------------------------------------

XLSX_DATASET_HEADERS = (
    "Đơn vị",
    "Bộ dữ liệu",
    "Cơ sở dữ liệu",
    "Đơn vị chủ quản",
    "Trọng số",
    "Điểm cuối năm",
    "Xếp loại",
    "Số chiều được đo",
    "Điểm bình quân năm",
    "Số tháng có dữ liệu đo",
    "Điểm năm trước",
    "Quy tắc nghiêm trọng không đạt",
    "Sự cố phát sinh",
    "Sự cố đã khắc phục",
)


def _number_summary(s: Summary) -> list[list[object]]:
    """The summary's figures as numbers (an empty cell where there is none)."""
    blank = ""
    return [
        ["Số bộ dữ liệu", s.datasets],
        ["Số bộ dữ liệu được đo trong năm", s.measured],
        ["Số bộ dữ liệu chưa được đo", s.unmeasured],
        ["Điểm chất lượng (bình quân có trọng số)", blank if s.score is None else s.score],
        ["Điểm năm trước", blank if s.previous is None else s.previous],
        ["Thay đổi so với năm trước", blank if s.change is None else s.change],
        ["Điểm trung vị", blank if s.median is None else s.median],
        ["Tỷ lệ bao phủ các chiều chất lượng (%)", blank if s.coverage is None else round(100 * s.coverage, 1)],
        ["Số bộ dữ liệu có quy tắc nghiêm trọng không đạt", s.failed_critical],
        ["Số bộ dữ liệu đủ 6 tháng dữ liệu đo", s.sufficient],
        ["Sự cố phát sinh trong năm", s.incidents_opened],
        ["Sự cố đã khắc phục trong năm", s.incidents_resolved],
        *([f"Số bộ dữ liệu xếp loại {name}", count] for name, count in s.bands.items()),
    ]


def _dataset_cells(unit_name: str, d: DatasetFigures) -> list[object]:
    def number(value: float | None) -> object:
        return "" if value is None else value

    return [
        unit_name,
        d.name,
        d.database,
        d.owner,
        d.weight,
        number(d.score),
        d.band or "",
        d.covered if d.score is not None else "",
        number(d.yearly),
        d.months,
        number(d.previous),
        ", ".join(d.failed_critical),
        d.incidents_opened,
        d.incidents_resolved,
    ]


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unit_xlsx(document: UnitDocument) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    head: list[list[object]] = [
        ["Đơn vị", document.unit.name],
        ["Năm", document.campaign.year],
        ["Trạng thái", REPORT_STATUS_LABELS[document.report.status]],
    ]
    add_sheet(book, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], [*head, *_number_summary(document.figures.summary)])
    add_sheet(book, "Theo bộ dữ liệu", XLSX_DATASET_HEADERS, [_dataset_cells(document.unit.name, d) for d in document.figures.datasets])
    add_sheet(book, "Kế hoạch cải thiện", TASK_HEADERS, task_rows(document.plans))
    return _save(book)


def ministry_xlsx(document: MinistryDocument) -> bytes:
    view = document.view
    total = view.ministry.summary
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    add_sheet(book, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], [["Năm", document.campaign.year], *_number_summary(total)])
    headers = ["Đơn vị", "Trạng thái báo cáo", "Số bộ dữ liệu", "Đã đo", "Điểm", "Điểm năm trước", "Thay đổi", "Trung vị", *total.bands]
    units = []
    for row in view.rows:
        s = row.summary
        values = [s.score, s.previous, s.change, s.median]
        status = REPORT_STATUS_LABELS[row.report.status]
        units.append([row.unit_name, status, s.datasets, s.measured, *("" if v is None else v for v in values), *s.bands.values()])
    add_sheet(book, "Theo đơn vị", headers, units)
    add_sheet(
        book, "Theo bộ dữ liệu", XLSX_DATASET_HEADERS, [_dataset_cells(r.unit_name, d) for r in view.rows for d in r.figures.datasets]
    )
    add_sheet(book, "Kế hoạch cải thiện", ["Đơn vị", *TASK_HEADERS], [[v.unit_name, *t] for v in document.plans for t in task_rows([v])])
    return _save(book)
