"""The connection status report (DOCX and XLSX): its figures are the exchange statistics' (sharing.usage), for the
calendar year, with real calls through the gateway; its due date comes from the deadline rule."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ketnoi.governance import connection_report, deadlines
from ketnoi.identity import actor_for
from ketnoi.kit.docx_report import NATION
from ketnoi.sharing import usage
from ketnoi.sharing.evidence import ExchangeRecord
from ketnoi.workcal.service import VN
from tests import factories as f
from tests.sharing.conftest import World, api, ask_connection, gateway, setting

__all__ = ["api", "gateway", "setting"]


def _calls(api: TestClient, gateway: World) -> None:
    """Six calls to DV.MACDINH: four answered and one refused (no grant) … and one bad query (422)."""
    ask_connection(api, gateway.key, "DV.MACDINH", ["ma_nhiem_vu"])
    for _ in range(3):
        assert api.get("/x/DV.MACDINH/records", headers=gateway.key).status_code == 200
    assert api.get("/x/DV.MACDINH/records", params={"limit": "1"}, headers=gateway.key).status_code == 200
    assert api.get("/x/DV.MACDINH/records", headers=gateway.other_key).status_code == 403
    assert api.get("/x/DV.MACDINH/records", params={"limit": "0"}, headers=gateway.key).status_code == 422


def _cells(content: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(content))
    return [[c.text for c in row.cells] for table in doc.tables[1:] for row in table.rows]


def test_the_reports_figures_are_the_exchange_statistics(api: TestClient, gateway: World, db: Session) -> None:
    _calls(api, gateway)
    admin = gateway.setting.admin
    year = datetime.now(VN).year
    by_service = {u.key: u for u in usage.usage(db, actor=admin, by="service", period="365d")}
    by_consumer = usage.usage(db, actor=admin, by="consumer", period="365d")
    report = connection_report.build(db, actor=admin, year=year)
    figures = {line.service.code: (line.figures.calls, line.figures.refused, line.figures.errors) for line in report.services}
    assert figures == {
        "DV.MACDINH": (by_service["DV.MACDINH"].requests, by_service["DV.MACDINH"].refused, by_service["DV.MACDINH"].errors),
        "DV.DACTHU": (0, 0, 0),
    }
    assert figures["DV.MACDINH"] == (6, 2, 0)
    assert {line.service.code: line.agencies for line in report.services} == {"DV.MACDINH": 1, "DV.DACTHU": 0}  # one grant, VPCP
    expected = {u.label.rsplit(" (", 1)[1][:-1]: (u.requests, u.refused, u.errors) for u in by_consumer}
    assert {a.agency: (a.figures.calls, a.figures.refused, a.figures.errors) for a in report.agencies} == expected
    assert expected == {"Văn phòng Chính phủ": (5, 1, 0), "Bộ Công an": (1, 1, 0)}
    due = deadlines.due_date(db, "connection_report", year=year)
    assert (report.due_on, due.day, due.month) == (due, 15, 12)
    db.commit()  # reading the rule seeded the default rules: let the requests' sessions write

    headers = gateway.setting.headers["admin"]
    answer = api.get(f"/plan/connection-report.docx?year={year}", headers=headers)
    assert answer.status_code == 200 and f"bao-cao-tinh-hinh-ket-noi-{year}.docx" in answer.headers["content-disposition"]
    doc = Document(io.BytesIO(answer.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"hạn gửi báo cáo: ngày 15/12/{year}" in text and "Tổng số lượt gọi trong năm: 6; bị từ chối: 2; lỗi: 0." in text
    assert NATION in doc.tables[0].rows[0].cells[1].text
    rows = {r[1]: r for r in _cells(answer.content)}
    assert rows["DV.MACDINH"][3:] == [gateway.setting.unit.name, "Đã công bố", f"{datetime.now(VN):%d/%m/%Y}", "1", "6", "2", "0"]
    assert rows["Văn phòng Chính phủ"][2:] == ["1", "5", "1", "0"]

    workbook = load_workbook(io.BytesIO(api.get(f"/plan/connection-report.xlsx?year={year}", headers=headers).content))
    services = {r[0]: r for r in workbook["Dịch vụ"].iter_rows(min_row=2, values_only=True)}
    assert services["DV.MACDINH"][5:] == (1, 6, 2, 0) and services["DV.DACTHU"][5:] == (0, 0, 0, 0)
    agencies = {r[0]: r[1:] for r in workbook["Cơ quan khai thác"].iter_rows(min_row=2, values_only=True)}
    assert agencies == {"Văn phòng Chính phủ": (1, 5, 1, 0), "Bộ Công an": (1, 1, 1, 0)}
    summary = dict(workbook["Tổng hợp"].iter_rows(min_row=2, values_only=True))
    assert (summary["Hạn gửi báo cáo"], summary["Tổng số lượt gọi"], summary["Bị từ chối (4xx)"]) == (f"15/12/{year}", 6, 2)


def test_a_call_counts_in_the_year_it_was_made_in_vietnams_time(api: TestClient, gateway: World, db: Session) -> None:
    _calls(api, gateway)
    admin = gateway.setting.admin
    year = datetime.now(VN).year
    first = db.scalar(select(ExchangeRecord.seq).order_by(ExchangeRecord.seq))
    db.execute(update(ExchangeRecord).where(ExchangeRecord.seq == first).values(at=datetime(year - 1, 12, 31, 23, 30, tzinfo=VN)))
    db.commit()  # 31/12 23:30 in Hà Nội: 16:30 UTC, last year
    this, last = connection_report.build(db, actor=admin, year=year), connection_report.build(db, actor=admin, year=year - 1)
    calls = {line.service.code: line.figures.calls for line in this.services}
    assert calls["DV.MACDINH"] == 5 and {line.service.code: line.figures.calls for line in last.services}["DV.MACDINH"] == 1
    assert last.due_on.year == year - 1
    db.commit()
    assert api.get("/plan/connection-report.docx?year=1900", headers=gateway.setting.headers["admin"]).status_code == 422


def test_a_steward_of_another_unit_sees_none_of_these_services(api: TestClient, gateway: World, db: Session) -> None:
    _calls(api, gateway)
    other = actor_for(db, f.user(db, "steward", f.unit(db, "Vụ Pháp chế"), username="phapche"))
    own = connection_report.build(db, actor=gateway.setting.steward, year=datetime.now(VN).year)
    report = connection_report.build(db, actor=other, year=datetime.now(VN).year)
    assert (report.services, report.agencies) == ([], [])
    assert {line.service.code for line in own.services} == {"DV.MACDINH", "DV.DACTHU"} and own.total.calls == 6
