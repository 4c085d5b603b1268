"""JSON API of the sharing-service registry: the catalog agencies read, and the units' own edits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ketnoi import authz
from ketnoi.authz import Action, Kind
from ketnoi.kit.clock import utcnow
from ketnoi.sharing import agreements, evidence, grants, notices, openapi, registry, requests, usage
from ketnoi.sharing.gateway import request_out
from ketnoi.sharing.registry import ServiceView
from ketnoi.sharing.schemas import FocalPointOut, ServiceIn, ServiceOut
from ketnoi.web.deps import DB, CurrentActor

MAX_SEQ = 2**63 - 1  # a 64-bit integer, as the log stores it (a larger one is refused at the field, not at the database)
router = APIRouter(tags=["services"])


def out(view: ServiceView) -> ServiceOut:
    fp = view.focal_point
    focal = FocalPointOut(full_name=fp.full_name, position=fp.position, email=fp.email, phone=fp.phone) if fp else None
    values = {name: getattr(view.service, name) for name in ServiceOut.model_fields if hasattr(view.service, name)}
    return ServiceOut.model_validate(values | {"owner_name": view.owner.name, "focal_point": focal, "sla": view.sla})


@router.get("/services", response_model=list[ServiceOut], summary="Danh mục dịch vụ chia sẻ dữ liệu")
def list_services(db: DB, actor: CurrentActor, sla: str | None = None) -> list[ServiceOut]:
    """Cán bộ thấy mọi dịch vụ; công chúng thấy dịch vụ đã công bố.

    `sla=waiting`: dịch vụ chờ công bố, gấp nhất trước; `sla=late|due_today`: chỉ những dịch vụ trễ hạn / đến hạn hôm nay."""
    return [out(v) for v in registry.list_services(db, actor=actor, sla=sla)]


@router.post("/services", response_model=ServiceOut, status_code=201, summary="Khai báo dịch vụ chia sẻ (bản nháp)")
def create_service(db: DB, actor: CurrentActor, body: ServiceIn) -> ServiceOut:
    return out(registry.create_service(db, actor=actor, data=body))


@router.get("/services/{service_id}", response_model=ServiceOut, summary="Một dịch vụ chia sẻ")
def get_service(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> ServiceOut:
    return out(registry.get_service(db, actor=actor, service_id=service_id))


@router.put("/services/{service_id}", response_model=ServiceOut, summary="Sửa dịch vụ (dịch vụ đã công bố chuyển sang «đã thay đổi»)")
def update_service(db: DB, actor: CurrentActor, service_id: uuid.UUID, body: ServiceIn) -> ServiceOut:
    return out(registry.update_service(db, actor=actor, service_id=service_id, data=body))


@router.post("/services/{service_id}/ready", response_model=ServiceOut, summary="Sẵn sàng công bố (bắt đầu thời hạn 1 ngày làm việc)")
def mark_ready(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> ServiceOut:
    return out(registry.mark_ready(db, actor=actor, service_id=service_id))


@router.post("/services/{service_id}/publish", response_model=ServiceOut, summary="Công bố dịch vụ (quản trị viên)")
def publish(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> ServiceOut:
    return out(registry.publish(db, actor=actor, service_id=service_id))


@router.post("/services/{service_id}/retire", response_model=ServiceOut, summary="Ngừng cung cấp dịch vụ")
def retire(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> ServiceOut:
    return out(registry.retire(db, actor=actor, service_id=service_id))


@router.get("/services/{service_id}/openapi.json", summary="Mô tả OpenAPI 3.1 của dịch vụ")
def service_openapi(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> dict[str, Any]:
    return openapi.document(registry.get_service(db, actor=actor, service_id=service_id))


class DecisionIn(BaseModel):
    approve: bool
    reason: str | None = Field(default=None, max_length=5000, description="Bắt buộc khi từ chối")
    personal_items: list[str] = Field(default_factory=list, max_length=500, description="Trường dữ liệu cá nhân được xem (mặc định: che)")
    row_filters: list[list[str]] = Field(default_factory=list, description='Lọc dòng bắt buộc, ví dụ [["tinh_thanh", "Hà Nội"]]')
    rate_per_minute: int | None = Field(default=None, ge=1, description="Số lần gọi mỗi phút (mặc định: của dịch vụ)")
    quota_per_day: int | None = Field(default=None, ge=1, description="Số lần gọi mỗi ngày")
    operations: list[str] | None = Field(default=None, description="records | changes | as_of (mặc định: tất cả)")


class GrantOut(BaseModel):
    id: uuid.UUID
    app_id: uuid.UUID
    request_id: uuid.UUID | None
    data_items: list[str]
    personal_items: list[str]
    operations: list[str]
    row_filters: list[list[str]]
    rate_per_minute: int | None
    quota_per_day: int | None
    status: str
    granted_at: datetime
    granted_by: str
    revoked_at: datetime | None
    revoked_reason: str | None


class RevokeIn(BaseModel):
    reason: str = Field(max_length=5000)


@router.get("/connection-requests", summary="Yêu cầu kết nối chờ trả lời (đơn vị chủ quản dịch vụ)")
def pending_requests(db: DB, actor: CurrentActor, overdue: bool = False) -> list[dict[str, object]]:
    """`overdue=true`: chỉ các yêu cầu đã quá thời hạn trả lời."""
    authz.require(actor, Action.VIEW, Kind.SERVICE)
    found = requests.pending(db, actor=actor, overdue_at=utcnow() if overdue else None)
    return [request_out(r) | {"service_id": str(r.service_id), "app_id": str(r.app_id), "purpose": r.purpose} for r in found]


@router.post("/connection-requests/{request_id}/decision", summary="Chấp thuận hoặc từ chối (có lý do) một yêu cầu kết nối")
def decide(db: DB, actor: CurrentActor, request_id: uuid.UUID, body: DecisionIn) -> dict[str, object]:
    terms = requests.Terms(body.personal_items, body.row_filters, body.rate_per_minute, body.quota_per_day, body.operations)
    return request_out(requests.decide(db, actor=actor, request_id=request_id, approve=body.approve, reason=body.reason, terms=terms))


@router.get("/services/{service_id}/grants", response_model=list[GrantOut], summary="Các quyền khai thác dịch vụ đã cấp")
def service_grants(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> list[GrantOut]:
    service = registry.get_service(db, actor=actor, service_id=service_id).service
    return [GrantOut.model_validate(g, from_attributes=True) for g in grants.of_service(db, actor=actor, service=service)]


@router.post("/grants/{grant_id}/revoke", response_model=GrantOut, summary="Thu hồi quyền khai thác (có hiệu lực từ lần gọi sau)")
def revoke_grant(db: DB, actor: CurrentActor, grant_id: uuid.UUID, body: RevokeIn) -> GrantOut:
    return GrantOut.model_validate(grants.revoke(db, actor=actor, grant_id=grant_id, reason=body.reason), from_attributes=True)


@router.get("/exchange-stats", summary="Lượt khai thác theo dịch vụ hoặc theo ứng dụng (nhật ký trao đổi)")
def exchange_stats(db: DB, actor: CurrentActor, by: str = "service", period: str = "7d") -> list[dict[str, Any]]:
    """`by=service|consumer`, `period=1d|7d|30d|365d`. Đơn vị thấy dịch vụ của mình; lãnh đạo, quản trị thấy tất cả."""
    return [usage.as_json(row) for row in usage.usage(db, actor=actor, by=by, period=period)]


@router.get("/exchange-log", summary="Bản ghi nhật ký trao đổi (Điều 45) của các dịch vụ được xem")
def exchange_log(
    db: DB, actor: CurrentActor, service: str | None = None, after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:  # fmt: skip
    """Theo thứ tự chuỗi; `after` = `seq` cuối của trang trước."""
    found = usage.records(db, actor=actor, service=service, after=after, limit=limit)
    return {"items": [evidence.record_out(r) for r in found], "next_after": found[-1].seq if len(found) == limit else None}


class AgreementIn(BaseModel):
    terms: dict[str, str] = Field(description="Các nội dung của Điều 38: " + ", ".join(agreements.ITEMS))
    valid_from: date
    valid_until: date | None = None


@router.post("/connection-requests/{request_id}/agreements", status_code=201, summary="Đề xuất thỏa thuận (Điều 38), phiên bản mới")
def propose_agreement(db: DB, actor: CurrentActor, request_id: uuid.UUID, body: AgreementIn) -> dict[str, object]:
    """Đơn vị chủ quản dịch vụ đề xuất (và qua đó chấp thuận) phiên bản mới; có hiệu lực khi bên khai thác chấp thuận."""
    made = agreements.propose(db, actor=actor, request_id=request_id, terms=body.terms, valid_from=body.valid_from,
                              valid_until=body.valid_until)  # fmt: skip
    return agreements.out(made)


@router.get("/connection-requests/{request_id}/agreements", summary="Các phiên bản thỏa thuận của một yêu cầu kết nối")
def request_agreements(db: DB, actor: CurrentActor, request_id: uuid.UUID) -> list[dict[str, object]]:
    authz.require(actor, Action.VIEW, Kind.SERVICE)
    return [agreements.out(a) for a in agreements.of_request(db, request_id=request_id)]


class NoticeIn(BaseModel):
    kind: str = Field(description="maintenance | termination")
    starts_at: datetime = Field(description="Ít nhất 7 ngày làm việc sau lúc thông báo")
    ends_at: datetime | None = Field(default=None, description="Bắt buộc với maintenance")
    message: str = Field(max_length=5000)


@router.post("/services/{service_id}/notices", status_code=201, summary="Báo trước bảo trì hoặc ngừng dịch vụ (≥ 7 ngày làm việc)")
def announce(db: DB, actor: CurrentActor, service_id: uuid.UUID, body: NoticeIn) -> dict[str, object]:
    made = notices.announce(db, actor=actor, service_id=service_id, kind=body.kind, starts_at=body.starts_at, ends_at=body.ends_at,
                            message=body.message)  # fmt: skip
    return notices.out(made)


@router.get("/services/{service_id}/notices", summary="Các thông báo của một dịch vụ")
def service_notices(db: DB, actor: CurrentActor, service_id: uuid.UUID) -> list[dict[str, object]]:
    service = registry.get_service(db, actor=actor, service_id=service_id).service
    return [notices.out(n) for n in notices.of_service(db, service=service)]


class SuspendIn(BaseModel):
    reason: str = Field(max_length=5000)


@router.post("/consumers/{app_id}/suspend", summary="Tạm dừng một ứng dụng vi phạm (thông báo ngay cho ứng dụng)")
def suspend(db: DB, actor: CurrentActor, app_id: uuid.UUID, body: SuspendIn) -> dict[str, object]:
    return notices.out(notices.suspend(db, actor=actor, app_id=app_id, reason=body.reason))
