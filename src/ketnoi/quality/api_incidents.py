"""JSON API of quality incidents (the staff's). Another agency's application reports through the
gateway instead: `POST /x/{code}/incidents` (sharing.gateway)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ketnoi.quality import incidents
from ketnoi.quality.incidents import Entry, Filters, IncidentIn, StatusIn
from ketnoi.quality.models import Incident, IncidentSource, IncidentStatus
from ketnoi.web.api_common import Cursor, Limit, PageOut
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["quality"])


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dataset_id: uuid.UUID
    dataset_name: str | None = None
    unit_name: str | None = None
    source: str
    status: str
    title: str
    body: str
    reporter: str | None
    feedback_id: uuid.UUID | None
    rule_id: uuid.UUID | None
    resolution: str | None
    resolved_at: datetime | None
    resolved_by_id: uuid.UUID | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class IncidentPageOut(PageOut[IncidentOut]):
    counts: dict[str, int]  # incidents of each status under the other filters


def _out(incident: Incident, dataset_name: str | None = None, unit_name: str | None = None) -> IncidentOut:
    return IncidentOut.model_validate(incident).model_copy(update={"dataset_name": dataset_name, "unit_name": unit_name})


def _entry(entry: Entry) -> IncidentOut:
    return _out(entry.incident, entry.dataset_name, entry.unit_name)


@router.get("/quality/incidents", response_model=IncidentPageOut, summary="Danh sách sự cố chất lượng dữ liệu (chưa đóng trước)")
def list_incidents(
    db: DB,
    actor: CurrentActor,
    status: IncidentStatus | None = None,
    source: IncidentSource | None = None,
    unit_id: uuid.UUID | None = None,
    dataset_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> IncidentPageOut:
    filters = Filters(status=status, source=source, unit_id=unit_id, dataset_id=dataset_id)
    page = incidents.list_incidents(db, actor=actor, filters=filters, cursor=cursor, limit=limit)
    counts = incidents.status_counts(db, actor=actor, filters=filters)
    return IncidentPageOut(items=[_entry(e) for e in page.items], next_cursor=page.next_cursor, counts=counts)


@router.post("/datasets/{dataset_id}/incidents", response_model=IncidentOut, status_code=201, summary="Báo sự cố chất lượng của bộ dữ liệu")
def create_incident(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, data: IncidentIn) -> IncidentOut:
    return _out(incidents.create_incident(db, actor=actor, dataset_id=dataset_id, data=data))


@router.get("/quality/incidents/{incident_id}", response_model=IncidentOut, summary="Chi tiết sự cố chất lượng dữ liệu")
def get_incident(db: DB, actor: CurrentActor, incident_id: uuid.UUID) -> IncidentOut:
    view = incidents.incident_view(db, actor=actor, incident_id=incident_id)
    return _out(view.incident, view.dataset.name, view.unit_name)


@router.post("/quality/incidents/{incident_id}/status", response_model=IncidentOut, summary="Chuyển trạng thái sự cố (đóng phải nêu lý do)")
def change_status(db: DB, actor: CurrentActor, incident_id: uuid.UUID, data: StatusIn) -> IncidentOut:
    """open → investigating → resolved | dismissed; mở lại (open) được. `resolution` bắt buộc khi resolved hoặc dismissed."""
    return _out(incidents.change_status(db, actor=actor, incident_id=incident_id, data=data))
