"""The consumers' side of the node: `/oauth/token` (RFC 6749 client credentials) and the exchange
gateway under `/x/`: a service's records, the connection requests, the consumer's own log, and
`whoami`, which a consumer calls to check its credentials.

Each call of a service is one exchange: answered or refused, it is appended to the exchange log
(sharing.evidence) before the answer leaves, and every `/x/` response is signed (sharing.signing).

Errors here are the consumer's to read, in the shape X-Road's are: a type, whose fault it is
(caller, platform or provider) and a message (web.errors renders them for every `/x/` path);
`/oauth/token` answers in RFC 6749's own shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Form, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ketnoi.kit.httpsig import content_digest
from ketnoi.quality import incidents
from ketnoi.sharing import agreements, client_keys, consumers, evidence, exchange, limiter, notices, requests, subscriptions
from ketnoi.sharing.consumers import Consumer, ConsumerRefused
from ketnoi.sharing.requests import ConnectionRequest
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


class OAuthErrorOut(BaseModel):
    """An error of the token endpoint, in RFC 6749 §5.2's own shape (not the platform's)."""

    error: str = Field(description="invalid_request | invalid_client | invalid_grant | unsupported_grant_type | invalid_scope")
    error_description: str


_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorOut, "description": "Yêu cầu cấp token không hợp lệ (RFC 6749 §5.2)"},
    401: {"model": OAuthErrorOut, "description": "Thông tin xác thực của ứng dụng không đúng"},
}


@router.post("/oauth/token", summary="Cấp access token cho ứng dụng của cơ quan (client credentials)", responses=_OAUTH_ERRORS)
def token(
    request: Request,
    db: DB,
    grant_type: Annotated[str, Form(max_length=64)],
    client_assertion_type: Annotated[str | None, Form(max_length=128)] = None,
    client_assertion: Annotated[str | None, Form(max_length=8192)] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """`client_secret_basic` (HTTP Basic) hoặc `private_key_jwt` (client_assertion ký bằng khoá của ứng dụng)."""
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Chỉ hỗ trợ grant_type=client_credentials.")
    try:
        if client_assertion is not None or client_assertion_type is not None:
            if client_assertion_type != client_keys.ASSERTION_TYPE or not client_assertion:
                return _oauth_error(400, "invalid_request", f"client_assertion_type phải là {client_keys.ASSERTION_TYPE}.")
            audiences = [str(request.url.replace(query="")), consumers.ISSUER]
            cert = client_keys.presented_certificate(request.headers)
            issued = client_keys.token_for_assertion(db, assertion=client_assertion, audiences=audiences, client_cert=cert)
        else:
            credentials = _basic(authorization)
            if credentials is None:
                message = "Gửi client_id và client_secret bằng HTTP Basic (client_secret_basic), hoặc client_assertion (private_key_jwt)."
                return _oauth_error(401, "invalid_client", message)
            issued = consumers.token_for(db, client_id=credentials[0], client_secret=credentials[1])
    except ConsumerRefused as refused:
        return _oauth_error(401, "invalid_client", refused.message)
    access_token, lifetime = issued
    return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime}, headers=NO_STORE)


def _consumer(request: Request, db: DB, authorization: str | None, *, suspended_too: bool) -> Consumer:
    client_cert = client_keys.presented_certificate(request.headers)
    api_key = request.headers.get("x-api-key")
    return consumers.consumer_of(db, authorization=authorization, api_key=api_key, client_cert=client_cert, suspended_too=suspended_too)


def calling_consumer(request: Request, db: DB, authorization: Annotated[str | None, Header()] = None) -> Consumer:
    """The application calling the gateway; a refusal is rendered by web.errors (JSON, with its fault)."""
    return _consumer(request, db, authorization, suspended_too=False)


CallingConsumer = Annotated[Consumer, Depends(calling_consumer)]


def told_consumer(request: Request, db: DB, authorization: Annotated[str | None, Header()] = None) -> Consumer:
    """As calling_consumer, a suspended application included: it may read why it was suspended."""
    return _consumer(request, db, authorization, suspended_too=True)


@dataclass
class PendingExchange:
    """A service call under way: what its log record needs if it is refused."""

    consumer: str  # the application's id
    client_id: str  # its credential's: told back in Ketnoi-Consumer
    service: str
    request: str
    started: float

    def record(self, *, form: str, status: int, row_count: int, digest: str) -> int:
        """Append the exchange to the log, committed; its place in the chain."""
        return evidence.append_committed(
            evidence.Exchange(
                form=form,
                consumer=self.consumer,
                service=self.service[:64],
                request=self.request[:2000],
                status=status,
                row_count=row_count,
                response_digest=digest,
                latency_ms=round((time.perf_counter() - self.started) * 1000),
            )
        )

    def refused(self, response: Response) -> None:
        """Log a refused call (the request's own transaction was rolled back) and say where."""
        digest = content_digest(bytes(response.body))
        seq = self.record(form="refused", status=response.status_code, row_count=0, digest=digest)
        response.headers.update({"content-digest": digest, "ketnoi-exchange": str(seq), "ketnoi-consumer": self.client_id})


def _request_line(request: Request) -> str:
    return f"{request.method} {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")


