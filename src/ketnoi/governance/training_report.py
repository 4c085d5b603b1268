"""The year's training (Plan IV.1) as files: a DOCX report in the Vietnamese administrative form
(kit.docx_report) and an XLSX workbook, both from `training.year_summary`, so a figure reads the same
as on the /training page."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from ketnoi.governance.training import YearSummary
from ketnoi.kit import docx_report as docx
from ketnoi.kit.xlsx_report import add_sheet

TITLE = "Báo cáo"
SIGNER = ["GIÁM ĐỐC", "", "", "", ""]
ORGANIZER = "Trung tâm Công nghệ thông tin"


def subject(year: int) -> str:
    return f"Kết quả tập huấn, hướng dẫn quản lý, kết nối, chia sẻ, khai thác và an toàn dữ liệu năm {year}"


def filename(summary: YearSummary, extension: str) -> str:
    return f"tap-huan-{summary.year}.{extension}"


def _session_rows(summary: YearSummary) -> list[list[object]]:
    return [
        [i, item.title, f"{item.held_on:%d/%m/%Y}", item.place, summary.organizer(item), summary.count(item)]
        for i, item in enumerate(summary.sessions, 1)
    ]


def training_docx(summary: YearSummary, issuer: str, day: date) -> bytes:
    """`issuer`: the ministry (feedback.report.issuer); the report is the IT Center's (lead of Plan IV.1)."""
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=ORGANIZER, parent=issuer, symbol="BC-TTCNTT", day=day))
    docx.add_title(doc, TITLE, subject(summary.year))
    docx.add_text(
        doc,
        "Căn cứ Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số "
        "của cơ quan nhà nước và Kế hoạch thực hiện của Bộ (nhiệm vụ IV.1),",
        italic=True,
    )
    docx.add_text(doc, f"{ORGANIZER} báo cáo kết quả các hội nghị tập huấn năm {summary.year} như sau:")
    docx.add_heading(doc, "I. KẾT QUẢ CHUNG")
    docx.add_text(
        doc,
        f"Số đợt tập huấn: {len(summary.sessions)}; tổng số lượt người tham dự: {summary.total_participants}; "
        f"số đơn vị cử người tham dự: {len(summary.by_unit)}; số đơn vị chưa được tập huấn: {len(summary.never_trained)}.",
    )
    docx.add_heading(doc, "II. CÁC ĐỢT TẬP HUẤN")
    if summary.sessions:
        docx.add_table(doc, ["TT", "Tên đợt tập huấn", "Ngày", "Địa điểm", "Đơn vị tổ chức", "Số người"], _session_rows(summary))
        for i, item in enumerate(summary.sessions, 1):
            docx.add_text(doc, f"{i}. {item.title} — nội dung: {item.topics}")
    else:
        docx.add_text(doc, "(Chưa có đợt tập huấn nào trong năm.)", italic=True)
    docx.add_heading(doc, "III. SỐ NGƯỜI THAM DỰ THEO ĐƠN VỊ")
    rows = [[i, line.name, line.sessions, line.participants] for i, line in enumerate(summary.by_unit, 1)]
    if rows:
        docx.add_table(doc, ["TT", "Đơn vị", "Số đợt tham dự", "Số người"], [*rows, ["", "Tổng cộng", "", summary.total_participants]])
    else:
        docx.add_text(doc, "(Chưa có đơn vị tham dự.)", italic=True)
    docx.add_heading(doc, "IV. ĐƠN VỊ CHƯA ĐƯỢC TẬP HUẤN TRONG NĂM")
    if summary.never_trained:
        docx.add_table(doc, ["TT", "Đơn vị"], [[i, name] for i, name in enumerate(summary.never_trained, 1)], widths=(1, 15))
        docx.add_text(doc, "Đề nghị các đơn vị trên cử cán bộ tham dự các đợt tập huấn tiếp theo.")
    else:
        docx.add_text(doc, "Tất cả các đơn vị đã cử cán bộ tham dự tập huấn.")
    docx.add_signature(doc, ["- Lãnh đạo Bộ (để báo cáo);", "- Các đơn vị thuộc Bộ;", "- Lưu: VT, TTCNTT."], SIGNER)
    return docx.to_bytes(doc)


def training_xlsx(summary: YearSummary) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    add_sheet(book, "Đợt tập huấn", ["TT", "Tên đợt tập huấn", "Ngày", "Địa điểm", "Đơn vị tổ chức", "Số người"], _session_rows(summary))
    rows: list[list[object]] = [[line.name, line.sessions, line.participants] for line in summary.by_unit]
    add_sheet(book, "Theo đơn vị", ["Đơn vị", "Số đợt tham dự", "Số người"], [*rows, ["Tổng cộng", "", summary.total_participants]])
    add_sheet(book, "Chưa tập huấn", ["Đơn vị"], [[name] for name in summary.never_trained])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
