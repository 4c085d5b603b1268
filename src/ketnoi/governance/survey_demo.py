"""The demo ministry's status survey (Plan II.1), built and answered through the real services.

`load_examples(session)` runs after the demo ministry is loaded: the IT Center builds the survey of
the state of data and information systems (databases held, information systems, readiness for
connection, staff, needs), sends it to every unit of the ministry with a due date three weeks ahead;
the Cục Thông tin KH&CN quốc gia and the IT Center have answered and submitted, the Vụ Kế hoạch - Tài
chính has saved a draft. Present when a survey of this title exists: a second run adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.governance import survey, survey_answers
from ketnoi.governance.survey_models import OpenIn, QuestionIn, SectionIn, Survey, SurveyAssignment, SurveyIn, SurveyQuestion
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import Organization

TITLE = "Rà soát hiện trạng dữ liệu, hệ thống thông tin phục vụ kết nối, chia sẻ dữ liệu"
DESCRIPTION = (
    "Thực hiện nhiệm vụ II.1 của Kế hoạch, đề nghị các đơn vị kê khai các cơ sở dữ liệu, hệ thống thông tin đang quản lý, "
    "mức độ sẵn sàng kết nối, chia sẻ dữ liệu, nhân lực và nhu cầu hỗ trợ."
)
CELLS = ("Tên cơ sở dữ liệu", "Số bản ghi (ước tính)", "Năm đưa vào sử dụng")
STAFF_ROWS = ("Chuyên trách công nghệ thông tin", "Kiêm nhiệm quản lý dữ liệu")
STAFF_COLUMNS = ("Số người", "Trong đó có trình độ đại học CNTT trở lên")
# section title → (key, question fields)
QUESTIONS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "Cơ sở dữ liệu đang quản lý": [
        (
            "databases",
            {
                "text": "Kê khai các cơ sở dữ liệu đơn vị đang quản lý",
                "kind": "table",
                "columns": list(CELLS),
                "cell": "text",
                "help": "Mỗi cơ sở dữ liệu một dòng.",
                "required": True,
            },
        ),
        ("db_count", {"text": "Tổng số cơ sở dữ liệu", "kind": "number", "required": True}),
        (
            "digitised",
            {
                "text": "Dữ liệu đã được số hóa, chuẩn hóa",
                "kind": "single_choice",
                "choices": ["Dưới 30%", "Từ 30% đến 70%", "Trên 70%"],
                "required": True,
            },
        ),
    ],
    "Hệ thống thông tin": [
        ("systems", {"text": "Số hệ thống thông tin đang vận hành", "kind": "number", "required": True}),
        (
            "hosting",
            {
                "text": "Nơi đặt hệ thống",
                "kind": "multiple_choice",
                "choices": ["Trung tâm dữ liệu của Bộ", "Máy chủ tại đơn vị", "Thuê dịch vụ điện toán đám mây"],
            },
        ),
        ("security", {"text": "Hệ thống đã được phê duyệt hồ sơ đề xuất cấp độ an toàn thông tin", "kind": "yes_no", "required": True}),
    ],
    "Mức độ sẵn sàng kết nối, chia sẻ": [
        ("api", {"text": "Đã có giao diện lập trình (API) để chia sẻ dữ liệu", "kind": "yes_no", "required": True}),
        ("lgsp", {"text": "Đã kết nối với nền tảng tích hợp, chia sẻ dữ liệu của Bộ (LGSP)", "kind": "yes_no"}),
        ("ready_on", {"text": "Thời điểm dự kiến sẵn sàng kết nối", "kind": "date"}),
    ],
    "Nhân lực": [
        (
            "staff",
            {
                "text": "Nhân lực quản lý dữ liệu, công nghệ thông tin",
                "kind": "table",
                "rows": list(STAFF_ROWS),
                "columns": list(STAFF_COLUMNS),
                "cell": "number",
            },
        ),
    ],
    "Khó khăn, nhu cầu": [
        ("needs", {"text": "Khó khăn, vướng mắc và đề xuất, kiến nghị", "kind": "long_text"}),
    ],
}
ANSWERS: dict[str, tuple[str, bool, dict[str, Any]]] = {  # unit's agency code → (steward, submitted, answers by key)
    "000.00.06.G06": (
        "cucthongtin",
        True,
        {
            "databases": [
                ["Cơ sở dữ liệu quốc gia về khoa học và công nghệ", "1.250.000", "2012"],
                ["Cơ sở dữ liệu công bố khoa học", "480.000", "2016"],
            ],
            "db_count": "2",
            "digitised": "Trên 70%",
            "systems": "3",
            "hosting": ["Trung tâm dữ liệu của Bộ", "Máy chủ tại đơn vị"],
            "security": "yes",
            "api": "yes",
            "lgsp": "yes",
            "staff": [["6", "5"], ["4", "2"]],
            "needs": "Đề nghị Bộ bố trí kinh phí nâng cấp máy chủ cơ sở dữ liệu quốc gia về KH&CN; tập huấn chuẩn dữ liệu mở.",
        },
    ),
    "000.00.05.G06": (
        "ttcntt",
        True,
        {
            "databases": [["Cơ sở dữ liệu văn bản quy phạm pháp luật về KH&CN", "12.400", "2018"]],
            "db_count": "1",
            "digitised": "Từ 30% đến 70%",
            "systems": "5",
            "hosting": ["Trung tâm dữ liệu của Bộ"],
            "security": "yes",
            "api": "yes",
            "lgsp": "no",
            "ready_on": "2026-06-30",
            "staff": [["9", "9"], ["0", "0"]],
            "needs": "Bổ sung nhân lực an toàn thông tin; chuẩn hóa danh mục dùng chung giữa các đơn vị.",
        },
    ),
    "000.00.02.G06": ("vukhtc", False, {"db_count": "1", "digitised": "Dưới 30%", "api": "no"}),
}


def _account(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    return actor_for(session, user) if user else system_actor()


def load_examples(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """Create the survey with its examples when missing; (created, already present)."""
    existing = session.scalar(select(Survey.id).where(Survey.title == TITLE))
    if existing is not None:
        questions = session.scalar(select(func.count()).select_from(SurveyQuestion).where(SurveyQuestion.survey_id == existing)) or 0
        units = session.scalar(select(func.count()).select_from(SurveyAssignment).where(SurveyAssignment.survey_id == existing)) or 0
        return 0, 1 + len(QUESTIONS) + questions + units
    admin = _account(session, "admin")
    data = SurveyIn(title=TITLE, description=DESCRIPTION, due_on=survey.today(now) + timedelta(days=21))
    found = survey.create_survey(session, actor=admin, data=data)
    keys: dict[str, str] = {}
    for title, listed in QUESTIONS.items():
        section = survey.add_section(session, actor=admin, survey_id=found.id, data=SectionIn(title=title))
        for key, fields in listed:
            question = survey.add_question(session, actor=admin, survey_id=found.id, data=QuestionIn(section_id=section.id, **fields))
            keys[key] = str(question.id)
    survey.open_survey(session, actor=admin, survey_id=found.id, data=OpenIn(), now=now)
    for code, (username, submit, answers) in ANSWERS.items():
        unit = session.scalar(select(Organization).where(Organization.agency_code == code))
        if unit is None:
            continue
        given = {keys[key]: value for key, value in answers.items()}
        survey_answers.save_answers(
            session, actor=_account(session, username), survey_id=found.id, unit_id=unit.id, answers=given, submit=submit
        )
    units = session.scalar(select(func.count()).select_from(SurveyAssignment).where(SurveyAssignment.survey_id == found.id)) or 0
    session.flush()
    return 1 + len(QUESTIONS) + len(keys) + units, 0
