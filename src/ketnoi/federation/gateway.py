"""Calls of a peer's services through our gateway: `/x/peers/{peer}/{code}/records`.

Our own consumer applications authenticate exactly as for `/x/{code}/records` (sharing.gateway's
CallingConsumer) and need a PeerGrant. Our node forwards the query string to the peer's
`/x/{code}/records` as our application there, and checks the answer's RFC 9421 signature with the
keys pinned at registration, over the request as it went on the wire: an unsigned or badly signed
answer is refused (502, fault "provider") and never passed on. A verified answer's body is passed
on unchanged, so its digest is the same on both sides; our SignedResponses middleware then signs
our answer as it signs every `/x/` response.

Every call, answered or refused, is one record of OUR exchange log, service "peer:<peer>/<code>".
The peer logs the call on its side by itself. The peer's record number (its Ketnoi-Exchange) is
kept in our record's `request` field: inside the hash chain, so the pairing of the two logs used
to reconcile them cannot be edited unnoticed (a side table could), and no table is added for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from ketnoi.federation import access, client
from ketnoi.federation.client import PeerError
from ketnoi.federation.models import Peer
from ketnoi.kit import httpsig, nodekey
from ketnoi.sharing.gateway import CallingConsumer, PendingExchange
from ketnoi.web.deps import DB

router = APIRouter(tags=["gateway"])


class PeerRefused(PeerError):
    """The peer's answer cannot be passed on: unsigned, badly signed, or an error of its own."""

    type = "peer_response_refused"


@dataclass(frozen=True)
class Relayed:
    body: bytes
    digest: str
    seq: str  # the peer's exchange-log record
    form: str
    row_count: int


def relay(peer: Peer, code: str, query: str) -> Relayed:
    """Call the peer's service and verify its answer; refused unless signed by a pinned key."""
    answer = client.as_app(peer, "GET", client.records_path(code, query))
    try:
        keys = nodekey.keys_from_jwks(peer.keys)
        httpsig.verify_response(status=answer.status, headers=answer.headers, body=answer.body, request=answer.line, keys=keys)
    except (httpsig.SignatureError, ValueError) as exc:
        raise PeerRefused(
            "Phản hồi của nút «{peer}» không có chữ ký hợp lệ ({error}); không được chuyển tiếp.",
            values={"peer": peer.name, "error": str(exc)},
        ) from None
    if answer.status != 200:
        raise PeerRefused(
            "Nút «{peer}» từ chối lần gọi (HTTP {status}).{reason}",
            values={"peer": peer.name, "status": answer.status, "reason": answer.reason()},
        )
    data = answer.json()
    items = data.get("items") if isinstance(data, dict) else None
    form = str(data.get("mode")) if isinstance(data, dict) and data.get("mode") else "records"
    lowered = {name.lower(): value for name, value in answer.headers.items()}
    return Relayed(answer.body, lowered["content-digest"], lowered.get("ketnoi-exchange", "?"), form[:32],
                   len(items) if isinstance(items, list) else 0)  # fmt: skip


def _request_line(request: Request) -> str:
    return f"{request.method} {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")


@router.get(
    "/x/peers/{peer}/{code}/records",
    summary="Bản ghi của một dịch vụ của nút ngang hàng, qua cổng của nút này",
    description="Chuyển tiếp tham số truy vấn tới /x/{code}/records của nút ngang hàng; phản hồi của nút được kiểm tra chữ ký "
    "RFC 9421 bằng khoá đã ghim trước khi chuyển lại. Mọi lần gọi đều được ghi nhật ký trao đổi ở cả hai nút.",
)
def peer_records(
    request: Request,
    db: DB,
    consumer: CallingConsumer,
    peer: Annotated[str, Path(max_length=32)],
    code: Annotated[str, Path(max_length=64)],
) -> Response:
    client_id = consumer.credential.client_id
    pending = PendingExchange(str(consumer.app.id), client_id, f"peer:{peer}/{code}", _request_line(request), time.perf_counter())
    request.state.finish_exchange = pending.refused
    target = access.granted_call(db, app_id=consumer.app.id, peer_code=peer, service_code=code)
    relayed = relay(target.peer, target.service.code, request.url.query)
    pending.request = f"{pending.request} [peer-exchange={relayed.seq}]"
    seq = pending.record(form=relayed.form, status=200, row_count=relayed.row_count, digest=relayed.digest)
    request.state.finish_exchange = None
    headers = {
        "content-digest": relayed.digest,
        "ketnoi-exchange": str(seq),
        "ketnoi-consumer": client_id,
        "ketnoi-peer-exchange": relayed.seq,
    }
    return Response(relayed.body, media_type="application/json", headers=headers)
