"""JSON API of organizations and focal points."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from ketnoi.org import service
from ketnoi.org.models import OrgKind
from ketnoi.org.schemas import FocalPointIn, FocalPointOut, OrganizationIn, OrganizationOut, OrganizationPatch
from ketnoi.web.api_common import Cursor, Limit, PageOut
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["organizations"])


@router.get("/organizations", response_model=PageOut[OrganizationOut], summary="Danh sách tổ chức")
def list_organizations(
    db: DB,
    actor: CurrentActor,
    q: str | None = None,
    kind: OrgKind | None = None,
    parent_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> PageOut[OrganizationOut]:
    page = service.list_organizations(db, actor=actor, q=q, kind=kind, parent_id=parent_id, cursor=cursor, limit=limit)
    return PageOut(items=[OrganizationOut.model_validate(o) for o in page.items], next_cursor=page.next_cursor)


@router.post("/organizations", response_model=OrganizationOut, status_code=201, summary="Tạo tổ chức")
def create_organization(db: DB, actor: CurrentActor, data: OrganizationIn) -> OrganizationOut:
    return OrganizationOut.model_validate(service.create_organization(db, actor=actor, data=data))


@router.get("/organizations/{org_id}", response_model=OrganizationOut, summary="Chi tiết tổ chức")
def get_organization(db: DB, actor: CurrentActor, org_id: uuid.UUID) -> OrganizationOut:
    return OrganizationOut.model_validate(service.get_organization(db, actor=actor, org_id=org_id))


@router.patch("/organizations/{org_id}", response_model=OrganizationOut, summary="Sửa tổ chức")
def update_organization(db: DB, actor: CurrentActor, org_id: uuid.UUID, patch: OrganizationPatch) -> OrganizationOut:
    return OrganizationOut.model_validate(service.update_organization(db, actor=actor, org_id=org_id, patch=patch))


@router.delete("/organizations/{org_id}", status_code=204, summary="Xoá tổ chức")
def delete_organization(db: DB, actor: CurrentActor, org_id: uuid.UUID) -> Response:
    service.delete_organization(db, actor=actor, org_id=org_id)
    return Response(status_code=204)


@router.get("/organizations/{org_id}/focal-points", response_model=list[FocalPointOut], summary="Đầu mối (hiện tại và lịch sử)")
def list_focal_points(db: DB, actor: CurrentActor, org_id: uuid.UUID) -> list[FocalPointOut]:
    return [FocalPointOut.model_validate(p) for p in service.focal_points(db, actor=actor, org_id=org_id)]


@router.post("/organizations/{org_id}/focal-points", response_model=FocalPointOut, status_code=201, summary="Cử đầu mối mới")
def appoint_focal_point(db: DB, actor: CurrentActor, org_id: uuid.UUID, data: FocalPointIn) -> FocalPointOut:
    return FocalPointOut.model_validate(service.appoint_focal_point(db, actor=actor, org_id=org_id, data=data))
