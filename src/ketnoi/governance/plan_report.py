"""The plan progress report as files: a DOCX in the Vietnamese administrative form (kit.docx_report) and
an XLSX workbook, for a year or one of its halves, regenerable at any time.

The rows are `plan.list_instances` for the year (the rows the dashboard counts), so the counts by
status per part, per unit and per task are the dashboard's for the same year. A half-year keeps the
year's instances whose period overlaps that half (a yearly task is in both halves, "6 tháng đầu năm"
only in the first). Each task instance is listed with its unit, period, status, last progress report
and percentage; the overdue ones are listed again on their own.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.governance import plan
from ketnoi.governance.labels_plan import STATUS_LABELS
from ketnoi.governance.plan import InstanceFilter, InstanceRow
from ketnoi.governance.plan_dashboard import PART_ORDER, STATUSES
from ketnoi.governance.plan_models import InstanceStatus, ProgressReport
from ketnoi.governance.plan_seed import PARTS
from ketnoi.kit import docx_report as docx
from ketnoi.kit.errors import Invalid
from ketnoi.kit.xlsx_report import add_sheet
from ketnoi.workcal.service import VN

TITLE = "Báo cáo"
SIGNER = ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "", "", "", ""]
RECIPIENTS = ["- Lãnh đạo Bộ (để báo cáo);", "- Các đơn vị thuộc Bộ;", "- Lưu: VT, TTCNTT."]
HALVES = {1: "6 tháng đầu năm", 2: "6 tháng cuối năm"}


@dataclass(frozen=True)
class Tally:
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Line:
    row: InstanceRow
    last_report: ProgressReport | None


@dataclass(frozen=True)
class PlanReport:
    year: int
    half: int | None
    day: date  # the day the statuses are read (overdue as of that day)
    total: Tally
    by_part: list[Tally]
    by_unit: list[Tally]
    by_task: list[Tally]
    lines: list[Line]

    @property
    def period(self) -> str:
        return f"{HALVES[self.half]} {self.year}" if self.half else f"năm {self.year}"

    @property
    def overdue(self) -> list[Line]:
        return [line for line in self.lines if line.row.status == InstanceStatus.OVERDUE]


def _tally(rows: list[InstanceRow], key: Callable[[InstanceRow], tuple[str, str]]) -> list[Tally]:
    """Counts by status per group, in the dashboard's order and with its labels."""
    found: dict[str, tuple[str, dict[str, int]]] = {}
    for row in rows:
        order, label = key(row)
        found.setdefault(order, (label, dict.fromkeys(STATUSES, 0)))[1][row.status] += 1
    return [Tally(label, counts) for _, (label, counts) in sorted(found.items())]


def _in_half(row: InstanceRow, year: int, half: int | None) -> bool:
    if half is None:
        return True
    start, end = (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))
    return row.instance.period_start <= end and row.instance.period_end >= start


def _last_reports(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, ProgressReport]:
    last: dict[uuid.UUID, ProgressReport] = {}
    for start in range(0, len(ids), 500):
        query = select(ProgressReport).where(ProgressReport.instance_id.in_(ids[start : start + 500]))
        for report in session.scalars(query.order_by(ProgressReport.submitted_at, ProgressReport.id)):
            last[report.instance_id] = report  # the latest wins
    return last


def build(session: Session, *, actor: Actor, year: int, half: int | None = None, now: datetime | None = None) -> PlanReport:
    if not 2000 <= year <= 2099:
        raise Invalid("Năm không hợp lệ.", fields={"year": "Năm phải từ 2000 đến 2099."})
    if half not in (None, 1, 2):
        raise Invalid("Kỳ báo cáo không hợp lệ.", fields={"half": "Chọn 1 (6 tháng đầu năm) hoặc 2 (6 tháng cuối năm)."})
    rows = [r for r in plan.list_instances(session, actor=actor, filters=InstanceFilter(year=year), now=now) if _in_half(r, year, half)]
    total = dict.fromkeys(STATUSES, 0)
    for row in rows:
        total[row.status] += 1
    last = _last_reports(session, [r.instance.id for r in rows])
    return PlanReport(
        year=year,
        half=half,
        day=plan.today(now),
        total=Tally("Tổng số", total),
        by_part=_tally(rows, lambda r: (f"{PART_ORDER.get(r.task.part, 9)}", f"{r.task.part}. {PARTS.get(r.task.part, '')}")),
        by_unit=_tally(rows, lambda r: (f"{r.unit_name}/{r.instance.unit_id}", r.unit_name)),
        by_task=_tally(rows, lambda r: (f"{r.task.position:06d}", f"{r.task.code}. {r.task.content[:80]}")),
        lines=[Line(r, last.get(r.instance.id)) for r in rows],
    )


def filename(report: PlanReport, extension: str) -> str:
    half = f"-6t{report.half}" if report.half else ""
    return f"bao-cao-tien-do-ke-hoach-{report.year}{half}.{extension}"


