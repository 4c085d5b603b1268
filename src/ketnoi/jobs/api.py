"""JSON API of background jobs (their state and progress)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ketnoi.jobs import service
from ketnoi.web.api_common import Cursor, Limit, PageOut
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["jobs"])


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: str
    params: dict[str, Any]
    progress: int
    total: int | None
    message: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.get("/jobs", response_model=PageOut[JobOut], summary="Công việc nền")
def list_jobs(db: DB, actor: CurrentActor, cursor: Cursor = None, limit: Limit = 25) -> PageOut[JobOut]:
    page = service.list_jobs(db, actor=actor, cursor=cursor, limit=limit)
    return PageOut(items=[JobOut.model_validate(j) for j in page.items], next_cursor=page.next_cursor)


@router.get("/jobs/{job_id}", response_model=JobOut, summary="Trạng thái một công việc")
def get_job(db: DB, actor: CurrentActor, job_id: uuid.UUID) -> JobOut:
    return JobOut.model_validate(service.get_job(db, actor=actor, job_id=job_id))
