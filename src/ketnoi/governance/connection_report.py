"""The yearly connection status report (due by 15/12: the deadline rule "connection_report") as files: a
DOCX in the Vietnamese administrative form (kit.docx_report) and an XLSX workbook, for any year.

Its figures come from what the platform already keeps: the sharing services (owner unit, status,
publication), their active grants (the consuming agencies connected), and the exchange log counted as
the exchange statistics count it (sharing.usage: calls; refused = 4xx, the caller's fault; errors = 5xx),
over the calendar year in Vietnam's time. Staff read it; a unit's steward, as on /exchanges, sees only
the services of its own unit and the calls to them.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.governance import deadlines, plan
from ketnoi.kit import docx_report as docx
from ketnoi.kit.errors import Invalid
from ketnoi.kit.xlsx_report import add_sheet
from ketnoi.org.models import Organization
from ketnoi.sharing.consumers import ConsumerApp
from ketnoi.sharing.evidence import ExchangeRecord
from ketnoi.sharing.grants import Grant, GrantStatus
from ketnoi.sharing.models import ServiceStatus, SharingService
from ketnoi.workcal.service import VN

TITLE = "Báo cáo"
SIGNER = ["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "", "", "", ""]
RECIPIENTS = ["- Bộ Công an (để tổng hợp);", "- Lãnh đạo Bộ (để báo cáo);", "- Các đơn vị thuộc Bộ;", "- Lưu: VT, TTCNTT."]
SERVICE_STATUSES = {
    ServiceStatus.DRAFT.value: "Đang soạn",
    ServiceStatus.READY.value: "Sẵn sàng, chờ công bố",
    ServiceStatus.PUBLISHED.value: "Đã công bố",
    ServiceStatus.CHANGED.value: "Đã thay đổi, chờ công bố lại",
    ServiceStatus.RETIRED.value: "Ngừng cung cấp",
}
UNKNOWN_AGENCY = "Không xác định"


@dataclass(frozen=True)
class Calls:
    calls: int = 0
    refused: int = 0  # 4xx
    errors: int = 0  # 5xx


@dataclass(frozen=True)
class ServiceLine:
    service: SharingService
    owner: str
    agencies: int  # consuming agencies with an active grant
    figures: Calls


@dataclass(frozen=True)
class AgencyLine:
    agency: str
    services: int  # services it called in the year
    figures: Calls


@dataclass(frozen=True)
class ConnectionReport:
    year: int
    day: date
    due_on: date
    services: list[ServiceLine]
    agencies: list[AgencyLine]

    @property
    def total(self) -> Calls:
        return Calls(*(sum(getattr(s.figures, f) for s in self.services) for f in ("calls", "refused", "errors")))

    @property
    def published(self) -> int:
        return sum(1 for s in self.services if s.service.published_at is not None)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The calendar year in Vietnam's time."""
    return datetime(year, 1, 1, tzinfo=VN), datetime(year + 1, 1, 1, tzinfo=VN)


def _figures(session: Session, group: InstrumentedAttribute[str], where: list[ColumnElement[bool]]) -> dict[str, Calls]:
    log = ExchangeRecord
    query = select(
        group,
        func.count().label("calls"),
        func.sum(case((log.status.between(400, 499), 1), else_=0)).label("refused"),
        func.sum(case((log.status >= 500, 1), else_=0)).label("errors"),
    ).where(*where)
    found = session.execute(query.group_by(group)).all()
    return {str(row[0]): Calls(int(row.calls), int(row.refused or 0), int(row.errors or 0)) for row in found}


def _agency_of_apps(session: Session, keys: list[str]) -> dict[str, str]:
    ids = []
    for key in keys:
        try:
            ids.append(uuid.UUID(key))
        except ValueError:
            continue
    found = session.execute(select(ConsumerApp.id, Organization.name).join(Organization).where(ConsumerApp.id.in_(ids)))
    return {str(app_id): name for app_id, name in found}


