"""REST sources: a unit's paged JSON API, read page by page into one resource's table.

The source's settings (`RestConfig`, kept in DataSource.config; never a secret):

- `url`: the http(s) address of the list; `params`: extra query parameters; `headers`: headers
  that are not secret (an Authorization, Cookie or API-key header is refused here: it goes in the
  secret field, which is sealed);
- `auth`: "none" | "header" (the secret is the header's value, e.g. "Bearer abc" or an API key;
  `auth_header` names it, Authorization by default) | "oauth2" (client credentials: `token_url`,
  `client_id`, `scope`; the secret is the client secret, sent as client_secret_basic per RFC 6749
  §2.3.1; the token is kept for the run, and fetched again once when the API answers 401);
- `paging`: "none" | "page" (`page_param` from `first_page`, `size_param` = `page_size`; stops on
  an empty page, or a short one when `size_param` is set) | "offset" (`offset_param` from 0,
  `limit_param` = `page_size`; stops on an empty or short page) | "cursor" (the next cursor read
  at `cursor_path` in the body and sent as `cursor_param`; stops when absent or null; a cursor
  that is a URL, absolute or "/…", is followed as is, as CKAN's `_links.next` or a `next` field)
  | "link" (the RFC 8288 Link header's rel="next", as GitHub does); at most `max_pages` pages
  (≤ 10,000) and rest_http.MAX_RESPONSE_BYTES (50 MB) per response, beyond which the run is refused;
- `items_path`: the dotted path of the records' list in the body ("" = the body is the list;
  "result.records"; a number indexes a list);
- `columns`: output column → dotted path inside a record ({"ma_tinh": "province.code"}), with
  `types` (output column → integer | number | boolean | date | datetime | string) where the values
  alone do not say it. Without `columns`, the columns are the first page's top-level keys (nested
  objects and lists kept as JSON text; keys first seen on a later page are not read). A column
  without a declared type takes the type of its first page's values (integers and decimals
  together: number; anything else mixed: string);
- `since_param`: incremental runs send the high-water mark (the cursor column's largest value
  loaded, as text; a datetime in Vietnam's time, ISO) in this query parameter, and keep only the
  rows whose cursor value is ≥ the mark, whether or not the API honoured the parameter.

Every address (the list, the token endpoint, each next page) is checked by connectors.network, at
each request: a next page elsewhere than the list's own server is refused, since the secret would
go with it. Redirects are not followed. A source that is down, slow, busy (429) or failing (5xx)
raises SourceUnavailable (tried again); any other refusal raises SourceRefused. The secret and the
token are never logged nor put in a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ketnoi.connectors.extract import TYPES, SourceColumn, SourceRefused, converter, parse_mark, type_of_value
from ketnoi.connectors.network import host_problem
from ketnoi.connectors.rest_http import Client
from ketnoi.kit.errors import Invalid
from ketnoi.kit.vn import nfc

AUTHS = ("none", "header", "oauth2")
PAGINGS = ("none", "page", "offset", "cursor", "link")
MAX_PAGES = 10_000
MAX_PAGE_SIZE = 10_000
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "apikey"})
_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP header name (RFC 9110 token)


@dataclass(frozen=True)
class RestConfig:
    url: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    auth: str = "none"
    auth_header: str = "Authorization"
    token_url: str | None = None
    client_id: str | None = None
    scope: str | None = None
    paging: str = "none"
    page_param: str = "page"
    size_param: str | None = None
    page_size: int = 100
    first_page: int = 1
    offset_param: str = "offset"
    limit_param: str = "limit"
    cursor_param: str = "cursor"
    cursor_path: str = "next"
    max_pages: int = MAX_PAGES
    items_path: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    since_param: str | None = None

    @classmethod
    def of(cls, config: dict[str, Any]) -> RestConfig:
        def text(key: str, default: str | None = None) -> Any:
            value = config.get(key)
            return nfc(str(value).strip()) if value not in (None, "") else default

        return cls(
            url=text("url", ""),
            params=_mapping(config, "params"),
            headers=_mapping(config, "headers"),
            auth=text("auth", "none"),
            auth_header=text("auth_header", "Authorization"),
            token_url=text("token_url"),
            client_id=text("client_id"),
            scope=text("scope"),
            paging=text("paging", "none"),
            page_param=text("page_param", "page"),
            size_param=text("size_param"),
            page_size=_number(config, "page_size", 100),
            first_page=_number(config, "first_page", 1),
            offset_param=text("offset_param", "offset"),
            limit_param=text("limit_param", "limit"),
            cursor_param=text("cursor_param", "cursor"),
            cursor_path=text("cursor_path", "next"),
            max_pages=_number(config, "max_pages", MAX_PAGES),
            items_path=text("items_path", ""),
            columns=_mapping(config, "columns"),
            types=_mapping(config, "types"),
            since_param=text("since_param"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _mapping(config: dict[str, Any], key: str) -> dict[str, str]:
    """A name → text setting, given as an object or as the JSON text of one (a form's text box)."""
    value = config.get(key) or {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            value = None
    if not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
        raise Invalid('Phải là một đối tượng JSON dạng {"tên": "giá trị"}.', fields={key: "Không đúng dạng."})
    return {nfc(str(k).strip()): nfc(str(v).strip()) for k, v in value.items()}


def _number(config: dict[str, Any], key: str, default: int) -> int:
    value: Any = config.get(key)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid("Phải là một số nguyên.", fields={key: str(value)[:50]}) from None


def check(config: RestConfig) -> RestConfig:
    """The configuration as it will be used, or Invalid naming the field at fault."""
    _check_url(config.url, "url")
    _check_auth(config)
    _check_paging(config)
    _check_mapping(config)
    return config


def _check_auth(config: RestConfig) -> None:
    if config.auth not in AUTHS:
        raise Invalid("Cách xác thực phải là: không, tiêu đề (header) hoặc OAuth2 client credentials.", fields={"auth": config.auth})
    if not _NAME.match(config.auth_header):
        raise Invalid("Tên tiêu đề xác thực không hợp lệ.", fields={"auth_header": config.auth_header})
    for name in config.headers:
        if not _NAME.match(name):
            raise Invalid("Tên tiêu đề «{name}» không hợp lệ.", fields={"headers": name}, values={"name": name})
        if name.casefold() in SECRET_HEADERS or name.casefold() == config.auth_header.casefold():
            raise Invalid(
                "Tiêu đề «{name}» chứa thông tin bí mật: hãy chọn xác thực bằng tiêu đề và nhập giá trị vào ô bí mật (được mã hoá).",
                fields={"headers": name},
                values={"name": name},
            )
    if config.auth == "oauth2":
        _check_url(config.token_url or "", "token_url")
        if not config.client_id:
            raise Invalid("OAuth2 cần mã ứng dụng (client_id).", fields={"client_id": "Bắt buộc."})


def _check_paging(config: RestConfig) -> None:
    if config.paging not in PAGINGS:
        raise Invalid(
            "Cách phân trang phải là: không, số trang, vị trí (offset), con trỏ hoặc tiêu đề Link.", fields={"paging": config.paging}
        )
    if not 1 <= config.page_size <= MAX_PAGE_SIZE:
        raise Invalid("Cỡ trang từ 1 đến {limit}.", fields={"page_size": str(config.page_size)}, values={"limit": MAX_PAGE_SIZE})
    if not 1 <= config.max_pages <= MAX_PAGES:
        raise Invalid("Số trang tối đa từ 1 đến {limit}.", fields={"max_pages": str(config.max_pages)}, values={"limit": MAX_PAGES})
    if config.first_page < 0:
        raise Invalid("Số của trang đầu không được âm.", fields={"first_page": str(config.first_page)})


def _check_mapping(config: RestConfig) -> None:
    for key in ("items_path", "cursor_path"):
        if any(not part for part in _parts(getattr(config, key))):
            raise Invalid("Đường dẫn có dạng «a.b.c» (không có đoạn rỗng).", fields={key: getattr(config, key)})
    for name, path in config.columns.items():
        if not name or not path or any(not part for part in _parts(path)):
            raise Invalid(
                "Cột «{name}»: cần tên cột và đường dẫn dạng «a.b.c» trong bản ghi.",
                fields={"columns": name or path},
                values={"name": name},
            )
    for name, type_ in config.types.items():
        if type_ not in TYPES or (config.columns and name not in config.columns):
            raise Invalid(
                "Kiểu của cột «{name}» phải là một trong: {types}.",
                fields={"types": name},
                values={"name": name, "types": ", ".join(TYPES)},
            )


def _check_url(url: str, key: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("Địa chỉ phải là URL http:// hoặc https:// đầy đủ.", fields={key: url[:200] or "Bắt buộc."})
    if parts.username or parts.password:
        raise Invalid("Không ghi tài khoản hay mật khẩu trong địa chỉ: hãy dùng ô bí mật (được mã hoá).", fields={key: "Có mật khẩu."})
    host_problem(parts.hostname, parts.port, field=key)


def _parts(path: str) -> list[str]:
    return path.split(".") if path else []


def _at(document: Any, path: str | list[str]) -> Any:
    """The value at a dotted path, or a list of its steps (None when a step is missing)."""
    for part in _parts(path) if isinstance(path, str) else path:
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.lstrip("-").isdigit() and -len(document) <= int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


class _Pages:
    """The records of each page in turn, following the source's way of paging."""

    def __init__(self, client: Client, config: RestConfig, params: dict[str, str]) -> None:
        self.client, self.config = client, config
        self.read = 0
        self._next: tuple[str, dict[str, str] | None] | None = (config.url, params | self._first_params())
        self._cursors: set[str] = set()

    def _first_params(self) -> dict[str, str]:
        c = self.config
        if c.paging == "page":
            return {c.page_param: str(c.first_page)} | ({c.size_param: str(c.page_size)} if c.size_param else {})
        if c.paging == "offset":
            return {c.offset_param: "0", c.limit_param: str(c.page_size)}
        return {}

    def __iter__(self) -> Iterator[list[Any]]:
        while self._next is not None:
            if self.read >= self.config.max_pages:
                raise SourceRefused(
                    "Nguồn có hơn {max_pages} trang: hãy tăng cỡ trang hoặc số trang tối đa.", values={"max_pages": self.config.max_pages}
                )
            url, params = self._next
            body, headers = self.client.get(url, params)
            self.read += 1
            records = _at(body, self.config.items_path)
            if not isinstance(records, list):
                raise SourceRefused(
                    "Trang {page} của nguồn không có danh sách bản ghi tại «{path}».",
                    fields={"items_path": self.config.items_path},
                    values={"page": self.read, "path": self.config.items_path or "(gốc)"},
                )
            self._next = self._after(url, params, body, headers, len(records))
            yield records

    def _after(self, url: str, params: dict[str, str] | None, body: Any, headers: httpx.Headers, count: int) -> Any:
        c, params = self.config, params or {}
        short = count == 0 or count < c.page_size
        if c.paging == "page":
            return None if count == 0 or (c.size_param and short) else (url, params | {c.page_param: str(int(params[c.page_param]) + 1)})
        if c.paging == "offset":
            return None if short else (url, params | {c.offset_param: str(int(params[c.offset_param]) + count)})
        if c.paging == "cursor":
            cursor = _at(body, c.cursor_path)
            if cursor is None or cursor == "":
                return None
            cursor = str(cursor)
            if cursor in self._cursors:
                raise SourceRefused("Nguồn trả lại một con trỏ trang đã dùng: phân trang lặp vô hạn.")
            self._cursors.add(cursor)
            if re.match(r"^(https?://|/)", cursor):
                return self._elsewhere(url, cursor), None
            return url, params | {c.cursor_param: cursor}
        if c.paging == "link":
            found = httpx.Response(200, headers=headers).links.get("next", {}).get("url")
            return (self._elsewhere(url, found), None) if found else None
        return None

    def _elsewhere(self, url: str, next_url: str) -> str:
        """A next page's address given by the source: on the list's own server, or refused."""
        target = urljoin(url, next_url)
        parts, own = urlsplit(target), urlsplit(self.config.url)
        if parts.scheme not in ("http", "https"):
            raise SourceRefused("Trang sau có địa chỉ không được hỗ trợ: {target}.", values={"target": target[:200]})
        try:
            host_problem(parts.hostname, parts.port)
        except Invalid as exc:
            raise SourceRefused("Trang sau trỏ tới nơi không được phép: {error}", values={"error": exc.message}) from None
        if (parts.scheme, parts.hostname, parts.port) != (own.scheme, own.hostname, own.port):
            raise SourceRefused(
                "Trang sau ở máy chủ khác ({host}) với địa chỉ nguồn: không gửi thông tin xác thực tới đó.", values={"host": parts.hostname}
            )
        return target


def _type_of(values: Sequence[Any]) -> str:
    seen = {type_of_value(v) for v in values} - {None}
    if len(seen) == 1:
        return seen.pop() or "string"
    return "number" if seen == {"integer", "number"} else "string"


class RestExtract:
    """One run's read: the first page read by `open_extract` (for the columns), the others as rows are asked."""

    def __init__(
        self, client: Client, pages: Iterator[list[Any]], first: list[Any], columns: list[SourceColumn], paths: list[list[str]]
    ) -> None:
        self.columns = columns
        self._client, self._pages, self._first, self._paths = client, pages, first, paths
        self._keep: Callable[[list[Any]], bool] = lambda _row: True

    def rows(self) -> Iterator[Sequence[Any]]:
        for records in _chain(self._first, self._pages):
            for record in records:
                if not isinstance(record, dict):
                    raise SourceRefused("Một bản ghi của nguồn không phải đối tượng JSON: hãy chỉnh đường dẫn tới danh sách bản ghi.")
                row = [_nested_nfc(_at(record, path)) for path in self._paths]
                if self._keep(row):
                    yield row

    def since(self, cursor: str, mark: str) -> None:
        """Keep only the rows whose `cursor` column reached `mark` (an API may ignore the parameter)."""
        at = next((i for i, c in enumerate(self.columns) if c.name == cursor), None)
        if at is None:
            raise SourceRefused("Nguồn không có cột mốc «{cursor}».", fields={"cursor_column": cursor}, values={"cursor": cursor})
        type_ = self.columns[at].type
        low, convert = parse_mark(mark, type_), converter(type_)

        def keep(row: list[Any]) -> bool:
            try:
                return row[at] is not None and convert(row[at]) >= low
            except (TypeError, ValueError):
                raise SourceRefused(
                    "Giá trị «{value}» của cột mốc «{cursor}» không đúng kiểu {type}.",
                    values={"value": row[at], "cursor": cursor, "type": type_},
                ) from None

        self._keep = keep

    def close(self) -> None:
        self._client.close()


def _nested_nfc(value: Any) -> Any:
    """A nested object or list as its JSON text, in NFC (a plain value as it is: the loader converts it)."""
    if isinstance(value, dict | list):
        return nfc(json.dumps(value, ensure_ascii=False, sort_keys=True, default=float))  # default: the decimals of parse_float
    return value


def _chain(first: list[Any], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield first
    yield from rest


def open_extract(config: RestConfig, secret: str | None, *, cursor: str | None = None, since: str | None = None) -> RestExtract:
    """Open the source: the first page is read now, for the columns; with `since`, only the rows whose
    `cursor` column reached it are given."""
    config = check(config)  # again at each run: a name may resolve elsewhere since the source was saved
    if config.auth != "none" and not secret:
        raise SourceRefused(
            "Nguồn cần xác thực nhưng chưa có giá trị bí mật: hãy nhập trong cấu hình nguồn.", fields={"secret": "Bắt buộc."}
        )
    params = dict(config.params)
    if since is not None and config.since_param:
        params[config.since_param] = since
    client = Client(config, secret)
    try:
        pages = iter(_Pages(client, config, params))
        first = next(pages, [])
        sample = first
        if not first and since is not None and config.since_param:  # nothing new: the columns from an unfiltered first page
            sample = next(iter(_Pages(client, config, dict(config.params))), [])
        columns, paths = _columns(config, sample)
        extract = RestExtract(client, pages, first, columns, paths)
        if cursor is not None and since is not None:
            extract.since(cursor, since)
        return extract
    except BaseException:
        client.close()
        raise


def _columns(config: RestConfig, sample: list[Any]) -> tuple[list[SourceColumn], list[list[str]]]:
    """The output columns and the steps to each inside a record (a key of its own, dots and all, without a mapping)."""
    records = [r for r in sample if isinstance(r, dict)]
    if config.columns:
        names, paths = list(config.columns), [_parts(path) for path in config.columns.values()]
    else:
        seen: dict[str, None] = {}
        for record in records:
            seen.update(dict.fromkeys(str(k) for k in record))
        names, paths = list(seen), [[name] for name in seen]
        if len({nfc(n) for n in names}) != len(names):
            raise SourceRefused("Bản ghi của nguồn có hai khoá trùng tên sau chuẩn hoá Unicode: hãy khai báo ánh xạ cột.")
    columns = [
        SourceColumn(nfc(name), config.types.get(name) or _type_of([_at(r, path) for r in records]))
        for name, path in zip(names, paths, strict=True)
    ]
    if not columns:
        raise SourceRefused("Nguồn chưa có bản ghi nào để biết các cột: hãy khai báo ánh xạ cột.", fields={"columns": "Bắt buộc."})
    return columns, paths
