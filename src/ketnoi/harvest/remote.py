"""What the readers hand over (a remote dataset in one shape, whatever the source) and how they fetch it.

Every request goes through `Fetcher`: httpx with timeouts, the User-Agent "ketnoi-harvester", at
most MAX_BYTES read of an answer (a larger one is refused, not truncated), and each address it
asks (redirects included) checked by `check_address`: http or https, and not this machine or a
private network unless KETNOI_HARVEST_ALLOW_PRIVATE says so (a source is typed by a person; it
must not turn the server into a way to reach the ministry's internal services). Every failure is a
`HarvestError` whose message says, in Vietnamese, what went wrong and where.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import socket
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from ketnoi import __version__
from ketnoi.settings import get_settings

USER_AGENT = f"ketnoi-harvester/{__version__}"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_BYTES = 20 * 1024 * 1024  # one answer (a page of a catalog); a module constant, so tests can lower it
MAX_URL = 1000  # the width of the url columns


class HarvestError(Exception):
    """The run cannot go on: the source is unreachable or does not answer as its kind should."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RemoteResource:
    """A file of a remote dataset: kept here as a link to its address, never downloaded."""

    url: str
    name: str
    description: str | None = None
    format: str | None = None
    media_type: str | None = None
    size: int | None = None
    sha256: str | None = None


@dataclass
class RemoteDataset:
    """A remote dataset mapped to our fields. `problem`: why it cannot be imported (the run records it
    and goes on); `notes`: what the mapping had to leave out, reported in the run's messages."""

    remote_id: str
    title: str
    modified: str | None = None
    remote_url: str | None = None
    slug: str | None = None
    description: str | None = None
    license_id: str | None = None
    topic: str | None = None
    update_frequency: str | None = None
    tags: list[str] = field(default_factory=list)
    resources: list[RemoteResource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def version(self) -> str:
        """What tells one state of the dataset from another: its modification time with a fingerprint
        of everything mapped. A time alone misses changes: many DCAT catalogs give a date, not a
        time, and a source may change a dataset without touching it."""
        content = json.dumps(asdict(self) | {"notes": [], "problem": None}, sort_keys=True, ensure_ascii=False)
        # 96 bits of fingerprint: with the longest ISO-8601 time, still within remote_modified's 64 characters.
        return f"{(self.modified or '')[:35]}#{hashlib.sha256(content.encode()).hexdigest()[:24]}"


class Reader(Protocol):
    """A source read from the high water mark on. `ordered`: the datasets come oldest change first,
    so a run cut off halfway may still keep the high water of what it read."""

    ordered: bool

    def datasets(self) -> Iterator[RemoteDataset]: ...

    def all_ids(self) -> set[str] | None:
        """Every remote id the source lists now (None: it cannot tell without reading everything)."""
        ...


def moment(value: str | None) -> datetime | None:
    """An ISO 8601 date or time as aware UTC (naive is UTC, as CKAN writes it); None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
        parsed = datetime(day.year, day.month, day.day)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def url_problem(url: str) -> str | None:
    """What is wrong with a source's address as typed (None: nothing): a full http(s) URL, and not
    this machine or a private network written as such (names are checked when asked: check_address)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        return "Địa chỉ nguồn phải là URL http:// hoặc https:// đầy đủ, tối đa 1000 ký tự."
    if not get_settings().harvest_allow_private and _private_literal(parts.hostname):
        return "Địa chỉ nguồn trỏ tới máy này hoặc mạng nội bộ: không được phép."
    return None


def _private_literal(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_global
    except ValueError:
        return False  # a name: resolved when it is asked (check_address)


def check_address(url: str) -> None:
    """Before each request: the scheme, and (unless allowed) every address the host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HarvestError(f"Địa chỉ không được hỗ trợ: {url[:200]} (chỉ http:// hoặc https://).")
    if get_settings().harvest_allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except OSError:
        raise HarvestError(f"Không tìm thấy máy chủ {parts.hostname} (tên miền không phân giải được).") from None
    for info in infos:
        if not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global:
            raise HarvestError(f"Máy chủ {parts.hostname} thuộc mạng nội bộ: không được phép thu thập từ đó.")


@dataclass(frozen=True)
class Fetched:
    url: str
    content: bytes
    content_type: str

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError:
            raise HarvestError(f"Nguồn trả về nội dung không phải JSON tại {self.url[:200]}.") from None


class Fetcher:
    """One HTTP client for a run (connections kept between pages)."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self.requests = 0
        self.client = httpx.Client(
            timeout=TIMEOUT,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
            max_redirects=5,
            event_hooks={"request": [lambda request: check_address(str(request.url))]},
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, url: str, *, params: Mapping[str, str | int] | None = None, accept: str = "*/*") -> Fetched:
        host = urlsplit(url).hostname or url
        self.requests += 1
        try:
            with self.client.stream("GET", url, params=params, headers={"Accept": accept}) as response:
                content = _read_capped(response)
                if response.status_code >= 400:
                    where = str(response.url)[:200]
                    raise HarvestError(f"Nguồn trả lời lỗi HTTP {response.status_code} tại {where}.{_ckan_reason(content)}")
                return Fetched(str(response.url), content, response.headers.get("content-type", ""))
        except httpx.TimeoutException:
            raise HarvestError(f"Máy chủ {host} không trả lời trong thời gian cho phép ({TIMEOUT.read:.0f} giây).") from None
        except httpx.TooManyRedirects:
            raise HarvestError(f"Máy chủ {host} chuyển hướng quá nhiều lần.") from None
        except httpx.InvalidURL:
            raise HarvestError(f"Địa chỉ không hợp lệ: {url[:200]}.") from None
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
            raise HarvestError(f"Không kết nối được tới máy chủ {host} ({reason}): nguồn không hoạt động hoặc sai địa chỉ.") from None


def _read_capped(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise HarvestError(_too_big())
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise HarvestError(_too_big())
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big() -> str:
    return f"Phản hồi của nguồn lớn hơn giới hạn {MAX_BYTES // (1024 * 1024)} MB: không đọc."


def _ckan_reason(content: bytes) -> str:
    """CKAN explains a refusal in its envelope: worth showing next to the status."""
    try:
        error = json.loads(content).get("error", {})
        message = error.get("message") if isinstance(error, dict) else None
    except (ValueError, AttributeError):
        return ""
    return f" Nguồn cho biết: {str(message)[:300]}" if message else ""
