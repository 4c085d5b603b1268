"""The HTTP of a REST source's run (connectors.rest): every address checked before it is asked, the
secret added (a header's value, or an OAuth2 token got by client credentials), a response's size
capped, and the answer sorted into what the sync retries (down, slow, busy, failing) and what it
does not (refused). Nothing here logs or repeats the secret or the token.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlsplit

import httpx

from ketnoi.connectors.extract import SourceRefused, SourceUnavailable
from ketnoi.connectors.network import host_problem
from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings

if TYPE_CHECKING:
    from ketnoi.connectors.rest import RestConfig

MAX_RESPONSE_BYTES = 50 * 1024 * 1024


class Client:
    """One run's HTTP: every address checked, the secret added, the size capped, errors sorted."""

    def __init__(self, config: RestConfig, secret: str | None) -> None:
        self.config, self._secret = config, secret
        self._token: str | None = None
        seconds = get_settings().sync_timeout_seconds
        self._http = httpx.Client(
            timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)), follow_redirects=False, headers=config.headers, trust_env=False
        )

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: dict[str, str] | None) -> tuple[Any, httpx.Headers]:
        """The JSON body of a GET, and the response's headers (for its Link)."""
        status, body, headers = self._send("GET", url, params=params, headers=self._auth())
        if status == 401 and self.config.auth == "oauth2":  # the token expired: one more, once
            self._token = None
            status, body, headers = self._send("GET", url, params=params, headers=self._auth())
        _sort_status(status, headers)
        try:
            return json.loads(body, parse_float=Decimal), headers
        except ValueError:
            raise SourceRefused("Nguồn trả về nội dung không phải JSON (trang {url}).", values={"url": url[:200]}) from None

    def _auth(self) -> dict[str, str]:
        if self.config.auth == "header" and self._secret:
            return {self.config.auth_header: self._secret}
        if self.config.auth == "oauth2":
            if self._token is None:
                self._token = self._fetch_token()
            return {"Authorization": f"Bearer {self._token}"}
        return {}

    def _fetch_token(self) -> str:
        """An access token by client credentials, the client authenticated with HTTP Basic (RFC 6749 §2.3.1:
        identifier and secret form-encoded first)."""
        pair = f"{quote_plus(self.config.client_id or '')}:{quote_plus(self._secret or '')}"
        data = {"grant_type": "client_credentials"} | ({"scope": self.config.scope} if self.config.scope else {})
        status, body, headers = self._send(
            "POST", self.config.token_url or "", data=data, headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        )
        if status in (400, 401, 403):
            raise SourceRefused("Máy chủ cấp token từ chối: thông tin xác thực bị từ chối (HTTP {status}).", values={"status": status})
        _sort_status(status, headers)
        try:
            token = json.loads(body).get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise SourceRefused("Máy chủ cấp token không trả về access_token.")
        return token

    def _send(self, method: str, url: str, **kwargs: Any) -> tuple[int, bytes, httpx.Headers]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise SourceRefused("Địa chỉ không được hỗ trợ: {url} (chỉ http:// hoặc https://).", values={"url": url[:200]})
        try:
            host_problem(parts.hostname, parts.port)
        except Invalid as exc:
            raise SourceRefused(exc.template, values=exc.values) from None
        try:
            with self._http.stream(method, url, **kwargs) as response:
                if not response.is_success:
                    return response.status_code, b"", response.headers
                return response.status_code, _capped(response), response.headers
        except httpx.TimeoutException:
            raise SourceUnavailable("Nguồn không trả lời kịp ({host}).", values={"host": parts.hostname}) from None
        except httpx.TransportError as exc:
            raise SourceUnavailable(
                "Không kết nối được tới nguồn {host}: {error}.", values={"host": parts.hostname, "error": type(exc).__name__}
            ) from None


def _capped(response: httpx.Response) -> bytes:
    refused = SourceRefused(
        "Một trang của nguồn lớn quá {limit} MB: hãy giảm cỡ trang.", values={"limit": MAX_RESPONSE_BYTES // (1024 * 1024)}
    )
    if int(response.headers.get("content-length") or 0) > MAX_RESPONSE_BYTES:
        raise refused
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise refused
        chunks.append(chunk)
    return b"".join(chunks)


def _sort_status(status: int, headers: httpx.Headers) -> None:
    """Down or busy (retried) versus refused (not), by the status."""
    if 200 <= status < 300:
        return
    if status in (408, 429) or status >= 500:
        raise SourceUnavailable("Nguồn đang bận hoặc gặp lỗi (HTTP {status}).", values={"status": status})
    if status in (401, 403):
        raise SourceRefused("Nguồn từ chối: thông tin xác thực bị từ chối (HTTP {status}).", values={"status": status})
    if 300 <= status < 400:
        where = headers.get("location", "")[:200]
        raise SourceRefused(
            "Nguồn chuyển hướng sang «{where}» (HTTP {status}): hãy ghi địa chỉ mới vào cấu hình.",
            values={"where": where, "status": status},
        )
    raise SourceRefused("Nguồn từ chối yêu cầu (HTTP {status}).", values={"status": status})
