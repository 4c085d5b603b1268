"""Remote values made to fit our catalog: code lists, lengths, links. Shared by the CKAN and DCAT readers.

A value we cannot keep is left out with a note (the run's messages say what), never guessed:
a licence not in our list becomes none, not the nearest one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ketnoi.catalog import codelists as cl
from ketnoi.harvest.remote import MAX_URL, RemoteDataset, RemoteResource
from ketnoi.kit.vn import nfc

MAX_TAGS = 30  # as catalog.schemas.Tags
MAX_TAG = 64
MAX_TITLE = 255
MAX_DESCRIPTION = 20_000
MAX_RESOURCE_DESCRIPTION = 5_000
MAX_REMOTE_ID = 255  # harvested_datasets.remote_id
_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
# CKAN's default licence ids whose meaning is one of ours without doubt (a version-less "cc-by" is not).
LICENCE_ALIASES = {"cc-zero": "cc0-1.0", "odc-odbl": "odbl-1.0", "odc-by": "odc-by-1.0", "cc-by-4": "cc-by-4.0"}


def text(value: object) -> str | None:
    """A remote text value, NFC, stripped; None when empty or not text."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    cleaned = nfc(str(value)).strip()
    return cleaned or None


def shortened(value: str | None, limit: int, what: str, notes: list[str]) -> str | None:
    if value is not None and len(value) > limit:
        notes.append(f"{what} dài hơn {limit} ký tự: đã cắt bớt.")
        return value[:limit]
    return value


def tags(values: list[str], notes: list[str]) -> list[str]:
    kept: list[str] = []
    for value in values:
        tag = nfc(value).strip().lower()
        if not tag or tag in kept:
            continue
        if len(tag) > MAX_TAG:
            notes.append(f"Bỏ từ khoá dài hơn {MAX_TAG} ký tự: «{tag[:40]}…».")
        else:
            kept.append(tag)
    if len(kept) > MAX_TAGS:
        notes.append(f"Nguồn có {len(kept)} từ khoá: giữ {MAX_TAGS} từ khoá đầu.")
    return kept[:MAX_TAGS]


def licence(value: str | None, notes: list[str]) -> str | None:
    if not value:
        return None
    code = value.strip().lower()
    code = LICENCE_ALIASES.get(code, code)
    if code in cl.LICENSES:
        return code
    notes.append(f"Giấy phép «{value[:80]}» không có trong danh mục giấy phép: để trống.")
    return None


def one_of(value: str | None, options: dict[str, str]) -> str | None:
    return value if value in options else None


def link(value: str | None) -> str | None:
    """An address the portal may show as a link: http(s) only (never `javascript:`), within our column."""
    if not value:
        return None
    value = value.strip()
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.hostname and len(value) <= MAX_URL else None


def sha256(value: str | None) -> str | None:
    found = _SHA256.match((value or "").strip())
    return found.group(1).lower() if found else None


def size(value: object) -> int | None:
    try:
        number = int(str(value)) if value not in (None, "", True, False) else None
    except ValueError:
        return None
    return number if number is not None and 0 <= number < 1 << 62 else None


def file_format(value: str | None) -> str | None:
    """CSV, XLSX…: the last part of a URI (EU file types) or the text, upper-case, within our column."""
    if not value:
        return None
    name = value.rstrip("/").rsplit("/", 1)[-1].strip().upper()
    return name[:16] or None


def media_type(value: str | None) -> str | None:
    """text/csv, from the text or from an IANA URI (…/media-types/text/csv)."""
    if not value:
        return None
    value = value.strip()
    if "/media-types/" in value:
        value = value.split("/media-types/", 1)[1]
    value = value.split(";")[0].strip().lower()
    return value if "/" in value and len(value) <= 128 else None


def resource(url: str | None, name: str | None, notes: list[str], **more: object) -> RemoteResource | None:
    """A remote file as a link; none (with a note) when its address cannot be a link."""
    address = link(url)
    if address is None:
        notes.append(f"Bỏ tài nguyên «{(name or url or '')[:80]}»: không có địa chỉ http(s) hợp lệ.")
        return None
    title = shortened(name, MAX_TITLE, "Tên tài nguyên", notes) or address.rstrip("/").rsplit("/", 1)[-1][:MAX_TITLE] or "Tài nguyên"
    return RemoteResource(
        url=address,
        name=title,
        description=shortened(text(more.get("description")), MAX_RESOURCE_DESCRIPTION, "Mô tả tài nguyên", notes),
        format=file_format(text(more.get("format"))),
        media_type=media_type(text(more.get("media_type"))),
        size=size(more.get("size")),
        sha256=sha256(text(more.get("sha256"))),
    )


def finish(found: RemoteDataset) -> RemoteDataset:
    """The checks every reader's dataset passes last: a title, and lengths our columns take."""
    if not found.title:
        found.problem = "Bộ dữ liệu không có tên (title): không nhập."
        return found
    if len(found.remote_id) > MAX_REMOTE_ID:
        found.problem = f"Mã của bộ dữ liệu trên nguồn dài hơn {MAX_REMOTE_ID} ký tự: không nhập."
        return found
    found.title = shortened(found.title, MAX_TITLE, "Tên bộ dữ liệu", found.notes) or found.title
    found.description = shortened(found.description, MAX_DESCRIPTION, "Mô tả", found.notes)
    if found.modified is not None and len(found.modified) > 64:
        found.modified = found.modified[:64]
    return found
