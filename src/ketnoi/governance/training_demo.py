"""The demo ministry's training sessions of this year (Plan IV.1): the IT Center's yearly course and a
workshop on data security, with the units that attended (the others show as not trained)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.demo import data_org as org_codes
from ketnoi.governance import training
from ketnoi.governance.training_models import AttendanceIn, TrainingIn, TrainingSession
from ketnoi.identity import system_actor
from ketnoi.org.models import Organization

SESSIONS = (
    (
        "Tập huấn quản lý, kết nối và chia sẻ dữ liệu theo Nghị định 47/2020/NĐ-CP",
        (3, 12),
        "Hội trường tầng 2, trụ sở Bộ, 113 Trần Duy Hưng, Hà Nội",
        "Danh mục cơ sở dữ liệu dùng chung; dịch vụ chia sẻ dữ liệu và cổng trao đổi; kiểm tra chất lượng dữ liệu hằng năm.",
        ((org_codes.CUC_TTKHCN, 6), (org_codes.UB_TCDLCL, 4), (org_codes.CUC_SHTT, 5), (org_codes.VU_KHTC, 2)),
    ),
    (
        "Hội thảo an toàn dữ liệu và bảo vệ dữ liệu cá nhân trong khai thác dữ liệu",
        (9, 24),
        "Trung tâm Công nghệ thông tin (trực tuyến kết hợp trực tiếp)",
        "Phân loại dữ liệu theo Luật Dữ liệu; xử lý dữ liệu cá nhân theo Nghị định 13/2023/NĐ-CP; nhật ký trao đổi và chữ ký số.",
        ((org_codes.CUC_TTKHCN, 3), (org_codes.CUC_ATBXHN, 4)),
    ),
)


def load_examples(session: Session, *, today: date | None = None) -> tuple[int, int]:
    """This year's sessions when missing (by title and date); (created, already present)."""
    year = (today or date.today()).year
    units = {o.agency_code: o.id for o in session.scalars(select(Organization))}
    organizer = units.get(org_codes.TTCNTT)
    if organizer is None:
        return 0, 0
    created = present = 0
    for title, (month, day), place, topics, attendance in SESSIONS:
        held_on = date(year, month, day)
        if session.scalar(select(TrainingSession.id).where(TrainingSession.title == title, TrainingSession.held_on == held_on)):
            present += 1
            continue
        participants = [AttendanceIn(unit_id=units[code], count=count) for code, count in attendance if code in units]
        data = TrainingIn(title=title, held_on=held_on, place=place, organizer_id=organizer, topics=topics, participants=participants)
        training.create_session(session, actor=system_actor(), data=data)
        created += 1
    return created, present
