"""The compiled results of a status survey as files: a DOCX report in the Vietnamese administrative form
(kit.docx_report) and an XLSX workbook (one row per unit and question), from the same `SurveyResults`
as the page, so a figure reads the same everywhere."""

from __future__ import annotations

import io
from datetime import datetime

from docx.document import Document as DocxDocument
from openpyxl import Workbook

from ketnoi.governance.labels_survey import ASSIGNMENT_STATUS_LABELS, KIND_LABELS
from ketnoi.governance.survey_models import AssignmentStatus, QuestionKind
from ketnoi.governance.survey_results import QuestionResult, SurveyResults, shown
from ketnoi.governance.survey_values import shown_number
from ketnoi.kit import docx_report as docx
from ketnoi.kit.xlsx_report import add_sheet
from ketnoi.workcal.service import VN

TITLE = "Báo cáo"
SUBJECT = "Kết quả rà soát, đánh giá hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, chia sẻ dữ liệu"
SIGNER = ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "", "", "", ""]


def filename(results: SurveyResults, extension: str) -> str:
    return f"khao-sat-hien-trang-{results.survey.due_on:%Y%m%d}-{str(results.survey.id)[:8]}.{extension}"


def _number(value: float | int | None) -> str:
    return "—" if value is None else shown_number(value)


def status_line(index: int, results: SurveyResults, row_index: int) -> list[object]:
    row = results.units[row_index]
    a = row.assignment
    state = ASSIGNMENT_STATUS_LABELS.get(a.status, a.status) + (" (quá hạn)" if row.overdue else "")
    submitted = f"{docx_day(a.submitted_at):%d/%m/%Y}" if a.submitted_at else "—"
    return [index, row.unit_name, state, submitted]


def docx_day(moment: datetime) -> datetime:
    return moment.astimezone(VN)


def _question(doc: DocxDocument, result: QuestionResult, submitted: int) -> None:
    q = result.question
    docx.add_text(doc, f"Câu {result.number}. {q.text} ({KIND_LABELS.get(q.kind, q.kind)}; {result.answered}/{submitted} đơn vị trả lời)")
    if result.counts:
        docx.add_table(doc, ["Phương án", "Số đơn vị"], [[label, count] for label, count in result.counts], widths=(12, 4))
    elif result.numbers is not None:
        n = result.numbers
        rows: list[list[object]] = [["Số đơn vị trả lời", n.count], ["Tổng", _number(n.total)], ["Bình quân", _number(n.mean)]]
        rows += [["Nhỏ nhất", _number(n.low)], ["Lớn nhất", _number(n.high)]]
        docx.add_table(doc, ["Chỉ tiêu", "Giá trị"], rows, widths=(11, 5))
    elif q.kind == QuestionKind.TABLE:
        _table(doc, result)
    elif result.by_unit:
        docx.add_table(doc, ["TT", "Đơn vị", "Trả lời"], [[i, u, text] for i, (u, text) in enumerate(result.by_unit, 1)], widths=(1, 5, 10))
    else:
        docx.add_text(doc, "(Chưa có đơn vị trả lời.)", italic=True)


def _table(doc: DocxDocument, result: QuestionResult) -> None:
    q = result.question
    columns, rows = q.options["columns"], q.options.get("rows") or []
    if result.grid:
        docx.add_table(
            doc, ["Tổng hợp", *columns], [[label, *(_number(v) for v in cells)] for label, cells in zip(rows, result.grid, strict=True)]
        )
    lines = [[unit, *cells] for unit, table in result.tables for cells in table]
    if lines:
        docx.add_table(doc, ["Đơn vị", *([""] if rows else []), *columns], lines)
        if result.column_totals and not rows:
            docx.add_table(doc, ["Tổng cộng", *columns], [["", *(_number(v) for v in result.column_totals)]])
    else:
        docx.add_text(doc, "(Chưa có đơn vị trả lời.)", italic=True)


