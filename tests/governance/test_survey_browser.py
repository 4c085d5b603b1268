"""A status survey in Chromium: a unit's steward answers, is refused at a required question, submits,
and the results page shows the compiled answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from ketnoi.governance import survey_answers
from ketnoi.governance.survey_models import AssignmentStatus
from tests.governance.test_survey import World, build_survey, build_world
from tests.web.browser import chromium, login, pytestmark, server

__all__ = ["chromium", "pytestmark", "server"]


@pytest.fixture
def world(db: Session) -> World:
    w = build_world(db)
    db.commit()
    return w


def test_a_steward_answers_every_kind_and_submits(server: str, chromium: Browser, db: Session, world: World) -> None:
    built = build_survey(db, world)
    db.commit()
    steward = login(chromium, server, "canbo")
    steward.goto(f"{server}/surveys")
    steward.get_by_role("link", name="Trả lời").click()
    expect(steward.locator("h1")).to_contain_text("Cục Thông tin khoa học và công nghệ quốc gia")
    steward.get_by_label("Câu 2. Số cơ sở dữ liệu").fill("ba")
    steward.get_by_role("button", name="Nộp phiếu khảo sát").click()
    expect(steward.locator(f"#f-{built.q['count']}-error")).to_contain_text("Phải là một số")
    expect(steward.locator(f"#f-{built.q['name']}-error")).to_contain_text("là câu hỏi bắt buộc")
    steward.get_by_label("Câu 1. Đầu mối trả lời").fill("Nguyễn Văn A")
    steward.get_by_label("Câu 2. Số cơ sở dữ liệu").fill("3")
    steward.get_by_role("group", name="Câu 3. Đã có API chia sẻ").get_by_label("Có").check()
    steward.get_by_label("Trung bình").check()
    steward.get_by_label("Đám mây").check()
    steward.get_by_label("Câu 6. Ngày sẵn sàng").fill("2030-07-01")
    steward.get_by_label("Chuyên trách – Số người").fill("4")
    steward.get_by_label("1 – Tên").fill("CSDL KH&CN")
    steward.get_by_role("button", name="Lưu nháp").click()
    steward.wait_for_url("**done=saved")
    expect(steward.get_by_label("Câu 2. Số cơ sở dữ liệu")).to_have_value("3")
    steward.get_by_label("Câu 9. Kiến nghị").fill("Nâng cấp máy chủ.")
    steward.get_by_role("button", name="Nộp phiếu khảo sát").click()
    steward.wait_for_url("**done=submitted")
    expect(steward.get_by_role("button", name="Nộp phiếu khảo sát")).to_have_count(0)
    steward.goto(f"{server}/surveys/{built.survey.id}")
    expect(steward.locator(f"#result-{built.q['level']}")).to_contain_text("Trung bình")
    expect(steward.locator(f"#result-{built.q['count']} [data-figure=total]")).to_have_text("3")
    db.expire_all()
    sheet = survey_answers.get_sheet(db, actor=world.admin, survey_id=built.survey.id, unit_id=world.unit_a.id)
    assert sheet.assignment.status == AssignmentStatus.SUBMITTED
    assert sorted(map(str, sheet.values.values())) == sorted(
        [
            "Nguyễn Văn A",
            "3",
            "True",
            "Trung bình",
            "['Đám mây']",
            "2030-07-01",
            "[[4], [None]]",
            "[['CSDL KH&CN', None]]",
            "Nâng cấp máy chủ.",
        ]
    )
