"""Talking to a peer node: its keys, its services, our connection requests, and calls of its gateway.

Every request goes through `_send`: httpx with timeouts, no redirects (a signed answer is bound to
the path asked), at most MAX_BYTES read of an answer (a larger one is refused, not truncated), each
address checked as harvest sources' are (harvest.remote.check_address: not this machine or a
private network unless KETNOI_HARVEST_ALLOW_PRIVATE says so), and, for reads, RETRIES more tries
with a doubling pause after a 5xx or a transport error. Every failure is a `PeerError` whose
message says, in Vietnamese, what went wrong and where.

Our access token at a peer is kept in this process until TOKEN_MARGIN seconds before it expires:
a gateway call does not cost a token request at the peer each time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ketnoi import __version__
from ketnoi.federation.models import Peer
from ketnoi.harvest.remote import HarvestError, check_address
from ketnoi.kit import httpsig, nodekey, secretbox
from ketnoi.kit.errors import DomainError

USER_AGENT = f"ketnoi-federation/{__version__}"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
MAX_BYTES = 20 << 20
RETRIES = 2
BACKOFF = 0.5  # seconds before the first retry, doubled each time (a module constant: tests lower it)
TOKEN_MARGIN = 30


class PeerError(DomainError):
    """The peer cannot be reached or did not answer as a ketnoi node does: its fault, not the caller's."""

    status = 502
    type = "peer_unavailable"
    fault = "provider"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    line: httpsig.RequestLine  # the request as it went on the wire: what the peer's signature covers

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise PeerError("Nút ngang hàng trả về nội dung không phải JSON.") from None

    def reason(self) -> str:
        """The peer's own message in an error answer (ketnoi's {"error": {...}} or RFC 6749's), if any."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return ""
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else data.get("error_description") if isinstance(data, dict) else None
        return f" Nút cho biết: {str(message)[:300]}" if message else ""


def base(url: str) -> str:
    return url.rstrip("/")


def _check(request: httpx.Request) -> None:
    try:
        check_address(str(request.url))
    except HarvestError as exc:
        raise PeerError(exc.message) from None


def _read(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise PeerError("Phản hồi của nút ngang hàng lớn hơn giới hạn {limit} MB: không đọc.", values={"limit": MAX_BYTES >> 20})
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise PeerError("Phản hồi của nút ngang hàng lớn hơn giới hạn {limit} MB: không đọc.", values={"limit": MAX_BYTES >> 20})
        chunks.append(chunk)
    return b"".join(chunks)


def _line(request: httpx.Request) -> httpsig.RequestLine:
    path, _, query = request.url.raw_path.decode("ascii").partition("?")
    return httpsig.RequestLine(request.method, path, query)


def _send(method: str, url: str, *, retries: int = 0, **kwargs: Any) -> Answer:
    host = urlsplit(url).hostname or url
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"} | kwargs.pop("headers", {})
    attempt = 0
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, event_hooks={"request": [_check]}) as client:
        while True:
            try:
                with client.stream(method, url, headers=headers, **kwargs) as response:
                    answer = Answer(response.status_code, dict(response.headers.items()), _read(response), _line(response.request))
                if answer.status < 500 or attempt >= retries:
                    return answer
            except httpx.TimeoutException:
                if attempt >= retries:
                    raise PeerError(
                        "Nút {host} không trả lời trong thời gian cho phép ({seconds:.0f} giây).",
                        values={"host": host, "seconds": TIMEOUT.read},
                    ) from None
            except httpx.InvalidURL:
                raise PeerError("Địa chỉ không hợp lệ: {url}.", values={"url": url[:200]}) from None
            except httpx.HTTPError as exc:
                if attempt >= retries:
                    raise PeerError(
                        "Không kết nối được tới nút {host} ({error}): nút không hoạt động hoặc sai địa chỉ.",
                        values={"host": host, "error": type(exc).__name__},
                    ) from None
            time.sleep(BACKOFF * 2**attempt)
            attempt += 1


def checked(answer: Answer, what: str) -> Answer:
    if answer.status >= 400:
        raise PeerError(
            "Nút ngang hàng trả lời lỗi HTTP {status} khi {what}.{reason}",
            values={"status": answer.status, "what": what, "reason": answer.reason()},
        )
    return answer


# -- public reads -----------------------------------------------------------------------------------


def fetch_jwks(base_url: str) -> dict[str, Any]:
    """The peer's JSON Web Key Set, refused unless it holds at least one Ed25519 key."""
    document = checked(_send("GET", f"{base(base_url)}/.well-known/jwks.json", retries=RETRIES), "đọc khoá công khai").json()
    try:
        keys = nodekey.keys_from_jwks(document) if isinstance(document, dict) else {}
    except ValueError:
        keys = {}
    if not keys:
        raise PeerError("Nút ngang hàng không công bố khoá Ed25519 nào tại /.well-known/jwks.json.")
    return {"keys": [k for k in document["keys"] if isinstance(k, dict) and str(k.get("kid")) in keys]}