def survey_docx(results: SurveyResults, issuer: str) -> bytes:
    """`issuer`: the ministry (feedback.report.issuer)."""
    survey, name = results.survey, issuer
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=name, symbol=f"BC-{docx.symbol_of(name)}", day=results.day))
    docx.add_title(doc, TITLE, SUBJECT)
    docx.add_text(doc, f"Căn cứ {survey.legal_basis}", italic=True)
    docx.add_text(doc, f"{name} báo cáo kết quả khảo sát «{survey.title}» như sau:")
    if survey.description:
        docx.add_text(doc, survey.description)
    docx.add_heading(doc, "I. TÌNH HÌNH THỰC HIỆN")
    docx.add_text(
        doc,
        f"Số đơn vị được khảo sát: {len(results.units)}; đã nộp phiếu: {results.submitted}; đang trả lời: "
        f"{results.count(AssignmentStatus.IN_PROGRESS)}; chưa trả lời: {results.count(AssignmentStatus.NOT_STARTED)}. "
        f"Hạn trả lời: {survey.due_on:%d/%m/%Y}; số đơn vị quá hạn chưa nộp: {results.overdue}. "
        "Kết quả dưới đây tổng hợp từ các phiếu đã nộp.",
    )
    docx.add_table(
        doc, ["TT", "Đơn vị", "Trạng thái", "Ngày nộp"], [status_line(i, results, i - 1) for i in range(1, len(results.units) + 1)]
    )
    docx.add_heading(doc, "II. KẾT QUẢ TỔNG HỢP")
    by_section: dict[object, list[QuestionResult]] = {}
    for result in results.questions:
        by_section.setdefault(result.question.section_id, []).append(result)
    for number, part in enumerate(results.parts, 1):
        docx.add_heading(doc, f"{number}. {part.section.title}")
        for result in by_section.get(part.section.id, []):
            _question(doc, result, results.submitted)
    recipients = ["- Lãnh đạo Bộ (để báo cáo);", "- Các đơn vị thuộc Bộ;", "- Lưu: VT, TTCNTT."]
    docx.add_signature(doc, recipients, SIGNER)
    return docx.to_bytes(doc)


def survey_xlsx(results: SurveyResults) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    status_rows = [
        [
            row.unit_name,
            ASSIGNMENT_STATUS_LABELS.get(row.assignment.status, row.assignment.status),
            "Có" if row.overdue else "",
            row.answered,
        ]
        for row in results.units
    ]
    add_sheet(book, "Đơn vị", ["Đơn vị", "Trạng thái", "Quá hạn", "Số câu đã trả lời"], status_rows)
    section_of = {part.section.id: part.section.title for part in results.parts}
    answers: list[list[object]] = []
    for row in results.units:
        given = results.values.get(row.assignment.id, {})
        state = ASSIGNMENT_STATUS_LABELS.get(row.assignment.status, row.assignment.status)
        for result in results.questions:
            q = result.question
            value = given.get(q.id)
            if value is None:
                continue
            cell: object = value if q.kind == QuestionKind.NUMBER else shown(q, value)
            answers.append(
                [row.unit_name, state, section_of.get(q.section_id, ""), result.number, q.text, KIND_LABELS.get(q.kind, q.kind), cell]
            )
    add_sheet(book, "Câu trả lời", ["Đơn vị", "Trạng thái phiếu", "Phần", "Câu", "Câu hỏi", "Loại", "Trả lời"], answers)
    totals: list[list[object]] = []
    for result in results.questions:
        for label, count in result.counts:
            totals.append([result.number, result.question.text, label, count])
        if result.numbers is not None:
            n = result.numbers
            for label, value in (
                ("Số đơn vị trả lời", n.count),
                ("Tổng", n.total),
                ("Bình quân", n.mean),
                ("Nhỏ nhất", n.low),
                ("Lớn nhất", n.high),
            ):
                totals.append([result.number, result.question.text, label, "" if value is None else value])
    add_sheet(book, "Tổng hợp", ["Câu", "Câu hỏi", "Chỉ tiêu", "Giá trị"], totals)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
