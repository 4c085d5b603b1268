"""Status surveys (Plan II.1): the builder's rules, answering by kind, who may answer, reminders,
the compiled numbers, the documents, the pages and the API (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
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
from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.demo.loader import load_demo
from ketnoi.governance import survey, survey_answers, survey_demo, survey_report, survey_results
from ketnoi.governance.survey_models import (
    AssignmentStatus,
    MoveIn,
    OpenIn,
    QuestionIn,
    SectionIn,
    Survey,
    SurveyAnswer,
    SurveyIn,
    SurveyStatus,
)
from ketnoi.identity import actor_for
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound
from ketnoi.org.models import Organization
from tests import factories as f
from tests.web.conftest import client, login, post

__all__ = ["client"]

DUE = date(2030, 6, 20)
TODAY = date(2030, 6, 1)


@dataclass
class World:
    ministry: Organization
    unit_a: Organization
    unit_b: Organization
    admin: Actor
    steward_a: Actor
    steward_b: Actor
    leader: Actor


@dataclass
class Built:
    survey: Survey
    q: dict[str, str]  # key → question id


def build_world(db: Session) -> World:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    unit_a = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia", parent=ministry)
    unit_b = f.unit(db, "Trung tâm Công nghệ thông tin", parent=ministry)
    return World(
        ministry=ministry,
        unit_a=unit_a,
        unit_b=unit_b,
        admin=actor_for(db, f.user(db, "admin", username="quantri")),
        steward_a=actor_for(db, f.user(db, "steward", unit_a, username="canbo")),
        steward_b=actor_for(db, f.user(db, "steward", unit_b, username="canbokhac")),
        leader=actor_for(db, f.user(db, "leader", ministry, username="lanhdao")),
    )


QUESTIONS: dict[str, dict[str, Any]] = {
    "name": {"text": "Đầu mối trả lời", "kind": "short_text", "required": True},
    "count": {"text": "Số cơ sở dữ liệu", "kind": "number", "required": True},
    "api": {"text": "Đã có API chia sẻ", "kind": "yes_no"},
    "level": {"text": "Mức số hóa", "kind": "single_choice", "choices": ["Thấp", "Trung bình", "Cao"]},
    "hosting": {"text": "Nơi đặt hệ thống", "kind": "multiple_choice", "choices": ["Bộ", "Đơn vị", "Đám mây"]},
    "ready": {"text": "Ngày sẵn sàng", "kind": "date"},
    "staff": {"text": "Nhân lực", "kind": "table", "rows": ["Chuyên trách", "Kiêm nhiệm"], "columns": ["Số người"], "cell": "number"},
    "dbs": {"text": "Các cơ sở dữ liệu", "kind": "table", "columns": ["Tên", "Số bản ghi"], "cell": "text"},
    "needs": {"text": "Kiến nghị", "kind": "long_text"},
}


def build_survey(db: Session, w: World, *, open_it: bool = True) -> Built:
    found = survey.create_survey(db, actor=w.admin, data=SurveyIn(title="Khảo sát hiện trạng 2030", due_on=DUE))
    first = survey.add_section(db, actor=w.admin, survey_id=found.id, data=SectionIn(title="Dữ liệu"))
    second = survey.add_section(db, actor=w.admin, survey_id=found.id, data=SectionIn(title="Nhân lực và nhu cầu"))
    ids = {}
    for key, fields in QUESTIONS.items():
        section = second if key in ("staff", "needs") else first
        ids[key] = str(survey.add_question(db, actor=w.admin, survey_id=found.id, data=QuestionIn(section_id=section.id, **fields)).id)
    if open_it:
        survey.open_survey(db, actor=w.admin, survey_id=found.id, data=OpenIn(), now=_at(TODAY))
    return Built(found, ids)


def _at(day: date) -> Any:
    from datetime import datetime

    from ketnoi.workcal.service import VN

    return datetime(day.year, day.month, day.day, 9, tzinfo=VN)


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    db.commit()
    return w


def answer(db: Session, actor: Actor, built: Built, unit: Organization, submit: bool = False, **values: Any) -> Any:
    given = {built.q[k]: v for k, v in values.items()}
    return survey_answers.save_answers(db, actor=actor, survey_id=built.survey.id, unit_id=unit.id, answers=given, submit=submit)


# ---- the builder --------------------------------------------------------------------------------------


def test_a_choice_question_without_options_is_refused_at_its_field(db: Session, world: World) -> None:
    found = survey.create_survey(db, actor=world.admin, data=SurveyIn(title="Khảo sát", due_on=DUE))
    section = survey.add_section(db, actor=world.admin, survey_id=found.id, data=SectionIn(title="Phần 1"))
    for kind in ("single_choice", "multiple_choice"):
        with pytest.raises(Invalid) as refused:
            survey.add_question(db, actor=world.admin, survey_id=found.id, data=QuestionIn(section_id=section.id, text="Mức độ", kind=kind))
        assert refused.value.fields == {"choices": "Câu hỏi lựa chọn cần ít nhất 2 phương án (mỗi phương án một dòng)."}
    with pytest.raises(Invalid) as table:
        survey.add_question(db, actor=world.admin, survey_id=found.id, data=QuestionIn(section_id=section.id, text="Bảng", kind="table"))
    assert set(table.value.fields) == {"columns"}
    with pytest.raises(Invalid) as twice:
        data = QuestionIn(section_id=section.id, text="Mức", kind="single_choice", choices=["Cao", "Cao"])
        survey.add_question(db, actor=world.admin, survey_id=found.id, data=data)
    assert "trùng" in twice.value.fields["choices"]
    assert survey.questionnaire(db, found.id)[0].questions == []


def test_only_the_administrator_builds_and_an_open_survey_cannot_be_edited(db: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        survey.create_survey(db, actor=world.steward_a, data=SurveyIn(title="Khảo sát", due_on=DUE))
    built = build_survey(db, world)
    section_id = survey.questionnaire(db, built.survey.id)[0].section.id
    with pytest.raises(Conflict):
        survey.add_question(
            db, actor=world.admin, survey_id=built.survey.id, data=QuestionIn(section_id=section_id, text="Mới", kind="number")
        )
    with pytest.raises(Conflict):
        survey.delete_question(db, actor=world.admin, survey_id=built.survey.id, question_id=uuid.UUID(built.q["name"]))
    with pytest.raises(Conflict):
        survey.update_survey(db, actor=world.admin, survey_id=built.survey.id, data=SurveyIn(title="Khác", due_on=DUE))
    with pytest.raises(Conflict):
        survey.open_survey(db, actor=world.admin, survey_id=built.survey.id, data=OpenIn())


def test_questions_move_within_and_across_sections_and_are_numbered_in_order(db: Session, world: World) -> None:
    built = build_survey(db, world, open_it=False)
    sid = built.survey.id
    survey.move_question(db, actor=world.admin, survey_id=sid, question_id=uuid.UUID(built.q["count"]), data=MoveIn(direction="up"))
    texts = [q.text for _, q in survey.numbered(survey.questionnaire(db, sid))]
    assert texts[:3] == ["Số cơ sở dữ liệu", "Đầu mối trả lời", "Đã có API chia sẻ"]
    survey.move_question(db, actor=world.admin, survey_id=sid, question_id=uuid.UUID(built.q["staff"]), data=MoveIn(direction="up"))
    parts = survey.questionnaire(db, sid)
    assert parts[0].questions[-1].text == "Nhân lực" and [q.text for q in parts[1].questions] == ["Kiến nghị"]
    survey.move_section(db, actor=world.admin, survey_id=sid, section_id=parts[1].section.id, data=MoveIn(direction="up"))
    assert [p.section.title for p in survey.questionnaire(db, sid)] == ["Nhân lực và nhu cầu", "Dữ liệu"]
    survey.delete_section(db, actor=world.admin, survey_id=sid, section_id=parts[1].section.id)
    assert [q.text for _, q in survey.numbered(survey.questionnaire(db, sid))] == texts[:8]
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "survey", AuditEvent.entity_id == sid)))
    assert {"create", "add_section", "add_question", "move_question", "move_section", "delete_section"} <= actions


def test_opening_sends_to_every_unit_of_the_ministry_or_the_chosen_ones(db: Session, world: World) -> None:
    built = build_survey(db, world)
    units = {a.unit_name for a in survey_results.compile_results(db, actor=world.leader, survey_id=built.survey.id).units}
    assert units == {"Cục Thông tin khoa học và công nghệ quốc gia", "Trung tâm Công nghệ thông tin"}
    other = survey.create_survey(db, actor=world.admin, data=SurveyIn(title="Chỉ một đơn vị", due_on=DUE))
    with pytest.raises(Invalid):  # no question yet
        survey.open_survey(db, actor=world.admin, survey_id=other.id, data=OpenIn(unit_ids=[world.unit_b.id]), now=_at(TODAY))
    section = survey.add_section(db, actor=world.admin, survey_id=other.id, data=SectionIn(title="A"))
    survey.add_question(db, actor=world.admin, survey_id=other.id, data=QuestionIn(section_id=section.id, text="Số", kind="number"))
    survey.open_survey(db, actor=world.admin, survey_id=other.id, data=OpenIn(unit_ids=[world.unit_b.id]), now=_at(TODAY))
    assert [r.unit_name for r in survey_results.compile_results(db, actor=world.admin, survey_id=other.id).units] == [
        "Trung tâm Công nghệ thông tin"
    ]
    with pytest.raises(NotFound):  # a draft is the administrator's alone
        draft = survey.create_survey(db, actor=world.admin, data=SurveyIn(title="Nháp", due_on=DUE))
        survey.get_survey(db, actor=world.steward_a, survey_id=draft.id)


# ---- answering ----------------------------------------------------------------------------------------


def test_each_kind_is_checked_and_a_refused_value_names_its_question(db: Session, world: World) -> None:
    built = build_survey(db, world)
    bad = {"count": "mười hai", "api": "có lẽ", "level": "Rất cao", "hosting": ["Bộ", "Sao Hỏa"], "ready": "31/02/2030",
           "staff": [["hai"]], "dbs": [["CSDL", "1", "thừa"]]}  # fmt: skip
    with pytest.raises(Invalid) as refused:
        answer(db, world.steward_a, built, world.unit_a, **bad)
    fields = refused.value.fields
    assert set(fields) == {built.q[k] for k in bad}
    assert fields[built.q["count"]] == "Câu 2 «Số cơ sở dữ liệu»: Phải là một số (ví dụ 12 hoặc 12,5)."
    assert "«Rất cao» không có trong các phương án" in fields[built.q["level"]]
    assert "Sao Hỏa" in fields[built.q["hosting"]]
    assert "Ngày không hợp lệ" in fields[built.q["ready"]]
    assert "Chuyên trách, cột «Số người»" in fields[built.q["staff"]]
    assert db.scalars(select(SurveyAnswer)).all() == []  # nothing half-written
    good = {"count": "1.234,5", "api": "yes", "level": "Cao", "hosting": ["Đám mây", "Bộ"], "ready": "2030-07-01",
            "staff": [["3"], ["2,5"]], "dbs": [["CSDL KH&CN", "1000"], ["", ""]], "name": "  Nguyễn Văn A "}  # fmt: skip
    answer(db, world.steward_a, built, world.unit_a, **good)
    sheet = survey_answers.get_sheet(db, actor=world.leader, survey_id=built.survey.id, unit_id=world.unit_a.id)
    stored = {k: sheet.values[uuid.UUID(v)] for k, v in built.q.items() if uuid.UUID(v) in sheet.values}
    assert stored == {
        "name": "Nguyễn Văn A",
        "count": 1234.5,
        "api": True,
        "level": "Cao",
        "hosting": ["Bộ", "Đám mây"],
        "ready": "2030-07-01",
        "staff": [[3], [2.5]],
        "dbs": [["CSDL KH&CN", "1000"]],
    }
    assert sheet.assignment.status == AssignmentStatus.IN_PROGRESS
    answer(db, world.steward_a, built, world.unit_a, count="", dbs=[["", ""]])  # blank clears
    assert survey_answers.stored_values(db, sheet.assignment.id).keys() == {uuid.UUID(built.q[k]) for k in good} - {
        uuid.UUID(built.q["count"]),
        uuid.UUID(built.q["dbs"]),
    }


def test_required_questions_are_checked_at_submit_not_in_a_draft(db: Session, world: World) -> None:
    built = build_survey(db, world)
    answer(db, world.steward_a, built, world.unit_a, api="no")  # a draft without the required answers
    with pytest.raises(Invalid) as refused:
        answer(db, world.steward_a, built, world.unit_a, submit=True)
    assert refused.value.fields == {
        built.q["name"]: "Câu 1 «Đầu mối trả lời» là câu hỏi bắt buộc: hãy trả lời trước khi nộp.",
        built.q["count"]: "Câu 2 «Số cơ sở dữ liệu» là câu hỏi bắt buộc: hãy trả lời trước khi nộp.",
    }
    done = answer(db, world.steward_a, built, world.unit_a, submit=True, name="Nguyễn Văn A", count="3")
    assert done.status == AssignmentStatus.SUBMITTED and done.submitted_by_id == world.steward_a.user_id
    with pytest.raises(Conflict):
        answer(db, world.steward_a, built, world.unit_a, count="4")
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "survey_assignment")).all()
    assert list(events).count("submit") == 1 and "save" in events


def test_a_steward_cannot_answer_for_another_unit_and_a_leader_only_reads(db: Session, world: World) -> None:
    built = build_survey(db, world)
    with pytest.raises(Forbidden):
        answer(db, world.steward_b, built, world.unit_a, count="1")
    with pytest.raises(Forbidden):
        answer(db, world.leader, built, world.unit_a, count="1")
    assert survey_answers.units_to_answer(db, actor=world.steward_b, survey_id=built.survey.id) == [
        (world.unit_b.id, "Trung tâm Công nghệ thông tin")
    ]
    survey.close_survey(db, actor=world.admin, survey_id=built.survey.id)
    with pytest.raises(Conflict):
        answer(db, world.steward_a, built, world.unit_a, count="1")


# ---- reminders: items of the daily digest (governance.reminders) ---------------------------------------


def test_units_that_have_not_answered_get_it_in_their_daily_digest(db: Session, world: World) -> None:
    from ketnoi.governance import reminders
    from ketnoi.notify.models import Notification

    built = build_survey(db, world)
    answer(db, world.steward_a, built, world.unit_a, submit=True, name="A", count="1")

    def bodies(actor: Actor) -> list[str]:
        return list(db.scalars(select(Notification.body).where(Notification.user_id == actor.user_id)))

    reminders.send_digests(db, today=date(2030, 6, 16))  # four days before: outside the rule's 3-day window
    assert not any(built.survey.title in b for b in bodies(world.steward_b))
    reminders.send_digests(db, today=date(2030, 6, 18))
    assert any(built.survey.title in b for b in bodies(world.steward_b))
    assert not any(built.survey.title in b for b in bodies(world.steward_a))  # unit A has submitted


# ---- the compiled results and the documents --------------------------------------------------------------


def _two_answers(db: Session, w: World, built: Built) -> None:
    answer(db, w.steward_a, built, w.unit_a, submit=True, name="Nguyễn Văn A", count="3", api="yes", level="Cao",
           hosting=["Bộ", "Đơn vị"], staff=[["4"], ["1"]], dbs=[["CSDL KH&CN", "1.250.000"]], needs="Nâng cấp máy chủ")  # fmt: skip
    answer(db, w.steward_b, built, w.unit_b, submit=True, name="Trần Thị B", count="2,5", api="no", level="Cao",
           hosting=["Bộ"], staff=[["6"], [""]], dbs=[["CSDL văn bản", "12.400"], ["CSDL cán bộ", "800"]])  # fmt: skip


def test_the_compiled_results_count_sum_and_list_the_submitted_answers(db: Session, world: World) -> None:
    built = build_survey(db, world)
    _two_answers(db, world, built)
    results = survey_results.compile_results(db, actor=world.leader, survey_id=built.survey.id, now=_at(date(2030, 6, 25)))
    by = {r.question.text: r for r in results.questions}
    assert (results.submitted, results.overdue) == (2, 0)
    assert by["Số cơ sở dữ liệu"].numbers == survey_results.Numbers(2, 5.5, 2.75, 2.5, 3)
    assert by["Đã có API chia sẻ"].counts == [("Có", 1), ("Không", 1)]
    assert by["Mức số hóa"].counts == [("Thấp", 0), ("Trung bình", 0), ("Cao", 2)]
    assert by["Nơi đặt hệ thống"].counts == [("Bộ", 2), ("Đơn vị", 1), ("Đám mây", 0)]
    assert by["Nhân lực"].grid == [[10], [1]]
    assert by["Các cơ sở dữ liệu"].tables[1] == ("Trung tâm Công nghệ thông tin", [["CSDL văn bản", "12.400"], ["CSDL cán bộ", "800"]])
    assert by["Kiến nghị"].by_unit == [("Cục Thông tin khoa học và công nghệ quốc gia", "Nâng cấp máy chủ")]
    assert by["Ngày sẵn sàng"].answered == 0


def test_a_draft_is_not_compiled_and_a_late_unit_is_overdue(db: Session, world: World) -> None:
    built = build_survey(db, world)
    answer(db, world.steward_a, built, world.unit_a, count="7")
    results = survey_results.compile_results(db, actor=world.admin, survey_id=built.survey.id, now=_at(date(2030, 6, 21)))
    assert next(r for r in results.questions if r.question.text == "Số cơ sở dữ liệu").numbers == survey_results.Numbers(
        0, 0, None, None, None
    )
    assert results.overdue == 2 and results.count(AssignmentStatus.IN_PROGRESS) == 1


def test_the_docx_and_the_xlsx_hold_the_answers(db: Session, world: World) -> None:
    built = build_survey(db, world)
    _two_answers(db, world, built)
    results = survey_results.compile_results(db, actor=world.leader, survey_id=built.survey.id)
    doc = Document(io.BytesIO(survey_report.survey_docx(results, "Bộ Khoa học và Công nghệ")))
    text = "\n".join(p.text for p in doc.paragraphs)
    header = "\n".join(c.text for c in doc.tables[0].rows[0].cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "BỘ KHOA HỌC VÀ CÔNG NGHỆ" in header and "/BC-BKHCN" in header
    assert "Kết quả rà soát, đánh giá hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, chia sẻ dữ liệu" in text
    assert "Câu 2. Số cơ sở dữ liệu" in text and "đã nộp phiếu: 2" in text
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["Tổng", "5,5"] in cells and ["Bình quân", "2,75"] in cells and ["Bộ", "2"] in cells
    assert ["Chuyên trách", "10"] in cells and ["Trung tâm Công nghệ thông tin", "CSDL cán bộ", "800"] in cells
    book = load_workbook(io.BytesIO(survey_report.survey_xlsx(results)))
    rows = [[c.value for c in row] for row in book["Câu trả lời"].iter_rows(min_row=2)]
    assert ["Trung tâm Công nghệ thông tin", "Đã nộp", "Dữ liệu", 2, "Số cơ sở dữ liệu", "Số", 2.5] in rows
    assert ["Cục Thông tin khoa học và công nghệ quốc gia", "Đã nộp", "Dữ liệu", 5, "Nơi đặt hệ thống", "Chọn nhiều", "Bộ; Đơn vị"] in rows
    totals = [[c.value for c in row] for row in book["Tổng hợp"].iter_rows(min_row=2)]
    assert [2, "Số cơ sở dữ liệu", "Tổng", 5.5] in totals and [4, "Mức số hóa", "Cao", 2] in totals


# ---- pages and API -------------------------------------------------------------------------------------


def test_the_builder_page_refuses_a_choice_question_without_options_at_its_field(db: Session, world: World, client: TestClient) -> None:
    built = build_survey(db, world, open_it=False)
    db.commit()
    login(client, "quantri", f.PASSWORD)
    section_id = survey.questionnaire(db, built.survey.id)[0].section.id
    data = {"section_id": str(section_id), "text": "Mức độ", "kind": "single_choice", "choices": "\n"}
    refused = post(client, f"/surveys/{built.survey.id}/questions", data)
    assert refused.status_code == 422 and 'id="f-choices-error"' in refused.text
    added = post(client, f"/surveys/{built.survey.id}/questions", {**data, "choices": "Thấp, rất thấp\nCao\n", "required": "on"})
    assert added.status_code == 303
    page = client.get(f"/surveys/{built.survey.id}/edit")
    assert "Thấp, rất thấp; Cao" in page.text
    assert post(client, f"/surveys/{built.survey.id}/open", {}).status_code == 303
    assert post(client, f"/surveys/{built.survey.id}/questions", data).status_code == 409
    assert "Tạo cuộc khảo sát" in client.get("/surveys").text


def test_a_leader_reads_the_list_the_results_and_a_units_answers_without_a_form(db: Session, world: World, client: TestClient) -> None:
    built = build_survey(db, world)
    _two_answers(db, world, built)
    db.commit()
    login(client, "lanhdao", f.PASSWORD)
    listed = client.get("/surveys")
    assert built.survey.title in listed.text and "Tạo cuộc khảo sát" not in listed.text
    detail = client.get(f"/surveys/{built.survey.id}")
    assert detail.status_code == 200 and "Nâng cấp máy chủ" in detail.text and 'data-figure="total">5,5<' in detail.text
    sheet = client.get(f"/surveys/{built.survey.id}/answer?unit_id={world.unit_b.id}")
    assert sheet.status_code == 200 and "Trần Thị B" in sheet.text and "Nộp phiếu khảo sát" not in sheet.text
    assert client.get(f"/surveys/{built.survey.id}/edit").status_code == 403
    assert post(client, f"/surveys/{built.survey.id}/answer", {"unit_id": str(world.unit_b.id), built.q["count"]: "1"}).status_code == 403


def test_the_api_builds_answers_and_compiles_with_the_same_rules(db: Session, world: World, client: TestClient) -> None:
    def bearer(actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {auth.create_token(db, actor=actor, name='kiểm tra')[1]}"}

    admin, steward, other, leader = (bearer(a) for a in (world.admin, world.steward_a, world.steward_b, world.leader))
    db.commit()
    assert client.post("/api/v1/surveys", json={"title": "K", "due_on": "2030-06-20"}, headers=steward).status_code == 403
    created = client.post("/api/v1/surveys", json={"title": "Khảo sát", "due_on": "2030-06-20"}, headers=admin)
    assert created.status_code == 201
    url = f"/api/v1/surveys/{created.json()['id']}"
    section = client.post(f"{url}/sections", json={"title": "Dữ liệu"}, headers=admin).json()["sections"][0]["id"]
    bad = client.post(f"{url}/questions", json={"section_id": section, "text": "Mức", "kind": "single_choice"}, headers=admin)
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"choices"}
    body = client.post(
        f"{url}/questions", json={"section_id": section, "text": "Số CSDL", "kind": "number", "required": True}, headers=admin
    )
    question = body.json()["sections"][0]["questions"][0]["id"]
    opened = client.post(f"{url}/open", json={"unit_ids": [str(world.unit_a.id)]}, headers=admin).json()
    assert opened["status"] == SurveyStatus.OPEN and [a["unit_name"] for a in opened["assignments"]] == [world.unit_a.name]
    unit_url = f"{url}/units/{world.unit_a.id}"
    assert client.put(unit_url, json={"answers": {question: 3}}, headers=other).status_code == 403
    assert client.post(f"{unit_url}/submit", json={}, headers=steward).status_code == 422
    assert client.put(unit_url, json={"answers": {question: "x"}}, headers=steward).status_code == 422
    submitted = client.post(f"{unit_url}/submit", json={"answers": {question: 3}}, headers=steward).json()
    assert submitted["status"] == "submitted" and submitted["answers"] == {question: 3}
    results = client.get(f"{url}/results", headers=leader).json()
    assert results["submitted"] == 1 and results["questions"][0]["numbers"]["total"] == 3
    docx = client.get(f"/surveys/{created.json()['id']}/report.docx", headers=leader)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_the_demo_survey_is_open_with_two_units_answered_and_loads_once(db: Session) -> None:
    load_demo(db, password="mat-khau-demo-dai")  # the demo loader loads the survey
    created, present = survey_demo.load_examples(db)
    assert created == 0 and present > 0
    admin = actor_for(db, db.scalars(select(User).where(User.username == "admin")).one())
    found = db.scalars(select(Survey).where(Survey.title == survey_demo.TITLE)).one()
    results = survey_results.compile_results(db, actor=admin, survey_id=found.id)
    assert results.submitted == 2 and results.count(AssignmentStatus.IN_PROGRESS) == 1 and len(results.units) > 5
    by = {r.question.text: r for r in results.questions}
    assert by["Tổng số cơ sở dữ liệu"].numbers == survey_results.Numbers(2, 3, 1.5, 1, 2)
    assert survey_report.survey_docx(results, "Bộ Khoa học và Công nghệ")[:2] == b"PK"
