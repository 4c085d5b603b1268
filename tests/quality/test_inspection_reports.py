"""The inspection's pages and documents: the DOCX in the administrative form and the XLSX state the
same figures as the page and the service; a refused form shows its error at the field and keeps nothing."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests import factories as f
from tests.quality.test_inspection import CRITICAL_RULE, NARRATIVE, YEAR, World, build_world, measure_history
from tests.web.conftest import client, login, post

from ketnoi.quality import inspection, plans
from ketnoi.quality.inspection_figures import fmt
from ketnoi.quality.inspection_models import CampaignIn, MinistryNarrativeIn, PlanIn, TaskIn

__all__ = ["client"]


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    measure_history(db, w)
    inspection.open_campaign(db, actor=w.admin, data=CampaignIn(year=YEAR))
    narrative = NARRATIVE.model_copy(update={"doc_number": "15"})
    inspection.update_narrative(db, actor=w.steward_a, year=YEAR, unit_id=w.unit_a.id, data=narrative)
    inspection.submit_report(db, actor=w.steward_a, year=YEAR, unit_id=w.unit_a.id)
    plan = plans.create_plan(
        db, actor=w.steward_a, data=PlanIn(unit_id=w.unit_a.id, title="Chuẩn hóa dữ liệu sáng chế", campaign_year=YEAR)
    )
    plans.add_task(db, actor=w.steward_a, plan_id=plan.id, data=TaskIn(title="Bổ sung thư điện tử chủ đơn", responsible="Phòng Thông tin"))
    db.commit()
    return w


def _tables(content: bytes) -> tuple[list[list[list[str]]], str]:
    doc = Document(io.BytesIO(content))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    return tables, "\n".join(p.text for p in doc.paragraphs)


def _table(tables: list[list[list[str]]], column: str) -> list[list[str]]:
    """The first table with a column headed `column`."""
    return next(t for t in tables if column in t[0])


def _sheet(content: bytes, name: str) -> list[tuple[object, ...]]:
    return list(load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True))


def _figure(html: str, name: str) -> list[str]:
    return re.findall(rf'data-figure="{name}">([^<]*)<', html)


def test_the_units_docx_xlsx_and_page_state_the_same_figures(db: Session, world: World, client: TestClient) -> None:
    summary = inspection.campaign_view(db, actor=world.leader, year=YEAR).rows[0].summary
    assert (summary.score, summary.change) == (81.1, 11.1)
    login(client, "lanhdao", f.PASSWORD)
    base = f"/quality/inspections/{YEAR}/units/{world.unit_a.id}"
    page = client.get(base)
    assert page.status_code == 200
    assert _figure(page.text, "score")[0] == fmt(summary.score) == "81,1"
    assert _figure(page.text, "change") == ["+11,1"]
    assert _figure(page.text, "score")[1:] == ["60,0", "80,0", "96,0"] and "Chưa đủ dữ liệu" in page.text

    docx = client.get(f"{base}/report.docx")
    assert docx.status_code == 200 and docx.headers["content-disposition"].endswith('.docx"')
    tables, text = _tables(docx.content)
    header = " ".join(" ".join(row) for row in tables[0])
    for expected in ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "CỤC SỞ HỮU TRÍ TUỆ", "Số: 15/BC-CSHTT", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"):
        assert expected in header
    assert re.search(r"Hà Nội, ngày \d\d tháng \d\d? năm \d{4}", header)
    assert "BÁO CÁO\nKết quả kiểm tra, đánh giá chất lượng dữ liệu năm 2025" in text
    assert "Căn cứ Nghị định số 47/2020/NĐ-CP" in text and "Điều 16" in text
    figures = dict((row[0], row[1]) for row in _table(tables, "Chỉ tiêu"))
    assert figures["Điểm chất lượng (bình quân có trọng số)"] == fmt(summary.score)
    assert (figures["Thay đổi so với năm trước"], figures["Điểm trung vị"], figures["Số bộ dữ liệu"]) == ("+11,1", "80,0", "3")
    datasets = {row[1]: row for row in _table(tables, "Điểm cuối năm")[1:]}
    assert datasets["Bằng độc quyền sáng chế"][2:] == ["60,0", "Chưa đủ dữ liệu (2/12 tháng)", "D", "3/7", CRITICAL_RULE, "3 / 2"]
    assert datasets["Đơn đăng ký nhãn hiệu"][2:4] == ["80,0", "81,7"]
    assert NARRATIVE.assessment in text and NARRATIVE.proposals in text
    assert _table(tables, "Nhiệm vụ")[1][1:4:2] == ["Bổ sung thư điện tử chủ đơn", "Phòng Thông tin"]
    signature = " ".join(" ".join(row) for row in tables[-1])
    assert "Nơi nhận:" in signature and "CỤC TRƯỞNG" in signature and "Nguyễn Văn Bình" in signature

    xlsx = client.get(f"{base}/report.xlsx")
    summary_sheet = dict(row[:2] for row in _sheet(xlsx.content, "Tổng hợp"))
    assert summary_sheet["Điểm chất lượng (bình quân có trọng số)"] == summary.score
    assert (summary_sheet["Thay đổi so với năm trước"], summary_sheet["Số bộ dữ liệu xếp loại A"]) == (11.1, 1)
    rows = {row[1]: row for row in _sheet(xlsx.content, "Theo bộ dữ liệu")[1:]}
    assert rows["Đơn đăng ký nhãn hiệu"][4:11] == (2, 80.0, "C", 4, 81.7, 6, 70.0)
    assert rows["Bằng độc quyền sáng chế"][8] is None  # no yearly score: an empty cell
    assert _sheet(xlsx.content, "Kế hoạch cải thiện")[1][1] == "Bổ sung thư điện tử chủ đơn"


def test_the_ministrys_docx_and_xlsx_total_the_units_as_the_page_does(db: Session, world: World, client: TestClient) -> None:
    ministry = MinistryNarrativeIn(
        assessment="Các đơn vị đã kiểm tra đầy đủ.",
        proposals="Bố trí kinh phí chuẩn hóa dữ liệu.",
        doc_number="42",
        signer_name="Trần Văn C",
    )
    inspection.update_ministry_report(db, actor=world.admin, year=YEAR, data=ministry)
    db.commit()
    total = inspection.campaign_view(db, actor=world.admin, year=YEAR).ministry.summary
    login(client, "quantri", f.PASSWORD)
    page = client.get(f"/quality/inspections/{YEAR}")
    assert page.status_code == 200
    assert fmt(total.score) in _figure(page.text, "score") and "Quá hạn" in page.text  # unit B: overdue (25/12/2025 is past)
    tables, text = _tables(client.get(f"/quality/inspections/{YEAR}/report.docx").content)
    assert "Số: 42/BC-BKHCN" in " ".join(" ".join(row) for row in tables[0])
    units = _table(tables, "Trung vị")
    by_unit = {row[1]: row for row in units[1:]}
    assert by_unit["Toàn Bộ"][2:7] == ["4", "3", fmt(total.score), "+11,1", "80,0"]
    assert by_unit["Cục Sở hữu trí tuệ"][4] == "81,1" and by_unit["Cục Thông tin khoa học và công nghệ quốc gia"][4] == "—"
    statuses = {row[1]: row[2] for row in _table(tables, "Trạng thái báo cáo")[1:]}
    assert statuses == {
        "Cục Sở hữu trí tuệ": "Đã nộp, chờ xem xét (nộp muộn)",
        "Cục Thông tin khoa học và công nghệ quốc gia": "Đang soạn (quá hạn)",
    }
    assert "Các đơn vị đã kiểm tra đầy đủ." in text and "Chuẩn hóa dữ liệu sáng chế (Cục Sở hữu trí tuệ)" in text
    assert "KT. BỘ TRƯỞNG" in " ".join(" ".join(row) for row in tables[-1])
    xlsx = client.get(f"/quality/inspections/{YEAR}/report.xlsx").content
    assert dict(row[:2] for row in _sheet(xlsx, "Tổng hợp"))["Điểm chất lượng (bình quân có trọng số)"] == total.score
    per_unit = {row[0]: row for row in _sheet(xlsx, "Theo đơn vị")[1:]}
    assert per_unit["Cục Sở hữu trí tuệ"][2:7] == (3, 3, 81.1, 70.0, 11.1)
    assert len(_sheet(xlsx, "Theo bộ dữ liệu")) == 1 + 4


def test_a_refused_submission_shows_each_error_at_its_field_and_keeps_nothing(db: Session, world: World, client: TestClient) -> None:
    login(client, "canbokhac", f.PASSWORD)
    url = f"/quality/inspections/{YEAR}/units/{world.unit_b.id}"
    refused = post(client, f"{url}/edit", {"action": "submit", "causes": "Thiếu nhân lực.", "assessment": ""})
    assert refused.status_code == 422
    assert "Hãy viết phần đánh giá chung trước khi nộp." in refused.text and 'id="f-assessment-error"' in refused.text
    assert "Thiếu nhân lực." in refused.text  # the values typed are shown again
    _, report = inspection.get_report(db, actor=world.admin, year=YEAR, unit_id=world.unit_b.id)
    db.refresh(report)
    assert (report.causes, report.status) == ("", "draft")  # nothing of the refused submission was kept
    saved = post(client, f"{url}/edit", {"action": "save", "causes": "Thiếu nhân lực."})
    assert saved.status_code == 303
    db.refresh(report)
    assert report.causes == "Thiếu nhân lực."
    other = post(client, f"/quality/inspections/{YEAR}/units/{world.unit_a.id}/edit", {"action": "save", "causes": "Không phải của tôi"})
    assert other.status_code == 403


def test_the_administrators_forms_refuse_bad_input_at_the_field(db: Session, world: World, client: TestClient) -> None:
    login(client, "quantri", f.PASSWORD)
    bad = post(client, "/quality/inspections", {"year": "2026", "unit_due": "2027-01-10", "ministry_due": "2026-12-31"})
    assert bad.status_code == 422 and "Hạn của đơn vị phải trước hoặc cùng ngày với hạn tổng hợp của Bộ." in bad.text
    assert 'id="f-unit_due-error"' in bad.text
    assert inspection.list_campaigns(db, actor=world.admin)[0].year == YEAR  # no 2026 campaign
    again = post(client, "/quality/inspections", {"year": str(YEAR)})
    assert again.status_code == 409 and "Đã có đợt kiểm tra năm 2025." in again.text
    url = f"/quality/inspections/{YEAR}/units/{world.unit_a.id}"
    no_note = post(client, f"{url}/review", {"decision": "return", "note": ""})
    assert no_note.status_code == 422 and "Hãy ghi rõ nội dung đơn vị cần bổ sung, sửa đổi." in no_note.text
    accepted = post(client, f"{url}/review", {"decision": "accept"})
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("done=accepted")
    assert "Đã tiếp nhận báo cáo." in client.get(accepted.headers["location"]).text


def test_a_leader_reads_every_page_but_sees_no_form(db: Session, world: World, client: TestClient) -> None:
    login(client, "lanhdao", f.PASSWORD)
    for url in (
        "/quality/inspections",
        f"/quality/inspections/{YEAR}",
        f"/quality/inspections/{YEAR}/units/{world.unit_b.id}",
        "/quality/plans",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'method="post" action="/quality' not in response.text, url
    assert post(client, f"/quality/inspections/{YEAR}/units/{world.unit_b.id}/edit", {"action": "submit"}).status_code == 403
