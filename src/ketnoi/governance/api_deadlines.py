"""JSON API of deadlines and cycles as data, with their legal basis (the same services as the pages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from ketnoi.governance import deadlines
from ketnoi.governance.deadlines import RuleView
from ketnoi.governance.deadlines_models import RuleIn
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["governance"])


class RuleOut(BaseModel):
    key: str
    label: str
    kind: str
    params: dict[str, Any]
    text: str
    next_due: date | None
    remind_before_days: int
    remind_after: bool
    legal_basis: str
    enabled: bool
    updated_at: datetime


class DueOut(BaseModel):
    key: str
    due: date


def _out(view: RuleView) -> RuleOut:
    r = view.rule
    return RuleOut(
        key=r.key,
        label=r.label,
        kind=r.kind,
        params=r.params,
        text=view.text,
        next_due=view.next_due,
        remind_before_days=r.remind_before_days,
        remind_after=r.remind_after,
        legal_basis=r.legal_basis,
        enabled=r.enabled,
        updated_at=r.updated_at,
    )


@router.get("/deadlines", response_model=list[RuleOut], summary="Các thời hạn, chu kỳ và căn cứ pháp lý")
def list_rules(db: DB, actor: CurrentActor) -> list[RuleOut]:
    return [_out(view) for view in deadlines.list_rules(db, actor=actor)]


@router.get("/deadlines/{key}", response_model=RuleOut, summary="Một thời hạn")
def get_rule(db: DB, actor: CurrentActor, key: str) -> RuleOut:
    return _out(deadlines.get_rule(db, actor=actor, key=key))


@router.get("/deadlines/{key}/due", response_model=DueOut, summary="Tính hạn theo quy tắc (theo năm hoặc từ một sự kiện)")
def due(db: DB, actor: CurrentActor, key: str, year: int | None = None, event_at: datetime | None = None) -> DueOut:
    deadlines.get_rule(db, actor=actor, key=key)  # staff only, and NotFound for an unknown key
    return DueOut(key=key, due=deadlines.due_date(db, key, year=year, event_at=event_at))


@router.put("/deadlines/{key}", response_model=RuleOut, summary="Sửa thời hạn, nhắc hạn và căn cứ pháp lý (quản trị)")
def update_rule(db: DB, actor: CurrentActor, key: str, data: RuleIn) -> RuleOut:
    deadlines.update_rule(db, actor=actor, key=key, data=data)
    return _out(deadlines.get_rule(db, actor=actor, key=key))
