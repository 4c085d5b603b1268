"""HTTP Message Signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530), for responses.

The gateway signs each response over its status, its content type and digest, the headers
naming the consumer and the exchange-log record, and the request it answers (`"@method";req`,
`"@path";req`, `"@query";req`): a response cannot be passed off as the answer to another
request. The signature base is built as RFC 9421 §2.5 says; the structured fields
(Signature-Input, Signature, Content-Digest) are written and read with `http_sf` (RFC 8941).
Verification rebuilds the base from the saved response and the request, so anyone holding the
node's public key (/.well-known/jwks.json) can check it, with this module or another implementation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import http_sf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LABEL = "sig1"
TAG = "ketnoi-gateway"
WEBHOOK_TAG = "ketnoi-webhook"
REQUEST_COMPONENTS = ("@method", "@path", "@query")
RESPONSE_FIELDS = ("content-type", "content-digest", "ketnoi-consumer", "ketnoi-exchange")


class SignatureError(Exception):
    """Why a response does not verify (the message is for a person)."""


@dataclass(frozen=True)
class RequestLine:
    """What a response's signature says about its request: the method and the target as sent."""

    method: str
    path: str  # percent-encoded, as on the wire
    query: str  # without "?", percent-encoded; "" when there is none

    def component(self, name: str) -> str:
        return {"@method": self.method.upper(), "@path": self.path, "@query": "?" + self.query}[name]


def content_digest(body: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value.strip() for name, value in headers.items()}


def _base(status: int, headers: Mapping[str, str], request: RequestLine, covered: Sequence[tuple[str, bool]], params: str) -> bytes:
    lines = []
    for name, from_request in covered:
        if from_request:
            value = request.component(name)
        elif name == "@status":
            value = str(status)
        elif name in headers:
            value = headers[name]
        else:
            raise SignatureError(f"Thiếu trường «{name}» mà chữ ký bao phủ.")
        lines.append(f'"{name}"{";req" if from_request else ""}: {value}')
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def sign_response(
    *, status: int, headers: Mapping[str, str], request: RequestLine, key_id: str, private: Ed25519PrivateKey, created: int
) -> dict[str, str]:
    """The Signature-Input and Signature headers for a response with these headers."""
    present = _lower(headers)
    covered = [("@status", False)] + [(name, False) for name in RESPONSE_FIELDS if name in present]
    covered += [(name, True) for name in REQUEST_COMPONENTS]
    if not key_id.isalnum():
        raise ValueError(f"key id {key_id!r}: letters and digits only")  # written into a structured field as is
    # Written by hand, not with http_sf: the names and parameters are fixed tokens, and this runs for
    # every gateway response (verification parses with http_sf, which reads exactly this form).
    inner = " ".join(f'"{name}"' + (";req" if from_request else "") for name, from_request in covered)
    signature_params = f'({inner});created={int(created)};keyid="{key_id}";alg="ed25519";tag="{TAG}"'
    signature = private.sign(_base(status, present, request, covered, signature_params))
    return {"signature-input": f"{LABEL}={signature_params}", "signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:"}


@dataclass(frozen=True)
class Verified:
    key_id: str
    created: int
    covered: list[str]


def verify_response(
    *, status: int, headers: Mapping[str, str], body: bytes, request: RequestLine, keys: Mapping[str, Ed25519PublicKey]
) -> Verified:
    """Check a response's signature (by one of `keys`) and its body against the signed digest."""
    present = _lower(headers)
    try:
        inputs: Any = http_sf.parse(present.get("signature-input", "").encode(), tltype="dictionary")
        signatures: Any = http_sf.parse(present.get("signature", "").encode(), tltype="dictionary")
    except http_sf.StructuredFieldError as exc:
        raise SignatureError(f"Tiêu đề chữ ký không đọc được: {exc}.") from None
    if LABEL not in inputs or LABEL not in signatures:
        raise SignatureError("Phản hồi không có chữ ký (Signature-Input / Signature).")
    inner, params = inputs[LABEL]
    signature = signatures[LABEL][0]
    if params.get("alg") != "ed25519" or params.get("tag") != TAG or not isinstance(signature, bytes):
        raise SignatureError("Chữ ký không phải Ed25519 của cổng ketnoi.")
    covered = [(str(name), bool(item_params.get("req"))) for name, item_params in inner]
    required = {("@status", False), ("content-digest", False)} | {(name, True) for name in REQUEST_COMPONENTS}
    if not required <= set(covered):
        raise SignatureError("Chữ ký không bao phủ đủ trạng thái, Content-Digest và yêu cầu.")
    public = keys.get(str(params.get("keyid")))
    if public is None:
        raise SignatureError(f"Không có khoá công khai «{params.get('keyid')}» (xem /.well-known/jwks.json).")
    base = _base(status, present, request, covered, http_sf.ser({LABEL: (inner, params)}).split("=", 1)[1])
    try:
        public.verify(signature, base)
    except InvalidSignature:
        raise SignatureError("Chữ ký không khớp: phản hồi, hoặc yêu cầu được nêu, đã bị thay đổi.") from None
    if not hmac.compare_digest(present["content-digest"], content_digest(body)):
        raise SignatureError("Nội dung phản hồi không khớp Content-Digest đã ký: nội dung đã bị thay đổi.")
    return Verified(str(params["keyid"]), int(params.get("created", 0)), [name for name, _ in covered])


@dataclass(frozen=True)
class SavedResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def parse_saved(data: bytes) -> SavedResponse:
    """A response as `curl -si` (or `curl -D -`) saves it: status line, headers, a blank line, the body.
    Interim 1xx responses before it are skipped."""
    while True:
        head, separator, body = data.partition(b"\r\n\r\n")
        if not separator:
            head, separator, body = data.partition(b"\n\n")
        lines = head.decode("latin-1").splitlines()
        if not separator or not lines or not lines[0].startswith("HTTP/"):
            raise SignatureError("Tệp không phải một phản hồi HTTP đã lưu (dòng trạng thái, tiêu đề, dòng trống, nội dung).")
        parts = lines[0].split()
        if len(parts) < 2 or not parts[1].isdigit():
            raise SignatureError(f"Dòng trạng thái không đọc được: «{lines[0]}».")
        if not parts[1].startswith("1"):
            break
        data = body
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return SavedResponse(int(parts[1]), headers, body)


def sign_request(
    *, method: str, url: str, headers: Mapping[str, str], key_id: str, private: Ed25519PrivateKey, created: int
) -> dict[str, str]:
    """Signature-Input and Signature for a request the node sends (a webhook): its method, full
    URL, content type and digest and delivery id, so the receiver can check who sent what to it."""
    present = _lower(headers)
    names = ["@method", "@target-uri", *(name for name in ("content-type", "content-digest", "ketnoi-delivery") if name in present)]
    inner = " ".join(f'"{name}"' for name in names)
    signature_params = f'({inner});created={int(created)};keyid="{key_id}";alg="ed25519";tag="{WEBHOOK_TAG}"'
    values = {"@method": method.upper(), "@target-uri": url} | present
    lines = [f'"{name}": {values[name]}' for name in names] + [f'"@signature-params": {signature_params}']
    signature = private.sign("\n".join(lines).encode())
    return {"signature-input": f"{LABEL}={signature_params}", "signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:"}