def build(session: Session, *, actor: Actor, year: int, now: datetime | None = None) -> ConnectionReport:
    authz.require(actor, Action.VIEW, Kind.AUDIT)
    if not 2000 <= year <= 2099:
        raise Invalid("Năm không hợp lệ.", fields={"year": "Năm phải từ 2000 đến 2099."})
    query = (
        select(SharingService, Organization.name)
        .join(Organization, Organization.id == SharingService.owner_unit_id)
        .order_by(Organization.name, SharingService.code)
    )
    if actor.role is Role.STEWARD:
        query = query.where(SharingService.owner_unit_id.in_(actor.unit_scope))
    services = list(session.execute(query).tuples())
    codes = [s.code for s, _ in services]
    start, end = year_bounds(year)
    log = ExchangeRecord
    where = [log.at >= start, log.at < end, log.service.in_(codes)]
    by_service = _figures(session, log.service, where)
    grants = (
        select(Grant.service_id, func.count(func.distinct(ConsumerApp.organization_id)))
        .join(ConsumerApp, ConsumerApp.id == Grant.app_id)
        .where(Grant.status == GrantStatus.ACTIVE, Grant.service_id.in_([s.id for s, _ in services]))
        .group_by(Grant.service_id)
    )
    connected = {service_id: int(n) for service_id, n in session.execute(grants).tuples()}
    lines = [ServiceLine(s, owner, connected.get(s.id, 0), by_service.get(s.code, Calls())) for s, owner in services]
    return ConnectionReport(
        year=year,
        day=plan.today(now),
        due_on=deadlines.due_date(session, "connection_report", year=year),
        services=lines,
        agencies=_agencies(session, where),
    )


def _agencies(session: Session, where: list[ColumnElement[bool]]) -> list[AgencyLine]:
    """The calls per consuming agency: its applications' calls added up."""
    log = ExchangeRecord
    pairs = session.execute(select(log.consumer, log.service).where(*where).group_by(log.consumer, log.service)).tuples().all()
    by_app = _figures(session, log.consumer, where)
    agency_of = _agency_of_apps(session, list(by_app))
    totals: dict[str, Calls] = {}
    called: dict[str, set[str]] = {}
    for key, figures in by_app.items():
        agency = agency_of.get(key, UNKNOWN_AGENCY)
        t = totals.get(agency, Calls())
        totals[agency] = Calls(t.calls + figures.calls, t.refused + figures.refused, t.errors + figures.errors)
    for consumer, service in pairs:
        called.setdefault(agency_of.get(consumer, UNKNOWN_AGENCY), set()).add(service)
    ordered = sorted(totals.items(), key=lambda item: (-item[1].calls, item[0]))
    return [AgencyLine(agency, len(called.get(agency, ())), figures) for agency, figures in ordered]


def filename(report: ConnectionReport, extension: str) -> str:
    return f"bao-cao-tinh-hinh-ket-noi-{report.year}.{extension}"


# ---- cells --------------------------------------------------------------------------------------


def _day(value: datetime | None) -> str:
    return f"{value.astimezone(VN):%d/%m/%Y}" if value else "—"


SERVICE_HEADERS = ["Mã dịch vụ", "Tên dịch vụ", "Đơn vị chủ quản", "Trạng thái", "Ngày công bố", "Số cơ quan kết nối",
                   "Số lượt gọi", "Bị từ chối (4xx)", "Lỗi (5xx)"]  # fmt: skip
AGENCY_HEADERS = ["Cơ quan khai thác", "Số dịch vụ đã gọi", "Số lượt gọi", "Bị từ chối (4xx)", "Lỗi (5xx)"]


def _service_cells(line: ServiceLine) -> list[object]:
    s, f = line.service, line.figures
    status = SERVICE_STATUSES.get(s.status, s.status)
    return [s.code, s.name, line.owner, status, _day(s.published_at), line.agencies, f.calls, f.refused, f.errors]


