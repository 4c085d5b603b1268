"""Training (Plan IV.1): the administrator's validated and audited sessions, the year's summary, the
DOCX and XLSX report holding the same numbers, and the pages."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.authz import PUBLIC, Actor
from ketnoi.governance import training, training_report
from ketnoi.governance.training_models import TrainingIn, TrainingSession
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.errors import Forbidden, Invalid, Unauthenticated
from ketnoi.kit.validation import parse
from ketnoi.org.models import Organization
from tests import factories as f
from tests.web.conftest import client, login, post

__all__ = ["client"]


@dataclass
class World:
    admin: Actor
    steward: Actor
    leader: Actor
    itc: Organization
    ip: Organization
    stats: Organization
    lab: Organization


@pytest.fixture
def world(db: Session) -> World:
    itc, ip = f.unit(db, "Trung tâm Công nghệ thông tin"), f.unit(db, "Cục Sở hữu trí tuệ")
    stats, lab = f.unit(db, "Vụ Kế hoạch - Tài chính"), f.unit(db, "Viện Đo lường")
    w = World(
        admin=actor_for(db, f.user(db, "admin", username="quantri")),
        steward=actor_for(db, f.user(db, "steward", ip, username="canbo")),
        leader=actor_for(db, f.user(db, "leader", username="lanhdao")),
        itc=itc,
        ip=ip,
        stats=stats,
        lab=lab,
    )
    db.commit()
    return w


def data(w: World, **changes: Any) -> TrainingIn:
    values: dict[str, Any] = {
        "title": "Tập huấn an toàn dữ liệu",
        "held_on": "2026-05-20",
        "place": "Hà Nội",
        "organizer_id": str(w.itc.id),
        "topics": "Quản lý, kết nối, chia sẻ dữ liệu",
        "participants": [{"unit_id": str(w.ip.id), "count": 12}, {"unit_id": str(w.stats.id), "count": 5}],
        **changes,
    }
    return parse(TrainingIn, values)


def test_the_administrator_records_edits_and_deletes_sessions_audited(db: Session, world: World) -> None:
    item = training.create_session(db, actor=world.admin, data=data(world, title="Tập huấn  an toàn dữ liệu"))
    db.commit()
    assert item.participants == [{"unit_id": str(world.ip.id), "count": 12}, {"unit_id": str(world.stats.id), "count": 5}]
    training.update_session(db, actor=world.admin, session_id=item.id, data=data(world, place="Đà Nẵng"))
    db.commit()
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == item.id).order_by(AuditEvent.at)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes["place"] == ["Hà Nội", "Đà Nẵng"]
    assert training.get_session(db, actor=world.steward, session_id=item.id).place == "Đà Nẵng"
    training.delete_session(db, actor=world.admin, session_id=item.id)
    db.commit()
    assert db.scalars(select(TrainingSession)).all() == []
    assert db.scalar(select(AuditEvent).where(AuditEvent.entity_id == item.id, AuditEvent.action == "delete")) is not None


def test_only_the_administrator_records_and_only_staff_read(db: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        training.create_session(db, actor=world.steward, data=data(world))
    with pytest.raises(Forbidden):
        training.create_session(db, actor=world.leader, data=data(world))
    with pytest.raises(Unauthenticated):
        training.year_summary(db, actor=PUBLIC, year=2026)
    assert db.scalars(select(TrainingSession)).all() == []


def test_bad_input_is_refused_at_the_field(db: Session, world: World) -> None:
    with pytest.raises(Invalid) as bad_date:
        data(world, held_on="2026-02-30")
    assert "held_on" in bad_date.value.fields
    with pytest.raises(Invalid) as negative:
        data(world, participants=[{"unit_id": str(world.ip.id), "count": -1}])
    assert negative.value.fields["participants.0.count"] == "Phải lớn hơn hoặc bằng 0."
    missing = str(world.admin.user_id)  # an id that is no unit
    with pytest.raises(Invalid) as unknown:
        training.create_session(
            db, actor=world.admin, data=data(world, organizer_id=missing, participants=[{"unit_id": missing, "count": 3}])
        )
    assert unknown.value.fields == {"organizer_id": "Không tìm thấy đơn vị tổ chức.", "participants.0": "Không tìm thấy đơn vị tham dự."}
    twice = [{"unit_id": str(world.ip.id), "count": 1}, {"unit_id": str(world.ip.id), "count": 2}]
    with pytest.raises(Invalid) as duplicate:
        training.create_session(db, actor=world.admin, data=data(world, participants=twice))
    assert duplicate.value.fields == {"participants.1": "Mỗi đơn vị chỉ ghi một lần."}
    with pytest.raises(Invalid) as year:
        training.year_summary(db, actor=world.admin, year=1999)
    assert "year" in year.value.fields
    db.rollback()
    assert db.scalars(select(TrainingSession)).all() == []


def _three_sessions(db: Session, w: World) -> None:
    training.create_session(db, actor=w.admin, data=data(w))  # IP 12, stats 5
    more = [{"unit_id": str(w.ip.id), "count": 3}, {"unit_id": str(w.itc.id), "count": 4}]
    training.create_session(db, actor=w.admin, data=data(w, title="Hướng dẫn khai thác dữ liệu", held_on="2026-11-02", participants=more))
    training.create_session(db, actor=w.admin, data=data(w, title="Năm trước", held_on="2025-12-31"))  # another year
    db.commit()


def test_year_summary_counts_sessions_participants_units_and_the_untrained(db: Session, world: World) -> None:
    _three_sessions(db, world)
    s = training.year_summary(db, actor=world.steward, year=2026)
    assert [item.title for item in s.sessions] == ["Tập huấn an toàn dữ liệu", "Hướng dẫn khai thác dữ liệu"]
    assert s.total_participants == 24
    assert [(line.name, line.participants, line.sessions) for line in s.by_unit] == [
        ("Cục Sở hữu trí tuệ", 15, 2),
        ("Vụ Kế hoạch - Tài chính", 5, 1),
        ("Trung tâm Công nghệ thông tin", 4, 1),
    ]
    assert s.never_trained == ["Viện Đo lường"]
    last = training.year_summary(db, actor=world.steward, year=2025)
    assert (len(last.sessions), last.total_participants) == (1, 17)
    assert "Trung tâm Công nghệ thông tin" in last.never_trained


def test_the_documents_hold_the_summary_numbers(db: Session, world: World) -> None:
    _three_sessions(db, world)
    s = training.year_summary(db, actor=world.leader, year=2026)
    doc = Document(io.BytesIO(training_report.training_docx(s, "Bộ Khoa học và Công nghệ", date(2026, 12, 15))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "năm 2026" in text
    assert "Số đợt tập huấn: 2; tổng số lượt người tham dự: 24;" in text
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    assert ["1", "Cục Sở hữu trí tuệ", "2", "15"] in cells
    assert ["", "Tổng cộng", "", "24"] in cells
    assert ["1", "Viện Đo lường"] in cells
    book = load_workbook(io.BytesIO(training_report.training_xlsx(s)))
    assert [r[-1] for r in book["Đợt tập huấn"].iter_rows(min_row=2, values_only=True)] == [17, 7]
    units = list(book["Theo đơn vị"].iter_rows(min_row=2, values_only=True))
    assert units[0] == ("Cục Sở hữu trí tuệ", 2, 15) and units[-1] == ("Tổng cộng", None, 24)
    assert list(book["Chưa tập huấn"].iter_rows(min_row=2, values_only=True)) == [("Viện Đo lường",)]


def test_pages_list_add_edit_delete_and_download(client: TestClient, db: Session, world: World) -> None:
    _three_sessions(db, world)
    assert client.get("/training", follow_redirects=False).status_code in (303, 401)
    login(client, "canbo", f.PASSWORD)
    page = client.get("/training?year=2026")
    assert page.status_code == 200 and 'id="participants-total">24<' in page.text and "Viện Đo lường" in page.text
    assert "Ghi nhận đợt tập huấn" not in page.text
    assert post(client, "/training", {"title": "x"}).status_code == 403
    assert client.get("/plan").text.count('href="/training"') == 1
    client.cookies.clear()
    login(client, "quantri", f.PASSWORD)
    form = {"title": "Tập huấn mới", "held_on": "2026-07-01", "place": "Hà Nội", "organizer_id": str(world.itc.id), "topics": "An toàn"}
    refused = post(client, "/training", {**form, "held_on": "2026-13-01", "unit_id": [str(world.lab.id), ""], "count": ["-2", ""]})
    assert refused.status_code == 422 and "Ngày không hợp lệ" in refused.text and "Phải lớn hơn hoặc bằng 0." in refused.text
    saved = post(client, "/training", {**form, "unit_id": [str(world.lab.id), ""], "count": ["9", ""]})
    assert saved.status_code == 303
    detail = client.get(saved.headers["location"])
    assert detail.status_code == 200 and 'id="session-total">9<' in detail.text
    path = saved.headers["location"].split("?")[0]
    assert post(client, path, {**form, "place": "Huế", "unit_id": [str(world.lab.id)], "count": ["10"]}).status_code == 303
    summary = client.get("/training?year=2026")
    assert 'id="participants-total">34<' in summary.text and "never-trained" not in summary.text
    docx_file = client.get("/training/report.docx?year=2026")
    assert docx_file.status_code == 200 and docx_file.headers["content-disposition"].endswith('tap-huan-2026.docx"')
    assert "tổng số lượt người tham dự: 34;" in "\n".join(p.text for p in Document(io.BytesIO(docx_file.content)).paragraphs)
    xlsx_file = client.get("/training/report.xlsx?year=2026")
    assert load_workbook(io.BytesIO(xlsx_file.content))["Theo đơn vị"].max_row == 6
    assert post(client, f"{path}/delete").status_code == 303
    assert 'id="participants-total">24<' in client.get("/training?year=2026").text


def test_the_demo_has_this_year_s_sessions_once(db: Session) -> None:
    from ketnoi.demo.loader import load_demo
    from ketnoi.governance import training_demo

    load_demo(db, password="mat-khau-demo-dai")
    assert training_demo.load_examples(db) == (0, 2)  # the demo loader made them
    summary = training.year_summary(db, actor=system_actor(), year=date.today().year)
    assert len(summary.sessions) == 2 and summary.total_participants == 6 + 4 + 5 + 2 + 3 + 4
