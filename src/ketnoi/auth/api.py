"""JSON API of the acting account: who am I, my API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ketnoi.auth import service
from ketnoi.kit.errors import Unauthenticated
from ketnoi.kit.validation import Input
from ketnoi.web.deps import DB, CurrentActor, CurrentPrincipal

router = APIRouter(tags=["account"])


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str
    role: str
    unit_id: uuid.UUID | None


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="Chỉ hiển thị một lần; hãy lưu lại ngay.")


@router.get("/me", response_model=MeOut, summary="Tài khoản đang dùng")
def me(principal: CurrentPrincipal) -> MeOut:
    user = principal.user
    if user is None:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    return MeOut(id=user.id, username=user.username, full_name=user.full_name, role=user.role, unit_id=user.unit_id)


@router.get("/tokens", response_model=list[TokenOut], summary="Token API của tôi")
def list_tokens(db: DB, actor: CurrentActor) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_tokens(db, actor=actor)]


@router.post("/tokens", response_model=NewTokenOut, status_code=201, summary="Tạo token API")
def create_token(db: DB, actor: CurrentActor, data: TokenIn) -> NewTokenOut:
    token, secret = service.create_token(db, actor=actor, name=data.name)
    return NewTokenOut.model_validate({**TokenOut.model_validate(token).model_dump(), "token": secret})


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Thu hồi token API")
def revoke_token(db: DB, actor: CurrentActor, token_id: uuid.UUID) -> TokenOut:
    return TokenOut.model_validate(service.revoke_token(db, actor=actor, token_id=token_id))
