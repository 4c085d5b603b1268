"""/.well-known/: what other systems fetch to trust this node (its public signing keys)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ketnoi.kit import nodekey

router = APIRouter(prefix="/.well-known", tags=["system"])


@router.get("/jwks.json", summary="Khoá công khai của nút (JWKS, Ed25519): kiểm tra chữ ký của nút")
def jwks() -> JSONResponse:
    """The current key first, then the retired ones: what they signed still verifies."""
    return JSONResponse(nodekey.jwks(), headers={"cache-control": "public, max-age=300"})
