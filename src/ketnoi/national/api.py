"""JSON API of the national registration: the public service listing and its schema, the pushes (administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ketnoi.national import export, service
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["national"])


class PushOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    trigger: str
    target_url: str
    fingerprint: str
    status: str
    http_status: int | None
    error: str | None
    attempts: int
    services: int
    datasets: int


class PushAsked(BaseModel):
    job_id: str


@router.get("/national/services.json", summary="Danh mục dịch vụ chia sẻ đã công bố, theo định dạng gửi Cổng dữ liệu quốc gia")
def services_json(db: DB) -> dict[str, Any]:
    """Các trường Điều 24–25 Nghị định 47 của mỗi dịch vụ đã công bố; cấu trúc: `/api/v1/national/services.schema.json`."""
    return export.services_listing(db)


@router.get("/national/services.schema.json", summary="JSON Schema của danh mục dịch vụ gửi Cổng dữ liệu quốc gia")
def services_schema() -> dict[str, Any]:
    return export.schema()


@router.get("/national/pushes", response_model=list[PushOut], summary="Các lần đẩy lên Cổng dữ liệu quốc gia (quản trị viên)")
def pushes(db: DB, actor: CurrentActor) -> list[PushOut]:
    return [PushOut.model_validate(p) for p in service.status(db, actor=actor).pushes]


@router.post("/national/push", response_model=PushAsked, status_code=202, summary="Đẩy ngay lên Cổng dữ liệu quốc gia (quản trị viên)")
def push_now(db: DB, actor: CurrentActor, force: bool = False) -> PushAsked:
    """Gửi khi danh mục khác lần đẩy thành công gần nhất; `force=true`: gửi cả khi không đổi."""
    return PushAsked(job_id=str(service.request_push(db, actor=actor, force=force).id))
