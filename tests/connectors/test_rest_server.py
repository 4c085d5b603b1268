"""A unit's REST API on 127.0.0.1, real HTTP, for the REST source tests (no test here: the server and helpers).

It serves the same records under every way of paging a source may use (/page, /offset, /cursor,
/next, /link, /plain), checks the credentials it was set up with (an API key header, or OAuth2
client credentials with its own token endpoint) and can be told to fail: statuses to answer
first, a page that is not JSON, a token that expires once, a next link elsewhere, no answer.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.connectors import service, sync
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.connectors.schemas import SourceIn
from ketnoi.datastore import tables
from ketnoi.datastore.infer import field_of
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.identity import system_actor
from ketnoi.settings import get_settings

PATHS = ("/page", "/offset", "/cursor", "/next", "/link", "/plain")


@pytest.fixture(autouse=True)
def rest_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API is on 127.0.0.1, which production refuses unless listed; retries without waiting. (Imported by each
    test_rest module, so that they do not hang on the settings another conftest chooses.)"""
    settings = get_settings()
    monkeypatch.setattr(settings, "source_networks", "127.0.0.0/8")
    monkeypatch.setattr(settings, "sync_backoff_seconds", 0.0)
    monkeypatch.setattr(settings, "sync_attempts", 3)


def province(n: int, *, updated: str = "2026-01-01T08:00:00", name: str | None = None) -> dict[str, Any]:
    return {
        "id": n,
        "province": {"code": f"{n:02d}", "name": name or f"Tỉnh số {n}"},
        "stats": {"population": 100_000 * n, "area": n + 0.25},
        "updated": updated,
    }


@dataclass
class Asked:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Api:
    url: str
    records: list[dict[str, Any]]
    page_size: int = 3
    api_key: str | None = None  # when set, X-Api-Key must carry it
    client: tuple[str, str] | None = None  # when set, a Bearer token from /token (client id, secret) is needed
    honour_since: bool = True
    fail: list[int] = field(default_factory=list)  # statuses answered first, one per GET
    not_json_page: int | None = None  # the page (1-based) answered as HTML
    next_base: str | None = None  # where /link and /next point their next pages (default: here)
    expire_once: bool = False  # the next valid token is refused once, as expired
    hang: bool = False  # accept and never answer
    tokens: set[str] = field(default_factory=set)
    issued: int = 0
    asked: list[Asked] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def gets(self) -> list[Asked]:
        return [a for a in self.asked if a.method == "GET"]


class _Handler(BaseHTTPRequestHandler):
    api: Api

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None, content_type: str = "application/json") -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _asked(self, method: str) -> Asked:
        parts = urlsplit(self.path)
        asked = Asked(method, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, dict(self.headers.items()))
        self.api.asked.append(asked)
        return asked

    def do_POST(self) -> None:
        asked = self._asked("POST")
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        api = self.api
        if asked.path != "/token" or api.client is None:
            self._send(404, {"error": "not_found"})
            return
        expected = "Basic " + base64.b64encode(f"{quote_plus(api.client[0])}:{quote_plus(api.client[1])}".encode()).decode()
        if asked.headers.get("Authorization") != expected or form.get("grant_type") != ["client_credentials"]:
            self._send(401, {"error": "invalid_client"})
            return
        api.issued += 1
        token = f"tok-{api.issued}"
        api.tokens.add(token)
        self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        asked = self._asked("GET")
        api = self.api
        if api.hang:
            api.release.wait(30)
            return
        if api.fail:
            self._send(api.fail.pop(0), {"error": "bận"})
            return
        if not self._authorized(asked):
            self._send(401, {"error": "unauthorized"})
            return
        records = api.records
        if "updated_since" in asked.query and api.honour_since:
            records = [r for r in records if r["updated"] >= asked.query["updated_since"]]
        self._page(asked, records)

    def _authorized(self, asked: Asked) -> bool:
        api = self.api
        if api.api_key is not None and asked.headers.get("X-Api-Key") != api.api_key:
            return False
        if api.client is not None:
            token = asked.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in api.tokens:
                return False
            if api.expire_once:
                api.expire_once = False
                api.tokens.discard(token)
                return False
        return True

    def _page(self, asked: Asked, records: list[dict[str, Any]]) -> None:
        api, query, size = self.api, asked.query, self.api.page_size
        base = api.next_base or api.url
        if asked.path == "/plain":
            self._send(200, records)
            return
        if asked.path == "/page":
            size = int(query.get("size", size))
            start = (int(query["page"]) - 1) * size
        elif asked.path == "/offset":
            size, start = int(query["limit"]), int(query["offset"])
        elif asked.path in ("/cursor", "/next", "/link"):
            start = int(query.get("c", query.get("after", "0")))
        else:
            self._send(404, {"error": "not_found"})
            return
        number = start // size + 1
        if api.not_json_page == number:
            self._send(200, b"<html><body>B\xe1\xba\xa3o tr\xc3\xac</body></html>", content_type="text/html")
            return
        chunk, more = records[start : start + size], start + size < len(records)
        if asked.path == "/page":
            self._send(200, {"data": chunk})
        elif asked.path == "/offset":
            self._send(200, {"result": {"records": chunk, "total": len(records)}})
        elif asked.path == "/cursor":
            self._send(200, {"items": chunk, "meta": {"next": str(start + size) if more else None}})
        elif asked.path == "/next":
            self._send(200, {"items": chunk, "next": f"/next?c={start + size}" if more else None})
        else:
            link = {"Link": f'<{base}/link?c={start + size}>; rel="next", <{base}/link?c=0>; rel="first"'} if more else {}
            self._send(200, chunk, headers=link)