@router.get(
    "/x/{code}/records",
    summary="Bản ghi của một dịch vụ chia sẻ (toàn bộ, changed_since=T, as_of=T)",
    description="Xem tài liệu OpenAPI riêng của dịch vụ: /api/v1/services/{id}/openapi.json. Mọi phản hồi đều có chữ ký RFC 9421.",
)
def records(request: Request, db: DB, consumer: CallingConsumer, code: Annotated[str, Path(max_length=64)]) -> Response:
    client_id = consumer.credential.client_id
    pending = PendingExchange(str(consumer.app.id), client_id, code, _request_line(request), time.perf_counter())
    request.state.finish_exchange = pending.refused
    service, grant = exchange.granted(db, consumer, code)
    limiter.check(grant, service)
    reading = exchange.read(db, service=service, grant=grant, params=request.query_params.multi_items())
    body = json.dumps(reading.body, ensure_ascii=False, separators=(",", ":")).encode()
    digest = content_digest(body)
    seq = pending.record(form=reading.mode, status=200, row_count=reading.row_count, digest=digest)
    request.state.finish_exchange = None
    headers = {"content-digest": digest, "ketnoi-exchange": str(seq), "ketnoi-consumer": client_id}
    return Response(body, media_type="application/json", headers=headers)


@router.post("/x/{code}/incidents", status_code=201, summary="Báo lỗi dữ liệu của một dịch vụ đã được cấp quyền (sự cố chất lượng)")
def report_incident(
    db: DB, consumer: CallingConsumer, code: Annotated[str, Path(max_length=64)], body: incidents.ConsumerReportIn
) -> JSONResponse:
    """Ghi nhận sự cố chất lượng trên bộ dữ liệu của dịch vụ (quality.incidents); cần quyền khai thác còn hiệu lực như khi đọc."""
    made = incidents.report_by_consumer(db, consumer=consumer, service_code=code, data=body)
    return JSONResponse(incidents.consumer_out(made, code), status_code=201)


