"""Every response of the exchange gateway (`/x/…`), errors included, signed by the node (RFC 9421).

A plain ASGI middleware: it holds the response's body (a gateway page is bounded by `limit`),
adds its Content-Digest (RFC 9530) unless the route set it, and signs the status, the content
type and digest, the consumer and exchange-log headers, and the request (kit.httpsig).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ketnoi.kit import httpsig, nodekey

PREFIX = "/x/"


def request_line(scope: Scope) -> httpsig.RequestLine:
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
    return httpsig.RequestLine(scope["method"], path, scope.get("query_string", b"").decode("latin-1"))


class SignedResponses:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=list(start["headers"]))
            if "content-digest" not in headers:
                headers["content-digest"] = httpsig.content_digest(body)
            key = nodekey.node_key()
            signed = httpsig.sign_response(
                status=start["status"],
                headers=dict(headers.items()),
                request=request_line(scope),
                key_id=key.key_id,
                private=key.private,
                created=int(time.time()),
            )
            for name, value in signed.items():
                headers[name] = value
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, held)
