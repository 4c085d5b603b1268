"""JSON API of data sources (the same services as the pages).

Staff read the sources and their runs; an administrator or a steward of the dataset's unit
creates, changes, deletes, previews and syncs one. A source's password or token is sent in
`secret` (write-only: null keeps the stored one, "" removes it) and never comes back: the answer
says only `has_secret`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from ketnoi.connectors import service
from ketnoi.connectors.models import DataSource
from ketnoi.connectors.schemas import SourceIn
from ketnoi.jobs.api import JobOut
from ketnoi.web.api_common import Cursor, Limit, PageOut
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["sources"])


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    started_at: datetime
    finished_at: datetime | None
    status: str
    mode: str
    attempts: int
    rows_read: int
    rows_added: int
    rows_updated: int
    row_count: int | None
    version: int | None
    high_water_before: str | None
    high_water_after: str | None
    changes: list[str]
    messages: list[str]
    error: str | None


class SourceOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    dataset_id: uuid.UUID
    resource_id: uuid.UUID
    config: dict[str, Any]
    has_secret: bool
    mode: str
    cursor_column: str | None
    key_columns: list[str]
    interval_minutes: int
    enabled: bool
    keep_versions: int
    high_water: str | None
    next_run_at: datetime | None
    last_status: str | None
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SourceDetailOut(SourceOut):
    served_version: int | None
    row_count: int | None
    runs: list[RunOut]


class PreviewOut(BaseModel):
    columns: list[dict[str, str]]
    rows: list[list[Any]]


def _out(source: DataSource) -> SourceOut:
    return SourceOut(
        id=source.id,
        name=source.name,
        kind=source.kind,
        dataset_id=source.dataset_id,
        resource_id=source.resource_id,
        config=source.config or {},
        has_secret=bool(source.secret),
        mode=source.mode,
        cursor_column=source.cursor_column,
        key_columns=list(source.key_columns or []),
        interval_minutes=source.interval_minutes,
        enabled=source.enabled,
        keep_versions=source.keep_versions,
        high_water=source.high_water,
        next_run_at=source.next_run_at,
        last_status=source.last_status,
        last_run_at=source.last_run_at,
        created_at=source.created_at,
        updated_at=source.updated_at,
    )


def _detail(db: DB, actor: CurrentActor, source_id: uuid.UUID) -> SourceDetailOut:
    view = service.source_view(db, actor=actor, source_id=source_id)
    return SourceDetailOut(
        **_out(view.source).model_dump(),
        served_version=view.served.version if view.served else None,
        row_count=view.served.row_count if view.served else None,
        runs=[RunOut.model_validate(r) for r in view.runs],
    )


@router.get("/sources", response_model=PageOut[SourceOut], summary="Các nguồn dữ liệu (cán bộ)")
def list_sources(
    db: DB, actor: CurrentActor, cursor: Cursor = None, limit: Limit = 50, dataset_id: uuid.UUID | None = None
) -> PageOut[SourceOut]:
    page = service.list_sources(db, actor=actor, cursor=cursor, limit=limit, dataset_id=dataset_id)
    return PageOut(items=[_out(row.source) for row in page.items], next_cursor=page.next_cursor)


@router.post("/sources", status_code=201, response_model=SourceDetailOut, summary="Thêm nguồn dữ liệu (CSDL hoặc REST)")
def create_source(db: DB, actor: CurrentActor, data: SourceIn) -> SourceDetailOut:
    source = service.create_source(db, actor=actor, data=data)
    db.flush()
    return _detail(db, actor, source.id)


@router.get("/sources/{source_id}", response_model=SourceDetailOut, summary="Một nguồn dữ liệu, phiên bản đang phục vụ và các lần đồng bộ")
def get_source(db: DB, actor: CurrentActor, source_id: uuid.UUID) -> SourceDetailOut:
    return _detail(db, actor, source_id)


@router.put("/sources/{source_id}", response_model=SourceDetailOut, summary='Sửa nguồn dữ liệu (secret: null giữ nguyên, "" xoá)')
def update_source(db: DB, actor: CurrentActor, source_id: uuid.UUID, data: SourceIn) -> SourceDetailOut:
    service.update_source(db, actor=actor, source_id=source_id, data=data)
    db.flush()
    return _detail(db, actor, source_id)


@router.delete("/sources/{source_id}", status_code=204, summary="Xoá nguồn (dữ liệu đã đồng bộ vẫn ở lại bộ dữ liệu)")
def delete_source(db: DB, actor: CurrentActor, source_id: uuid.UUID) -> Response:
    service.delete_source(db, actor=actor, source_id=source_id)
    return Response(status_code=204)


@router.post("/sources/{source_id}/sync", status_code=202, response_model=JobOut, summary="Đồng bộ ngay (full=true: đọc lại toàn bộ)")
def sync_source(db: DB, actor: CurrentActor, source_id: uuid.UUID, full: bool = False) -> JobOut:
    job = service.request_sync(db, actor=actor, source_id=source_id, full=full)
    db.flush()
    return JobOut.model_validate(job)


@router.get("/sources/{source_id}/runs", response_model=list[RunOut], summary="Các lần đồng bộ gần nhất của nguồn")
def list_runs(db: DB, actor: CurrentActor, source_id: uuid.UUID) -> list[RunOut]:
    return [RunOut.model_validate(r) for r in service.source_view(db, actor=actor, source_id=source_id).runs]


@router.post("/sources/{source_id}/preview", response_model=PreviewOut, summary="Kiểm tra kết nối: các cột và 10 dòng đầu, không nạp gì")
def preview_source(db: DB, actor: CurrentActor, source_id: uuid.UUID) -> PreviewOut:
    shown = service.preview(db, actor=actor, source_id=source_id)
    columns = [{"name": c.name, "type": c.type} for c in shown.columns]
    return PreviewOut(columns=columns, rows=[[_jsonable(v) for v in row] for row in shown.rows])


def _jsonable(value: Any) -> Any:
    """A source's value as JSON carries it (dates and decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
