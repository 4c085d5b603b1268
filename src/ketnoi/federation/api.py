"""JSON API of federation: the peers, their services, our requests to them and our apps' grants."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from ketnoi.federation import access, service
from ketnoi.federation.models import Peer, PeerRequest, PeerService
from ketnoi.federation.schemas import AccessIn, GrantIn, PeerEdit, PeerIn
from ketnoi.web.api_common import Cursor, Limit, PageOut
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["federation"])


class PeerOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    base_url: str
    key_ids: list[str]
    keys_fetched_at: datetime | None
    client_id: str | None
    client_secret_set: bool  # the secret itself is never shown back
    enabled: bool
    harvest_source_id: uuid.UUID | None
    last_listed_at: datetime | None
    last_error: str | None


class PeerServiceOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    owner: str | None
    description: str | None
    sharing_form: str | None
    method: str | None
    data_items: list[str]
    status: str
    fields: dict[str, Any]
    listed_at: datetime


class PeerRequestOut(BaseModel):
    id: uuid.UUID
    service_code: str
    remote_id: str | None
    status: str
    purpose: str
    data_items: list[str]
    frequency: str
    expected_records: int | None
    submitted_by: str
    submitted_at: datetime
    decided_at: datetime | None
    reason: str | None
    checked_at: datetime | None


class PeerDetailOut(PeerOut):
    services: list[PeerServiceOut]
    requests: list[PeerRequestOut]
    grants: list[dict[str, str]]


class ListingOut(BaseModel):
    listed: int
    withdrawn: int
    requests_changed: int


def out(peer: Peer) -> PeerOut:
    values = {name: getattr(peer, name) for name in PeerOut.model_fields if hasattr(peer, name) and name != "client_secret_set"}
    return PeerOut.model_validate(values | {"key_ids": service.key_ids(peer), "client_secret_set": bool(peer.client_secret)})


def _service_out(row: PeerService) -> PeerServiceOut:
    return PeerServiceOut.model_validate({name: getattr(row, name) for name in PeerServiceOut.model_fields})


def _request_out(row: PeerRequest) -> PeerRequestOut:
    return PeerRequestOut.model_validate({name: getattr(row, name) for name in PeerRequestOut.model_fields})


@router.get("/peers", response_model=PageOut[PeerOut], summary="Các nút ngang hàng")
def list_peers(db: DB, actor: CurrentActor, cursor: Cursor = None, limit: Limit = 50) -> PageOut[PeerOut]:
    page = service.list_peers(db, actor=actor, cursor=cursor, limit=limit)
    return PageOut[PeerOut](items=[out(p) for p in page.items], next_cursor=page.next_cursor)


@router.post("/peers", response_model=PeerOut, status_code=201, summary="Đăng ký nút ngang hàng (khoá công khai được lấy và ghim)")
def register_peer(db: DB, actor: CurrentActor, body: PeerIn) -> PeerOut:
    return out(service.register_peer(db, actor=actor, data=body))


@router.get("/peers/{peer_id}", response_model=PeerDetailOut, summary="Một nút ngang hàng: khoá, dịch vụ, yêu cầu, quyền gọi")
def get_peer(db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> PeerDetailOut:
    view = service.peer_view(db, actor=actor, peer_id=peer_id)
    grants = [{"id": str(g.id), "service": code, "app_id": str(g.app_id), "app": name} for g, code, name in view.grants]
    return PeerDetailOut.model_validate(
        out(view.peer).model_dump()
        | {"services": [_service_out(s) for s in view.services], "requests": [_request_out(r) for r in view.requests], "grants": grants}
    )


@router.put("/peers/{peer_id}", response_model=PeerOut, summary="Sửa nút ngang hàng (client_secret trống: giữ giá trị đã lưu)")
def update_peer(db: DB, actor: CurrentActor, peer_id: uuid.UUID, body: PeerEdit) -> PeerOut:
    return out(service.update_peer(db, actor=actor, peer_id=peer_id, data=body))


@router.post("/peers/{peer_id}/keys", response_model=PeerOut, summary="Ghim lại khoá công khai hiện tại của nút (có ghi nhật ký)")
def refresh_keys(db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> PeerOut:
    return out(service.refresh_keys(db, actor=actor, peer_id=peer_id))


@router.post("/peers/{peer_id}/sync", response_model=ListingOut, summary="Làm mới danh mục dịch vụ và trạng thái các yêu cầu kết nối")
def sync_peer(db: DB, actor: CurrentActor, peer_id: uuid.UUID) -> ListingOut:
    listing = service.sync_services(db, actor=actor, peer_id=peer_id)
    changed = access.sync_requests(db, actor=actor, peer_id=peer_id)
    return ListingOut(listed=listing.listed, withdrawn=listing.withdrawn, requests_changed=changed)


@router.post("/peer-services/{service_id}/requests", response_model=PeerRequestOut, status_code=201,
             summary="Gửi yêu cầu kết nối dịch vụ của nút ngang hàng (Điều 35)")  # fmt: skip
def request_access(db: DB, actor: CurrentActor, service_id: uuid.UUID, body: AccessIn) -> PeerRequestOut:
    return _request_out(access.request_access(db, actor=actor, peer_service_id=service_id, data=body))


@router.post("/peer-services/{service_id}/grants", status_code=201, summary="Cho phép một ứng dụng của ta gọi dịch vụ qua cổng")
def grant_app(db: DB, actor: CurrentActor, service_id: uuid.UUID, body: GrantIn) -> dict[str, str]:
    made = access.grant(db, actor=actor, peer_service_id=service_id, app_id=body.app_id)
    return {"id": str(made.id), "peer_service_id": str(made.peer_service_id), "app_id": str(made.app_id), "granted_by": made.granted_by}


@router.delete("/peer-grants/{grant_id}", status_code=204, summary="Thu hồi quyền gọi dịch vụ của nút ngang hàng")
def revoke_grant(db: DB, actor: CurrentActor, grant_id: uuid.UUID) -> Response:
    access.revoke(db, actor=actor, grant_id=grant_id)
    return Response(status_code=204)
