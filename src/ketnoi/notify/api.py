"""JSON API of the acting user's in-app notifications."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ketnoi.notify import service
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["notifications"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


@router.get("/notifications", response_model=list[NotificationOut], summary="Thông báo của tôi")
def list_notifications(db: DB, actor: CurrentActor, unread_only: bool = False) -> list[NotificationOut]:
    return [NotificationOut.model_validate(n) for n in service.list_notifications(db, actor=actor, unread_only=unread_only)]


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut, summary="Đánh dấu đã đọc")
def mark_read(db: DB, actor: CurrentActor, notification_id: uuid.UUID) -> NotificationOut:
    return NotificationOut.model_validate(service.mark_read(db, actor=actor, notification_id=notification_id))


@router.post("/notifications/read-all", summary="Đánh dấu tất cả đã đọc")
def mark_all_read(db: DB, actor: CurrentActor) -> dict[str, int]:
    return {"marked": service.mark_all_read(db, actor=actor)}
