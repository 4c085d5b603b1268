"""JSON API of the audit trail (read only: there is no route that changes it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ketnoi.audit import service
from ketnoi.web.api_common import Cursor, Limit, PageOut
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["audit"])


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_label: str
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    entity_label: str
    changes: dict[str, Any]


@router.get("/audit", response_model=PageOut[AuditEventOut], summary="Nhật ký thay đổi")
def list_events(db: DB, actor: CurrentActor, cursor: Cursor = None, limit: Limit = 50) -> PageOut[AuditEventOut]:
    page = service.recent(db, actor=actor, cursor=cursor, limit=limit)
    return PageOut(items=[AuditEventOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/audit/{entity_type}/{entity_id}", response_model=list[AuditEventOut], summary="Lịch sử thay đổi của một bản ghi")
def entity_history(db: DB, actor: CurrentActor, entity_type: str, entity_id: uuid.UUID) -> list[AuditEventOut]:
    events = service.history(db, actor=actor, entity_type=entity_type, entity_id=entity_id, required=True)
    return [AuditEventOut.model_validate(e) for e in events]
