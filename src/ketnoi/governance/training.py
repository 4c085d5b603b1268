"""Training of Plan IV.1: the administrator (Trung tâm Công nghệ thông tin) records the training sessions
held in the year, with the participants each unit sent; staff read them and the year's summary.

Every change is audited (before → after). `year_summary` is what the /training page, the DOCX report
and the XLSX workbook all show, so a figure reads the same everywhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.authz import Actor, Role
from ketnoi.governance.training_models import TrainingIn, TrainingSession
from ketnoi.kit.errors import Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.org.models import Organization, OrgKind

ENTITY = "training_session"
AUDITED = ("title", "held_on", "place", "organizer_id", "topics", "participants", "notes")
FIRST_YEAR, LAST_YEAR = 2000, 2099
INVALID = "Dữ liệu không hợp lệ, vui lòng kiểm tra các trường được đánh dấu."


# ---- who may ------------------------------------------------------------------------------------


def require_staff(actor: Actor) -> None:
    if actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để xem kết quả tập huấn.")


def is_admin(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    require_staff(actor)
    if not is_admin(actor):
        raise Forbidden("Chỉ quản trị hệ thống (Trung tâm Công nghệ thông tin) được ghi nhận các đợt tập huấn.")


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid("Năm phải từ {first_year} đến {last_year}.", values={"first_year": FIRST_YEAR, "last_year": LAST_YEAR}).on_field(
            "year"
        )
    return year


# ---- reading ------------------------------------------------------------------------------------


def _session(session: Session, session_id: uuid.UUID) -> TrainingSession:
    found = session.get(TrainingSession, session_id)
    if found is None:
        raise NotFound("Không tìm thấy đợt tập huấn.")
    return found


def get_session(session: Session, *, actor: Actor, session_id: uuid.UUID) -> TrainingSession:
    require_staff(actor)
    return _session(session, session_id)


def list_sessions(session: Session, *, actor: Actor, year: int) -> list[TrainingSession]:
    require_staff(actor)
    check_year(year)
    query = select(TrainingSession).where(TrainingSession.held_on >= date(year, 1, 1), TrainingSession.held_on <= date(year, 12, 31))
    return list(session.scalars(query.order_by(TrainingSession.held_on, TrainingSession.title, TrainingSession.id)))


def unit_names(session: Session) -> dict[uuid.UUID, str]:
    return dict(session.execute(select(Organization.id, Organization.name)).tuples().all())


def history(session: Session, *, actor: Actor, session_id: uuid.UUID) -> list[Any]:
    require_staff(actor)
    return list(audit.history(session, actor=actor, entity_type=ENTITY, entity_id=_session(session, session_id).id))


# ---- the year's summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine:
    unit_id: uuid.UUID
    name: str
    participants: int
    sessions: int  # how many of the year's sessions the unit sent someone to


@dataclass(frozen=True)
class YearSummary:
    year: int
    sessions: list[TrainingSession]
    total_participants: int
    by_unit: list[UnitLine]  # units that sent people, most participants first
    never_trained: list[str]  # the ministry's units that sent nobody all year, by name
    names: dict[uuid.UUID, str]

    def organizer(self, item: TrainingSession) -> str:
        return self.names.get(item.organizer_id, "—") if item.organizer_id else "—"

    @staticmethod
    def count(item: TrainingSession) -> int:
        return sum(int(p["count"]) for p in item.participants)


def year_summary(session: Session, *, actor: Actor, year: int) -> YearSummary:
    """The year's sessions, participants in all, per unit, and the units never trained that year."""
    items = list_sessions(session, actor=actor, year=year)
    names = unit_names(session)
    people: dict[uuid.UUID, int] = {}
    attended: dict[uuid.UUID, int] = {}
    for item in items:
        for p in item.participants:
            unit_id = uuid.UUID(p["unit_id"])
            people[unit_id] = people.get(unit_id, 0) + int(p["count"])
            attended[unit_id] = attended.get(unit_id, 0) + (1 if int(p["count"]) > 0 else 0)
    lines = [UnitLine(u, names.get(u, "—"), n, attended[u]) for u, n in people.items()]
    lines.sort(key=lambda line: (-line.participants, line.name))
    units = session.execute(select(Organization.id, Organization.name).where(Organization.kind == OrgKind.UNIT).order_by(Organization.name))
    never = [name for unit_id, name in units.tuples() if people.get(unit_id, 0) == 0]
    return YearSummary(year, items, sum(people.values()), lines, never, names)


# ---- the administrator's changes ----------------------------------------------------------------


def _participants(session: Session, data: TrainingIn) -> list[dict[str, Any]]:
    """The participants as stored, each unit checked (it exists, it appears once)."""
    fields: dict[str, str] = {}
    if session.get(Organization, data.organizer_id) is None:
        fields["organizer_id"] = "Không tìm thấy đơn vị tổ chức."
    seen: set[uuid.UUID] = set()
    for index, row in enumerate(data.participants):
        if session.get(Organization, row.unit_id) is None:
            fields.setdefault(f"participants.{index}", "Không tìm thấy đơn vị tham dự.")
        elif row.unit_id in seen:
            fields.setdefault(f"participants.{index}", "Mỗi đơn vị chỉ ghi một lần.")
        seen.add(row.unit_id)
    if fields:
        raise Invalid(INVALID, fields=fields)
    return [{"unit_id": str(row.unit_id), "count": row.count} for row in data.participants]


def _fill(item: TrainingSession, data: TrainingIn, participants: list[dict[str, Any]]) -> None:
    item.title, item.held_on, item.place, item.organizer_id = data.title, data.held_on, data.place, data.organizer_id
    item.topics, item.participants, item.notes = data.topics, participants, data.notes


def create_session(session: Session, *, actor: Actor, data: TrainingIn) -> TrainingSession:
    require_admin(actor)
    if not FIRST_YEAR <= data.held_on.year <= LAST_YEAR:
        _bad_date()
    item = TrainingSession(created_by_id=actor.user_id)
    _fill(item, data, _participants(session, data))
    session.add(item)
    session.flush()
    state = audit.snapshot(item, AUDITED)
    _audit(session, actor, item, "create", {name: [None, value] for name, value in state.items()})
    return item


def update_session(session: Session, *, actor: Actor, session_id: uuid.UUID, data: TrainingIn) -> TrainingSession:
    require_admin(actor)
    item = _session(session, session_id)
    if not FIRST_YEAR <= data.held_on.year <= LAST_YEAR:
        _bad_date()
    participants = _participants(session, data)
    before = audit.snapshot(item, AUDITED)
    _fill(item, data, participants)
    changes = audit.diff(before, audit.snapshot(item, AUDITED))
    if changes:
        _audit(session, actor, item, "update", dict(changes))
    session.flush()
    return item


def delete_session(session: Session, *, actor: Actor, session_id: uuid.UUID) -> None:
    require_admin(actor)
    item = _session(session, session_id)
    state = audit.snapshot(item, AUDITED)
    _audit(session, actor, item, "delete", {name: [value, None] for name, value in state.items()})
    session.delete(item)
    session.flush()


def _bad_date() -> None:
    raise Invalid(
        "Ngày tổ chức phải trong các năm {first_year}–{last_year}.", values={"first_year": FIRST_YEAR, "last_year": LAST_YEAR}
    ).on_field("held_on")


def _audit(session: Session, actor: Actor, item: TrainingSession, action: str, changes: dict[str, Any]) -> None:
    audit.record(session, actor=actor, action=action, entity_type=ENTITY, entity_id=item.id, entity_label=item.title, changes=changes)