@contextmanager
def serve(records: list[dict[str, Any]]) -> Iterator[tuple[Api, ThreadingHTTPServer]]:
    """The API on a free port of 127.0.0.1, for the length of the block."""
    api = Api("", records)
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, httpd
    finally:
        api.release.set()
        httpd.shutdown()
        httpd.server_close()


PAGING: dict[str, dict[str, Any]] = {  # each way of paging, as a source's settings for this API
    "page": {"path": "/page", "paging": "page", "page_param": "page", "size_param": "size", "page_size": 3, "items_path": "data"},
    "page-until-empty": {"path": "/page", "paging": "page", "page_param": "page", "items_path": "data"},
    "offset": {"path": "/offset", "paging": "offset", "page_size": 3, "items_path": "result.records"},
    "cursor": {"path": "/cursor", "paging": "cursor", "cursor_param": "c", "cursor_path": "meta.next", "items_path": "items"},
    "cursor-url": {"path": "/next", "paging": "cursor", "cursor_path": "next", "items_path": "items"},
    "link": {"path": "/link", "paging": "link"},
}


def config_for(api: Api, paging: str = "link", **more: Any) -> dict[str, Any]:
    settings = dict(PAGING[paging])
    return {"url": api.url + settings.pop("path")} | settings | more


def make_source(db: Session, target: Dataset, config: dict[str, Any], **fields: Any) -> DataSource:
    data = {"name": f"API tỉnh {len(config)}", "kind": "rest", "dataset_id": target.id, "config": config} | fields
    made = service.create_source(db, actor=system_actor(), data=SourceIn.model_validate(data))
    db.commit()
    return made


def run(db: Session, source: DataSource, *, full: bool = False) -> SyncRun:
    run_id = sync.run_source(source.id, full=full)
    db.expire_all()
    return db.get_one(SyncRun, run_id)


def served(db: Session, source: DataSource) -> tuple[DatastoreVersion | None, list[dict[str, Any]]]:
    """The active version and its rows (by column title) in `_id` order; (None, []) when nothing was loaded."""
    version = db.scalars(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == source.resource_id, DatastoreVersion.status == VersionStatus.ACTIVE)
    ).one_or_none()
    if version is None:
        return None, []
    fields = [field_of(d) for d in version.table_schema["fields"]]
    table = tables.table_for(db.connection(), version.table_name, fields, search=bool(version.table_schema.get("ketnoiSearch")))
    titles = {f.name: f.title for f in fields}
    rows = [
        {titles.get(k, k): v for k, v in r._mapping.items() if k in titles or k == "_id"}
        for r in db.execute(select(table).order_by(table.c._id))
    ]
    return version, rows


def types_of(version: DatastoreVersion) -> dict[str, str]:
    return {d["title"]: d["type"] for d in version.table_schema["fields"]}
