"""The consumers' side of the node: `/oauth/token` (RFC 6749 client credentials) and the exchange
gateway under `/x/` (so far `whoami`, which a consumer calls to check its credentials).

Errors here are the consumer's to read, in the shape X-Road's are: a type, whose fault it is
(caller, platform or provider) and a message; `/oauth/token` answers in RFC 6749's own shape.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import JSONResponse

from ketnoi.sharing import consumers
from ketnoi.sharing.consumers import ConsumerRefused
from ketnoi.web.deps import DB

router = APIRouter(tags=["gateway"])
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = NO_STORE | ({"www-authenticate": 'Basic realm="ketnoi"'} if status == 401 else {})
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


def _basic(authorization: str | None) -> tuple[str, str] | None:
    """client_secret_basic: the id and secret, each form-encoded, then base64 (RFC 6749 §2.3.1)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if colon else None


@router.post("/oauth/token", summary="Cấp access token cho ứng dụng của cơ quan (client credentials)")
def token(
    db: DB,
    grant_type: Annotated[str, Form(max_length=64)],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Chỉ hỗ trợ grant_type=client_credentials.")
    credentials = _basic(authorization)
    if credentials is None:
        return _oauth_error(401, "invalid_client", "Gửi client_id và client_secret bằng HTTP Basic (client_secret_basic).")
    try:
        access_token, lifetime = consumers.token_for(db, client_id=credentials[0], client_secret=credentials[1])
    except ConsumerRefused as refused:
        return _oauth_error(401, "invalid_client", refused.message)
    return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime}, headers=NO_STORE)


def refusal(refused: ConsumerRefused) -> JSONResponse:
    body = {"error": {"type": refused.type, "fault": refused.fault, "message": refused.message}}
    headers = {"www-authenticate": 'Bearer realm="ketnoi"'} if refused.status == 401 else None
    return JSONResponse(body, status_code=refused.status, headers=headers)


@router.get("/x/whoami", summary="Ứng dụng đang gọi (kiểm tra thông tin xác thực)")
def whoami(request: Request, db: DB, authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
    try:
        consumer = consumers.consumer_of(db, authorization=authorization, api_key=request.headers.get("x-api-key"))
    except ConsumerRefused as refused:
        return refusal(refused)
    app, credential = consumer.app, consumer.credential
    return JSONResponse({"app_id": str(app.id), "app": app.name, "client_id": credential.client_id, "kind": credential.kind})