def _agency_cells(line: AgencyLine) -> list[object]:
    f = line.figures
    return [line.agency, line.services, f.calls, f.refused, f.errors]


# ---- DOCX ---------------------------------------------------------------------------------------


def connection_docx(report: ConnectionReport, issuer: str) -> bytes:
    """`issuer`: the ministry (feedback.report.issuer)."""
    doc = docx.new_document()
    docx.add_header(doc, docx.Header(issuer=issuer, symbol=f"BC-{docx.symbol_of(issuer)}", day=report.day))
    docx.add_title(doc, TITLE, f"Tình hình kết nối, chia sẻ dữ liệu năm {report.year}")
    docx.add_text(doc, "Căn cứ Nghị định số 47/2020/NĐ-CP ngày 09/4/2020 của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số "
                       "của cơ quan nhà nước,", italic=True)  # fmt: skip
    docx.add_text(doc, f"{issuer} báo cáo tình hình kết nối, chia sẻ dữ liệu năm {report.year} như sau "
                       f"(hạn gửi báo cáo: ngày {report.due_on:%d/%m/%Y}):")  # fmt: skip
    total = report.total
    docx.add_heading(doc, "I. TỔNG HỢP CHUNG")
    docx.add_text(
        doc,
        f"Số dịch vụ chia sẻ dữ liệu: {len(report.services)}, trong đó đã công bố: {report.published}. "
        f"Tổng số lượt gọi trong năm: {total.calls}; bị từ chối: {total.refused}; lỗi: {total.errors}. "
        f"Số cơ quan đã khai thác: {len(report.agencies)}. Số liệu tính đến ngày {report.day:%d/%m/%Y}, "
        "theo nhật ký trao đổi dữ liệu của nền tảng.",
    )
    docx.add_heading(doc, "II. TÌNH HÌNH CÁC DỊCH VỤ CHIA SẺ DỮ LIỆU")
    if report.services:
        docx.add_table(doc, ["TT", *SERVICE_HEADERS], [[n, *_service_cells(line)] for n, line in enumerate(report.services, 1)])
    else:
        docx.add_text(doc, "(Chưa có dịch vụ chia sẻ dữ liệu.)", italic=True)
    docx.add_heading(doc, "III. TÌNH HÌNH KHAI THÁC THEO CƠ QUAN")
    if report.agencies:
        docx.add_table(doc, ["TT", *AGENCY_HEADERS], [[n, *_agency_cells(line)] for n, line in enumerate(report.agencies, 1)])
    else:
        docx.add_text(doc, "(Không có lượt khai thác nào trong năm.)", italic=True)
    docx.add_signature(doc, RECIPIENTS, SIGNER)
    return docx.to_bytes(doc)


# ---- XLSX ---------------------------------------------------------------------------------------


def connection_xlsx(report: ConnectionReport) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    total = report.total
    summary: list[list[object]] = [
        ["Năm", report.year],
        ["Hạn gửi báo cáo", f"{report.due_on:%d/%m/%Y}"],
        ["Số liệu tính đến ngày", f"{report.day:%d/%m/%Y}"],
        ["Số dịch vụ", len(report.services)],
        ["Số dịch vụ đã công bố", report.published],
        ["Tổng số lượt gọi", total.calls],
        ["Bị từ chối (4xx)", total.refused],
        ["Lỗi (5xx)", total.errors],
        ["Số cơ quan đã khai thác", len(report.agencies)],
    ]
    add_sheet(book, "Tổng hợp", ["Chỉ tiêu", "Giá trị"], summary)
    add_sheet(book, "Dịch vụ", SERVICE_HEADERS, [_service_cells(line) for line in report.services])
    add_sheet(book, "Cơ quan khai thác", AGENCY_HEADERS, [_agency_cells(line) for line in report.agencies])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
