"""Reading a CKAN portal through its Action API (CKAN 2.x, or another ketnoi).

`package_search` with `fq=metadata_modified:[<high water> TO *]` sorted oldest change first, paged
with `start`. Only fields every CKAN returns are read (id, name, title, notes, metadata_modified,
tags, license_id, groups, extras, resources with url/name/format/mimetype/size/hash), so a plain
CKAN site harvests as well as a ketnoi node.

Paging by `start` over a list sorted by modification has one weakness: a dataset changed while we
read moves to the end, and every later one shifts one place back, so the first of the next page
would be skipped. Each page therefore starts OVERLAP places early; the ids already seen are
skipped. The range is inclusive (Solr's `[a TO *]`): the dataset at the high water mark is read
again each run and found unchanged, which is also what keeps two datasets changed in the same
millisecond from being lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from ketnoi.catalog import codelists as cl
from ketnoi.harvest import mapping as m
from ketnoi.harvest.remote import Fetcher, HarvestError, RemoteDataset, RemoteResource, moment
from ketnoi.kit.slug import is_slug

ROWS = 500  # datasets per page (CKAN allows up to 1000)
ID_ROWS = 1000  # ids per page when listing what the source still has
OVERLAP = 10
MAX_PAGES = 200  # a bound on one run: 100,000 datasets; a source that pages for ever stops here
_API_SUFFIXES = ("/api/3/action", "/api/action", "/api/3", "/api")


def endpoints(url: str) -> tuple[str, str]:
    """(the site, its action API) from what was typed: the site or its API address."""
    site = url.rstrip("/")
    for suffix in _API_SUFFIXES:
        if site.endswith(suffix):
            site = site[: -len(suffix)]
            break
    return site, f"{site}/api/3/action/"


def solr_time(value: str) -> str:
    """Solr's date form (UTC, milliseconds, Z), floored: the inclusive range still holds the mark itself."""
    parsed = moment(value)
    if parsed is None:
        raise HarvestError(f"Mốc thời gian đã lưu «{value}» không hợp lệ: hãy chạy thu thập toàn bộ.")
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


class CkanReader:
    ordered = True

    def __init__(self, fetcher: Fetcher, url: str, since: str | None) -> None:
        self.fetcher = fetcher
        self.site, self.api = endpoints(url)
        self.since = since

    def _search(self, params: dict[str, str | int]) -> tuple[int, list[Any]]:
        answer = self.fetcher.get(self.api + "package_search", params=params, accept="application/json").json()
        result = answer.get("result") if isinstance(answer, dict) and answer.get("success") is True else None
        if not isinstance(result, dict) or not isinstance(result.get("results"), list) or not isinstance(result.get("count"), int):
            raise HarvestError(f"Nguồn không trả lời như một API CKAN (package_search) tại {self.api[:200]}.")
        return result["count"], result["results"]

    def _pages(self, params: dict[str, str | int], rows: int) -> Iterator[tuple[int, list[Any]]]:
        start = 0
        for _ in range(MAX_PAGES):
            count, results = self._search(params | {"rows": rows, "start": start})
            yield count, results
            if len(results) < rows or start + len(results) >= count:
                return
            start += len(results) - OVERLAP
        raise HarvestError(f"Nguồn có quá nhiều trang (hơn {MAX_PAGES}): dừng đọc.")

    def datasets(self) -> Iterator[RemoteDataset]:
        params: dict[str, str | int] = {"sort": "metadata_modified asc"}
        if self.since:
            params["fq"] = f"metadata_modified:[{solr_time(self.since)} TO *]"
        seen: set[str] = set()
        for _count, results in self._pages(params, ROWS):
            for package in results:
                found = self.package(package) if isinstance(package, dict) else None
                if found is not None and found.remote_id not in seen:
                    seen.add(found.remote_id)
                    yield found

    def all_ids(self) -> set[str] | None:
        ids: set[str] = set()
        listed = 0
        try:
            for count, results in self._pages({"fl": "id", "sort": "metadata_created asc"}, ID_ROWS):
                listed = count
                ids.update(str(p["id"]) for p in results if isinstance(p, dict) and p.get("id"))
        except HarvestError:
            return None
        # Fewer ids than the count: some were missed (the list changed while read); better to say nothing.
        return ids if len(ids) >= listed else None

    def package(self, package: dict[str, Any]) -> RemoteDataset | None:
        if package.get("private") is True or package.get("state", "active") != "active":
            return None  # not public on the source: never ours to copy
        remote_id = m.text(package.get("id")) or m.text(package.get("name"))
        if remote_id is None:
            return RemoteDataset(remote_id="?", title=m.text(package.get("title")) or "", problem="Gói dữ liệu không có id: không nhập.")
        name = m.text(package.get("name"))
        notes: list[str] = []
        found = RemoteDataset(
            remote_id=remote_id,
            title=m.text(package.get("title")) or "",
            modified=m.text(package.get("metadata_modified")),
            # The page on the source: `/dataset/{name}` on any CKAN (a ketnoi sends it on to its portal).
            # CKAN's own `url` field is the dataset's external "source" link, not its page there.
            remote_url=m.link(f"{self.site}/dataset/{name or remote_id}"),
            slug=name if name and is_slug(name) else None,
            description=m.text(package.get("notes")),
            license_id=m.licence(m.text(package.get("license_id")), notes),
            topic=_topic(package.get("groups"), notes),
            update_frequency=m.one_of(m.text(_extras(package).get("update_frequency")), cl.FREQUENCIES),
            tags=m.tags(_tag_names(package.get("tags")), notes),
            resources=self._resources(package.get("resources"), notes),
            notes=notes,
        )
        return m.finish(found)

    def _resources(self, raw: object, notes: list[str]) -> list[RemoteResource]:
        found: list[RemoteResource] = []
        for item in raw if isinstance(raw, list) else []:
            if not isinstance(item, dict):
                continue
            url = m.text(item.get("url"))
            made = m.resource(
                urljoin(self.site + "/", url) if url else None,
                m.text(item.get("name")),
                notes,
                description=item.get("description"),
                format=item.get("format"),
                media_type=item.get("mimetype"),
                size=item.get("size"),
                sha256=item.get("hash"),
            )
            if made is not None:
                found.append(made)
        return found


def _extras(package: dict[str, Any]) -> dict[str, Any]:
    extras = package.get("extras")
    return {e["key"]: e.get("value") for e in extras if isinstance(e, dict) and "key" in e} if isinstance(extras, list) else {}


def _tag_names(raw: object) -> list[str]:
    names: list[str] = []
    for tag in raw if isinstance(raw, list) else []:
        name = m.text(tag.get("name") or tag.get("display_name")) if isinstance(tag, dict) else m.text(tag)
        if name:
            names.append(name)
    return names


def _topic(raw: object, notes: list[str]) -> str | None:
    groups = [g.get("name") for g in raw if isinstance(g, dict)] if isinstance(raw, list) else []
    if not groups:
        return None
    topic = m.one_of(m.text(groups[0]), cl.TOPICS)
    if topic is None:
        notes.append(f"Nhóm «{str(groups[0])[:80]}» không phải một lĩnh vực của danh mục: để trống lĩnh vực.")
    return topic