# ---- shared cells -------------------------------------------------------------------------------


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "—"


def _status(row: InstanceRow) -> str:
    return STATUS_LABELS.get(row.status, row.status)


def _last(line: Line) -> str:
    r = line.last_report
    if r is None:
        return "Chưa báo cáo"
    body = r.body if len(r.body) <= 200 else r.body[:199] + "…"
    return f"{r.submitted_at.astimezone(VN):%d/%m/%Y}: {body}"


def _count_rows(tallies: list[Tally]) -> list[list[object]]:
    return [[t.label, *(t.counts[s] for s in STATUSES), t.total] for t in tallies]


def _count_headers(first: str) -> list[str]:
    return [first, *(STATUS_LABELS[s] for s in STATUSES), "Tổng"]


def _line_cells(line: Line) -> list[object]:
    row = line.row
    i = row.instance
    return [row.task.code, row.task.content, row.unit_name, i.period_label, _day(i.due_on), _status(row), _last(line), i.percent]


LINE_HEADERS = ["Nhiệm vụ", "Nội dung", "Đơn vị chủ trì", "Kỳ", "Hạn", "Trạng thái", "Báo cáo gần nhất", "Tiến độ (%)"]


# ---- DOCX ---------------------------------------------------------------------------------------


def plan_docx(report: PlanReport, issuer: str) -> bytes:
    """`issuer`: the ministry (feedback.report.issuer)."""
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=issuer, symbol=f"BC-{docx.symbol_of(issuer)}", day=report.day))
    docx.add_title(doc, TITLE, f"Tình hình thực hiện Kế hoạch triển khai Nghị định số 47/2020/NĐ-CP {report.period}")
    docx.add_text(doc, "Căn cứ Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số "
                       "của cơ quan nhà nước và Kế hoạch triển khai của Bộ,", italic=True)  # fmt: skip
    docx.add_text(doc, f"{issuer} báo cáo tình hình thực hiện các nhiệm vụ của Kế hoạch {report.period} như sau:")
    docx.add_heading(doc, "I. TỔNG HỢP CHUNG")
    t = report.total.counts
    docx.add_text(
        doc,
        f"Tổng số nhiệm vụ của kỳ (theo đơn vị được giao): {report.total.total}; hoàn thành: {t['done']}; đang thực hiện: "
        f"{t['in_progress']}; chưa thực hiện: {t['not_started']}; quá hạn: {t['overdue']}. "
        f"Số liệu tính đến ngày {report.day:%d/%m/%Y}.",
    )
    docx.add_heading(doc, "II. THEO PHẦN CỦA KẾ HOẠCH")
    docx.add_table(doc, _count_headers("Phần"), _count_rows(report.by_part))
    docx.add_heading(doc, "III. THEO ĐƠN VỊ")
    docx.add_table(doc, _count_headers("Đơn vị"), _count_rows(report.by_unit))
    docx.add_heading(doc, "IV. THEO NHIỆM VỤ")
    docx.add_table(doc, _count_headers("Nhiệm vụ"), _count_rows(report.by_task))
    docx.add_heading(doc, "V. CHI TIẾT CÁC NHIỆM VỤ")
    if report.lines:
        docx.add_table(doc, ["TT", *LINE_HEADERS], [[n, *_line_cells(line)] for n, line in enumerate(report.lines, 1)])
    else:
        docx.add_text(doc, "(Không có nhiệm vụ nào trong kỳ.)", italic=True)
    docx.add_heading(doc, "VI. CÁC NHIỆM VỤ QUÁ HẠN")
    if report.overdue:
        rows = [[n, line.row.task.code, line.row.unit_name, _day(line.row.instance.due_on), line.row.instance.percent]
                for n, line in enumerate(report.overdue, 1)]  # fmt: skip
        docx.add_table(doc, ["TT", "Nhiệm vụ", "Đơn vị chủ trì", "Hạn", "Tiến độ (%)"], rows)
    else:
        docx.add_text(doc, "Không có nhiệm vụ quá hạn.")
    docx.add_signature(doc, RECIPIENTS, SIGNER)
    return docx.to_bytes(doc)


# ---- XLSX ---------------------------------------------------------------------------------------


def plan_xlsx(report: PlanReport) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    add_sheet(book, "Tổng hợp", _count_headers("Kỳ"), _count_rows([Tally(report.period, report.total.counts)]))
    add_sheet(book, "Theo phần", _count_headers("Phần"), _count_rows(report.by_part))
    add_sheet(book, "Theo đơn vị", _count_headers("Đơn vị"), _count_rows(report.by_unit))
    add_sheet(book, "Theo nhiệm vụ", _count_headers("Nhiệm vụ"), _count_rows(report.by_task))
    add_sheet(book, "Chi tiết", LINE_HEADERS, [_line_cells(line) for line in report.lines])
    add_sheet(book, "Quá hạn", LINE_HEADERS, [_line_cells(line) for line in report.overdue])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