def fetch_services(base_url: str) -> list[dict[str, Any]]:
    """The services the peer publishes (GET /api/v1/services, as the public reads them)."""
    listed = checked(_send("GET", f"{base(base_url)}/api/v1/services", retries=RETRIES), "đọc danh mục dịch vụ").json()
    if not isinstance(listed, list) or not all(isinstance(s, dict) and isinstance(s.get("code"), str) for s in listed):
        raise PeerError("Danh mục dịch vụ của nút ngang hàng không đúng dạng (cần danh sách dịch vụ có mã).")
    return listed


# -- as our application at the peer -------------------------------------------------------------------

_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def _credentials(peer: Peer) -> tuple[str, str]:
    if not peer.client_id or not peer.client_secret:
        raise PeerError("Chưa nhập client_id và client_secret mà nút «{peer}» cấp cho nút ta.", values={"peer": peer.name})
    return peer.client_id, secretbox.unseal(peer.client_secret)


def _token(peer: Peer, *, fresh: bool = False) -> str:
    client_id, secret = _credentials(peer)
    key = (str(peer.id), client_id, peer.client_secret or "")
    with _tokens_lock:
        kept = _tokens.get(key)
    if kept and not fresh and kept[1] > time.monotonic():
        return kept[0]
    answer = _send("POST", f"{base(peer.base_url)}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    if answer.status in (400, 401):
        raise PeerError(
            "Nút «{peer}» từ chối thông tin xác thực của nút ta (client_id {client_id}).{reason}",
            values={"peer": peer.name, "client_id": client_id, "reason": answer.reason()},
        )
    granted = checked(answer, "xin access token").json()
    token = granted.get("access_token") if isinstance(granted, dict) else None
    if not isinstance(token, str):
        raise PeerError("Nút ngang hàng không cấp access token.")
    lifetime = int(granted.get("expires_in") or 60)
    with _tokens_lock:
        _tokens[key] = (token, time.monotonic() + max(0, lifetime - TOKEN_MARGIN))
    return token


def forget_tokens(peer: Peer) -> None:
    with _tokens_lock:
        for key in [k for k in _tokens if k[0] == str(peer.id)]:
            del _tokens[key]


def as_app(peer: Peer, method: str, path: str, *, retries: int = 0, **kwargs: Any) -> Answer:
    """A request to the peer's gateway as our application; a token refused once is renewed once."""
    url = f"{base(peer.base_url)}{path}"
    answer = _send(method, url, retries=retries, headers={"Authorization": f"Bearer {_token(peer)}"}, **kwargs)
    if answer.status == 401:
        answer = _send(method, url, retries=retries, headers={"Authorization": f"Bearer {_token(peer, fresh=True)}"}, **kwargs)
    return answer


def records_path(code: str, query: str) -> str:
    return f"/x/{quote(code, safe='')}/records" + (f"?{query}" if query else "")