@router.get("/x/log", summary="Nhật ký trao đổi của ứng dụng đang gọi (Điều 45)")
def my_log(
    db: DB,
    consumer: CallingConsumer,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    """Các bản ghi nhật ký về lần gọi của chính ứng dụng, theo thứ tự; `after` = `seq` cuối của trang trước."""
    found = evidence.of_consumer(db, consumer=str(consumer.app.id), after=after, limit=limit)
    return JSONResponse({"items": [evidence.record_out(r) for r in found], "next_after": found[-1].seq if len(found) == limit else None})


@router.get("/x/whoami", summary="Ứng dụng đang gọi (kiểm tra thông tin xác thực)")
def whoami(consumer: CallingConsumer) -> JSONResponse:
    app, credential = consumer.app, consumer.credential
    return JSONResponse({"app_id": str(app.id), "app": app.name, "client_id": credential.client_id, "kind": credential.kind})


class ConnectionRequestIn(BaseModel):
    service: str = Field(max_length=64, description="Mã dịch vụ đã công bố")
    purpose: str = Field(max_length=5000, description="Mục đích khai thác")
    data_items: list[str] = Field(max_length=500, description="Các trường dữ liệu cần khai thác")
    expected_records: int | None = Field(default=None, ge=0, description="Số bản ghi dự kiến mỗi lần khai thác")
    frequency: str = Field(description="realtime | daily | weekly | monthly | on_demand")


def request_out(request: ConnectionRequest) -> dict[str, object]:
    return {
        "id": str(request.id),
        "status": request.status,
        "data_items": request.data_items,
        "submitted_at": request.submitted_at.isoformat(),
        "due_at": request.due_at.isoformat(),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "decided_by": request.decided_by,
        "reason": request.reason,
        "legal_basis": requests.LEGAL_BASIS,
    }


@router.post("/x/connection-requests", summary="Gửi yêu cầu kết nối một dịch vụ (Điều 35 Nghị định 47)", status_code=201)
def submit_request(db: DB, consumer: CallingConsumer, body: ConnectionRequestIn) -> JSONResponse:
    made = requests.submit(
        db,
        consumer=consumer,
        service_code=body.service,
        purpose=body.purpose,
        data_items=body.data_items,
        expected_records=body.expected_records,
        frequency=body.frequency,
    )
    return JSONResponse(request_out(made), status_code=201)


@router.get("/x/connection-requests", summary="Các yêu cầu kết nối của ứng dụng đang gọi")
def my_requests(db: DB, consumer: CallingConsumer) -> JSONResponse:
    return JSONResponse({"items": [request_out(r) for r in requests.of_consumer(db, consumer=consumer)]})


@router.get("/x/agreements", summary="Các thỏa thuận (Điều 38) của ứng dụng đang gọi")
def my_agreements(db: DB, consumer: CallingConsumer) -> JSONResponse:
    return JSONResponse({"items": [agreements.out(a) for a in agreements.of_consumer(db, consumer=consumer)]})


@router.post("/x/agreements/{agreement_id}/accept", summary="Chấp thuận một phiên bản thỏa thuận (bên khai thác)")
def accept_agreement(db: DB, consumer: CallingConsumer, agreement_id: uuid.UUID) -> JSONResponse:
    return JSONResponse(agreements.out(agreements.accept(db, consumer=consumer, agreement_id=agreement_id)))


@router.get("/x/notices", summary="Thông báo bảo trì, ngừng dịch vụ, tạm dừng ứng dụng (kể cả khi đang bị tạm dừng)")
def my_notices(db: DB, consumer: Annotated[Consumer, Depends(told_consumer)]) -> JSONResponse:
    return JSONResponse({"app_status": consumer.app.status, "items": [notices.out(n) for n in notices.for_consumer(db, app=consumer.app)]})


class SubscriptionIn(BaseModel):
    service: str = Field(max_length=64, description="Mã dịch vụ đã được cấp quyền (thao tác changes)")
    url: str = Field(max_length=1000, description="Địa chỉ https:// của ứng dụng nhận thông báo (POST, có chữ ký RFC 9421)")


@router.post("/x/subscriptions", status_code=201, summary="Đăng ký nhận thông báo khi dữ liệu của dịch vụ thay đổi")
def subscribe(db: DB, consumer: CallingConsumer, body: SubscriptionIn) -> JSONResponse:
    made = subscriptions.subscribe(db, consumer=consumer, service_code=body.service, url=body.url)
    return JSONResponse(subscriptions.out(made), status_code=201)


@router.get("/x/subscriptions", summary="Các đăng ký nhận thông báo của ứng dụng, với các lần gửi")
def my_subscriptions(db: DB, consumer: CallingConsumer, status: str | None = None) -> JSONResponse:
    """`status=dead`: chỉ các thông báo đã thất bại hết số lần thử (hộp thư chết)."""
    mine = subscriptions.of_consumer(db, consumer=consumer)
    sent = subscriptions.deliveries(db, subscription_ids=[s.id for s in mine], status=status)
    return JSONResponse({"items": [subscriptions.out(s) for s in mine], "deliveries": [subscriptions.delivery_out(d) for d in sent]})


@router.delete("/x/subscriptions/{subscription_id}", summary="Huỷ đăng ký nhận thông báo")
def unsubscribe(db: DB, consumer: CallingConsumer, subscription_id: uuid.UUID) -> JSONResponse:
    return JSONResponse(subscriptions.out(subscriptions.cancel(db, consumer=consumer, subscription_id=subscription_id)))
