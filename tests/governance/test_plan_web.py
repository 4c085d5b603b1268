"""The plan tracker's pages and JSON API, and the demo's examples (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.demo.loader import load_demo
from ketnoi.governance import plan, plan_dashboard, plan_demo, plan_seed
from ketnoi.governance.plan import InstanceFilter
from ketnoi.governance.plan_models import PlanTask, ProgressEvidence, ProgressReport, TaskInstance
from ketnoi.identity import actor_for
from ketnoi.org.models import Organization
from tests import factories as f
from tests.web.conftest import client, login, post

__all__ = ["client"]


def _setup(db: Session) -> tuple[Organization, Organization, User, User, User]:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    f.unit(db, "Trung tâm Công nghệ thông tin", ministry)
    unit_a, unit_b = f.unit(db, "Cục Sở hữu trí tuệ", ministry), f.unit(db, "Ủy ban Tiêu chuẩn", ministry)
    f.database(db, unit_a)
    f.database(db, unit_b)
    plan_seed.load_plan(db)
    plan.generate_instances(db, year=plan.today().year)
    users = f.user(db, "steward", unit_a, "steward_a"), f.user(db, "steward", unit_b, "steward_b"), f.user(db, "leader", None, "leader")
    db.commit()
    return unit_a, unit_b, *users


def _instance(db: Session, code: str, unit: Organization) -> TaskInstance:
    query = select(TaskInstance).join(PlanTask, PlanTask.id == TaskInstance.task_id)
    found = db.scalar(
        query.where(PlanTask.code == code, TaskInstance.unit_id == unit.id, TaskInstance.period_key == str(plan.today().year))
    )
    assert found is not None
    return found


def test_a_steward_reports_with_evidence_through_the_page_and_a_leader_reads_it(client: TestClient, db: Session) -> None:
    unit_a, _, _, _, _ = _setup(db)
    instance = _instance(db, "II.4", unit_a)
    login(client, "steward_a", f.PASSWORD)
    page = client.get(f"/plan/instances/{instance.id}")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    refused = post(client, f"/plan/instances/{instance.id}/reports", {"body": "", "percent": "150"})
    assert refused.status_code == 422 and 'id="f-body-error"' in refused.text and 'id="f-percent-error"' in refused.text
    wrong = post(
        client, f"/plan/instances/{instance.id}/reports", {"body": "Đã kiểm tra.", "percent": "50"}, files={"file": ("x.exe", b"MZ")}
    )
    assert wrong.status_code == 422 and "Định dạng tệp minh chứng" in wrong.text
    sent = post(
        client, f"/plan/instances/{instance.id}/reports", {"body": "Đã kiểm tra 3 bộ dữ liệu.", "percent": "50"},
        files={"file": ("bao-cao.pdf", b"%PDF-1.4 bao cao")},
    )  # fmt: skip
    assert sent.status_code == 303
    db.expire_all()
    [report] = db.scalars(select(ProgressReport))
    [evidence] = db.scalars(select(ProgressEvidence))
    assert (report.percent, report.unit_id, evidence.filename) == (50, unit_a.id, "bao-cao.pdf")

    client.cookies.clear()
    login(client, "leader", f.PASSWORD)
    page = client.get(f"/plan/instances/{instance.id}")
    assert "Đã kiểm tra 3 bộ dữ liệu." in page.text and "Gửi báo cáo" not in page.text  # a leader reads, has no form
    assert client.get(f"/plan/evidence/{evidence.id}").content == b"%PDF-1.4 bao cao"
    assert post(client, f"/plan/instances/{instance.id}/reports", {"body": "Không.", "percent": "10"}).status_code == 403
    listing = client.get(f"/plan?unit_id={unit_a.id}&status=in_progress")
    assert listing.status_code == 200 and f"/plan/instances/{instance.id}" in listing.text
    assert "II.8" in listing.text and "Định kỳ 6 tháng một lần" in listing.text


def test_a_steward_cannot_report_for_another_unit(client: TestClient, db: Session) -> None:
    unit_a, _, _, _, _ = _setup(db)
    instance = _instance(db, "III.2", unit_a)
    login(client, "steward_b", f.PASSWORD)
    assert post(client, f"/plan/instances/{instance.id}/reports", {"body": "Không phải đơn vị mình.", "percent": "10"}).status_code == 403
    db.expire_all()
    assert db.scalar(select(ProgressReport.id)) is None


def test_the_dashboard_page_and_api_show_the_services_numbers(client: TestClient, db: Session) -> None:
    unit_a, _, steward, _, leader = _setup(db)
    year = plan.today().year
    _, secret = auth.create_token(db, actor=actor_for(db, steward), name="t")
    _, leader_secret = auth.create_token(db, actor=actor_for(db, leader), name="t")
    db.commit()
    instance = _instance(db, "III.2", unit_a)
    sent = client.post(
        f"/api/v1/plan/instances/{instance.id}/reports", data={"body": "Hoàn thành.", "percent": "100"},
        files={"file": ("bien-ban.txt", "Biên bản".encode())}, headers={"Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "done" and sent.json()["reports"][0]["evidence"][0]["filename"] == "bien-ban.txt"

    db.expire_all()  # the request committed the report in its own session
    board = plan_dashboard.dashboard(db, actor=actor_for(db, leader), year=year, now=datetime.now().astimezone())
    assert board.total.counts["done"] == 1
    headers = {"Authorization": f"Bearer {leader_secret}"}
    answer = client.get(f"/api/v1/plan/dashboard?year={year}", headers=headers).json()
    assert answer["total"]["counts"] == board.total.counts and answer["total"]["total"] == board.total.total > 0
    assert {g["key"]: g["counts"] for g in answer["by_unit"]} == {g.key: g.counts for g in board.by_unit}
    listed = client.get(f"/api/v1/plan/instances?year={year}&unit_id={unit_a.id}", headers=headers).json()
    rows = plan.list_instances(db, actor=actor_for(db, leader), filters=InstanceFilter(year=year, unit_id=unit_a.id))
    assert sorted(i["id"] for i in listed) == sorted(str(r.instance.id) for r in rows)
    assert len(client.get("/api/v1/plan/tasks", headers=headers).json()) == 20
    assert client.post(f"/api/v1/plan/generate?year={year}", headers=headers).status_code == 403

    login(client, "leader", f.PASSWORD)
    page = client.get(f"/plan/dashboard?year={year}")
    assert page.status_code == 200 and "<svg" in page.text and "<script" not in page.text.split("</header>", 1)[-1].split("<footer", 1)[0]
    shown = dict(re.findall(r'data-total="(\w+)">(\d+)<', page.text))
    assert shown == {"all": str(board.total.total), **{k: str(v) for k, v in board.total.counts.items()}}
    assert client.get("/plan/dashboard?year=1900").status_code == 422


def test_the_demo_loads_the_plan_this_years_tasks_and_reports_once(db: Session) -> None:
    load_demo(db, password="mat-khau-demo-dai")
    plan_demo.load_examples(db)
    again = plan_demo.load_examples(db)
    assert again == (0, 1)
    assert db.scalar(select(PlanTask.id).where(PlanTask.code == "IV.1")) is not None
    cuc = db.scalar(select(Organization).where(Organization.agency_code == plan_demo.CUC_TTKHCN))
    assert cuc is not None and _instance(db, "I.6", db.scalar(select(Organization).where(Organization.agency_code == "000.00.05.G06")))
    reports = list(db.scalars(select(ProgressReport)))
    assert len(reports) == len(plan_demo.REPORTS) and {r.unit_id for r in reports} >= {cuc.id}
    assert db.scalar(select(ProgressEvidence.id)) is not None
