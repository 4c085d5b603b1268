"""The plan progress report (DOCX and XLSX): its counts are the dashboard's for the same year, for any year."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.governance import plan, plan_dashboard, plan_report, plan_seed
from ketnoi.governance.plan_dashboard import STATUSES
from ketnoi.governance.plan_models import PlanTask, ProgressIn, TaskInstance
from ketnoi.identity import actor_for
from ketnoi.kit.docx_report import MOTTO, NATION
from ketnoi.kit.errors import Invalid
from tests import factories as f
from tests.web.conftest import client, login

__all__ = ["client"]

LAST_YEAR = plan.today().year - 1


def _setup(db: Session) -> None:
    """Two units that own databases, the plan, last year's instances; two of them reported (one done)."""
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    f.unit(db, "Trung tâm Công nghệ thông tin", ministry)
    unit_a, unit_b = f.unit(db, "Cục Sở hữu trí tuệ", ministry), f.unit(db, "Ủy ban Tiêu chuẩn", ministry)
    f.database(db, unit_a)
    f.database(db, unit_b)
    plan_seed.load_plan(db)
    plan.generate_instances(db, year=LAST_YEAR)
    plan.generate_instances(db, year=LAST_YEAR + 1)
    admin = actor_for(db, f.user(db, "admin", None, "quantri"))
    f.user(db, "leader", None, "lanhdao")
    for code, unit, percent in (("II.4", unit_a, 40), ("III.2", unit_b, 100)):
        query = select(TaskInstance).join(PlanTask, PlanTask.id == TaskInstance.task_id)
        instance = db.scalar(query.where(PlanTask.code == code, TaskInstance.unit_id == unit.id, TaskInstance.period_key == str(LAST_YEAR)))
        assert instance is not None
        plan.submit_report(db, actor=admin, instance_id=instance.id, data=ProgressIn(body=f"Báo cáo {code}: đã làm.", percent=percent))
    db.commit()


def _leader(db: Session) -> Actor:
    return actor_for(db, db.scalars(select(User).where(User.username == "lanhdao")).one())


def _expected(groups: list[plan_dashboard.Group]) -> dict[str, list[int]]:
    return {g.label: [*(g.counts[s] for s in STATUSES), g.total] for g in groups}


def _docx_counts(content: bytes) -> tuple[str, dict[str, dict[str, list[int]]]]:
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    found: dict[str, dict[str, list[int]]] = {}
    for table in doc.tables[1:]:
        first = table.rows[0].cells[0].text
        if first in ("Phần", "Đơn vị", "Nhiệm vụ"):
            found[first] = {r.cells[0].text: [int(c.text) for c in r.cells[1:]] for r in table.rows[1:]}
    return text, found


def _xlsx_rows(content: bytes, sheet: str) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content))
    return list(book[sheet].iter_rows(min_row=2, values_only=True))


def test_the_files_numbers_are_the_dashboards_for_the_same_year(client: TestClient, db: Session) -> None:
    _setup(db)
    login(client, "lanhdao", f.PASSWORD)
    leader = _leader(db)
    board = plan_dashboard.dashboard(db, actor=leader, year=LAST_YEAR, now=datetime.now().astimezone())
    assert board.total.counts["done"] == 1 and board.total.counts["overdue"] == board.total.total - 1 > 10  # last year: all due

    answer = client.get(f"/plan/report.docx?year={LAST_YEAR}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f"bao-cao-tien-do-ke-hoach-{LAST_YEAR}.docx" in answer.headers["content-disposition"]
    text, counts = _docx_counts(answer.content)
    assert NATION in text and MOTTO in text and "Số:" in text and "Hà Nội, ngày" in text
    assert counts["Phần"] == _expected(board.by_part)
    assert counts["Đơn vị"] == _expected(board.by_unit)
    assert counts["Nhiệm vụ"] == _expected(board.by_task)
    t = board.total.counts
    assert f"Tổng số nhiệm vụ của kỳ (theo đơn vị được giao): {board.total.total}; hoàn thành: {t['done']};" in text
    assert "Báo cáo II.4: đã làm." in text and "Chưa báo cáo" in text

    workbook = client.get(f"/plan/report.xlsx?year={LAST_YEAR}")
    assert workbook.status_code == 200
    for sheet, groups in (("Theo phần", board.by_part), ("Theo đơn vị", board.by_unit), ("Theo nhiệm vụ", board.by_task)):
        assert {r[0]: list(r[1:]) for r in _xlsx_rows(workbook.content, sheet)} == _expected(groups)
    [total] = _xlsx_rows(workbook.content, "Tổng hợp")
    assert list(total[1:]) == [*(t[s] for s in STATUSES), board.total.total]
    details = _xlsx_rows(workbook.content, "Chi tiết")
    assert len(details) == board.total.total
    assert [(r[0], r[5], r[7]) for r in details if str(r[6]).endswith("Báo cáo II.4: đã làm.")] == [("II.4", "Quá hạn", 40)]
    overdue = _xlsx_rows(workbook.content, "Quá hạn")
    assert len(overdue) == t["overdue"] and {r[5] for r in overdue} == {"Quá hạn"}
    assert all(r[0] != "III.2" or r[2] != "Ủy ban Tiêu chuẩn" for r in overdue)  # done is never overdue


def test_a_half_year_keeps_the_instances_of_that_half(client: TestClient, db: Session) -> None:
    _setup(db)
    leader = _leader(db)
    year = plan_report.build(db, actor=leader, year=LAST_YEAR)
    first = plan_report.build(db, actor=leader, year=LAST_YEAR, half=1)
    second_halves = sum(1 for line in year.lines if line.row.instance.period_key.endswith("-H2"))
    assert second_halves > 0 and first.total.total == year.total.total - second_halves
    assert not any(line.row.instance.period_key.endswith("-H2") for line in first.lines)
    assert first.period == f"6 tháng đầu năm {LAST_YEAR}"
    login(client, "lanhdao", f.PASSWORD)
    answer = client.get(f"/plan/report.xlsx?year={LAST_YEAR}&half=1")
    assert answer.status_code == 200 and f"{LAST_YEAR}-6t1.xlsx" in answer.headers["content-disposition"]
    [total] = _xlsx_rows(answer.content, "Tổng hợp")
    assert total[0] == f"6 tháng đầu năm {LAST_YEAR}" and total[-1] == first.total.total
    assert client.get(f"/plan/report.docx?year={LAST_YEAR}&half=3").status_code == 422
    assert client.get("/plan/report.docx?year=1900").status_code == 422
    try:
        plan_report.build(db, actor=leader, year=LAST_YEAR, half=3)
    except Invalid as refused:
        assert refused.fields is not None and "half" in refused.fields
    else:
        raise AssertionError("half=3 accepted")


def test_the_dashboard_links_to_the_reports(client: TestClient, db: Session) -> None:
    _setup(db)
    login(client, "lanhdao", f.PASSWORD)
    page = client.get(f"/plan/dashboard?year={LAST_YEAR}").text
    for link in (f"/plan/report.docx?year={LAST_YEAR}", f"/plan/report.xlsx?year={LAST_YEAR}&amp;half=1",
                 f"/plan/connection-report.docx?year={LAST_YEAR}", f"/plan/connection-report.xlsx?year={LAST_YEAR}"):  # fmt: skip
        assert f'href="{link}"' in page
