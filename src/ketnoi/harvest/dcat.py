"""Reading a DCAT catalog (DCAT-AP 2/3): Turtle, RDF/XML or JSON-LD, paged with Hydra.

The catalog is asked for in Turtle first (what `Accept` says), and parsed in whatever form the
answer's content type names. Pages follow `hydra:next` (or the older `hydra:nextPage` that
ckanext-dcat writes), at most MAX_PAGES, never the same page twice. With a high water mark the
first request carries `modified_since` (ketnoi's and ckanext-dcat's parameter); a catalog that
ignores it is simply read whole, and unchanged datasets are found unchanged.

A DCAT catalog pages in its own order, not by modification, so a run cut off halfway keeps no
high water (`ordered = False`), and only a full read (no mark) knows every id the source lists.
A JSON-LD document naming a remote `@context` is refused: rdflib would fetch it from wherever it
points, outside the checks every other request passes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, SKOS
from rdflib.term import Node

from ketnoi.catalog import codelists as cl
from ketnoi.harvest import mapping as m
from ketnoi.harvest.remote import Fetched, Fetcher, HarvestError, RemoteDataset, RemoteResource, moment
from ketnoi.portal import dcat as ours

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"
MAX_PAGES = 200
FORMATS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
}
SUFFIXES = {".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt"}
# Our publication's tables read backwards. A theme stands for one topic only where one topic maps to it.
_THEME_TOPICS: dict[str, list[str]] = {}
for _code, _theme in ours.THEMES.items():
    _THEME_TOPICS.setdefault(f"{ours.EU}data-theme/{_theme}", []).append(_code)
THEMES = {uri: topics[0] for uri, topics in _THEME_TOPICS.items() if len(topics) == 1}
FREQUENCIES = {f"{ours.EU}frequency/{code}": ours_code for ours_code, code in ours.FREQUENCIES.items()}
LICENCES = {ours.EU + "licence/" + lic.eu: code for code, lic in ours.LICENCES.items() if lic.eu} | {
    lic.url: code for code, lic in ours.LICENCES.items() if not lic.url.startswith("/")
}
TOPIC_LABELS = {label.casefold(): code for code, label in cl.TOPICS.items()}


def parse(fetched: Fetched) -> Graph:
    media = fetched.content_type.split(";")[0].strip().lower()
    suffix = "." + urlsplit(fetched.url).path.rsplit(".", 1)[-1].lower() if "." in urlsplit(fetched.url).path else ""
    rdf_format = FORMATS.get(media) or SUFFIXES.get(suffix) or "turtle"
    if rdf_format == "json-ld" and _names_remote_context(fetched.content):
        raise HarvestError("Tài liệu JSON-LD dùng @context ở địa chỉ khác: không hỗ trợ (hãy dùng Turtle hoặc RDF/XML).")
    graph = Graph()
    try:
        graph.parse(data=fetched.content, format=rdf_format, publicID=fetched.url)
    except Exception as exc:  # a parser of untrusted input: any failure means "not a catalog we can read"
        raise HarvestError(f"Không đọc được danh mục DCAT ({rdf_format}) tại {fetched.url[:200]}: {str(exc)[:200]}") from None
    return graph


def _names_remote_context(content: bytes) -> bool:
    def walk(value: Any) -> bool:
        if isinstance(value, dict):
            context = value.get("@context")
            if isinstance(context, str) or (isinstance(context, list) and any(isinstance(c, str) for c in context)):
                return True
            if "@import" in value:
                return True
            return any(walk(v) for v in value.values())
        return isinstance(value, list) and any(walk(v) for v in value)

    try:
        return walk(json.loads(content))
    except ValueError:
        return False  # not JSON at all: the parser says so


class DcatReader:
    ordered = False

    def __init__(self, fetcher: Fetcher, url: str, since: str | None) -> None:
        self.fetcher = fetcher
        self.url = url
        self.since = since
        self._complete: set[str] | None = None

    def datasets(self) -> Iterator[RemoteDataset]:
        url: str | None = self.url
        params = {"modified_since": self.since} if self.since else None
        visited: set[str] = set()
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            if url is None:
                self._complete = seen if self.since is None else None
                return
            if url in visited:
                raise HarvestError(f"Trang tiếp theo (hydra:next) trỏ lại trang đã đọc: {url[:200]}.")
            visited.add(url)
            graph = parse(self.fetcher.get(url, params=params, accept=ACCEPT))
            params = None  # the next links carry the parameters the source wants
            for node in sorted(graph.subjects(RDF.type, DCAT.Dataset), key=str):
                found = dataset(graph, node)
                if found.remote_id not in seen:
                    seen.add(found.remote_id)
                    yield found
            url = _next_page(graph)
        raise HarvestError(f"Danh mục có quá nhiều trang (hơn {MAX_PAGES}): dừng đọc.")

    def all_ids(self) -> set[str] | None:
        return self._complete


def _next_page(graph: Graph) -> str | None:
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for target in graph.objects(None, predicate):
            if isinstance(target, URIRef | Literal):
                return str(target)
    return None


def _text(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    """The value in Vietnamese, else without a language, else English, else any."""
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    for wanted in ("vi", None, "en"):
        for value in values:
            if value.language == wanted:
                return m.text(str(value))
    return m.text(str(values[0])) if values else None


def _uri(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    for value in graph.objects(node, predicate):
        if isinstance(value, URIRef | Literal):
            return str(value)
    return None


def dataset(graph: Graph, node: Node) -> RemoteDataset:
    title = _text(graph, node, DCTERMS.title) or ""
    remote_id = _text(graph, node, DCTERMS.identifier) or (str(node) if isinstance(node, URIRef) else None)
    if remote_id is None:
        return RemoteDataset(remote_id="?", title=title, problem="Bộ dữ liệu không có dct:identifier và không có URI: không nhập.")
    notes: list[str] = []
    keywords = [m.text(str(k)) or "" for k in graph.objects(node, DCAT.keyword) if isinstance(k, Literal)]
    topic, keywords = _topic(graph, node, keywords)
    description = _text(graph, node, DCTERMS.description)
    found = RemoteDataset(
        remote_id=remote_id,
        title=title,
        modified=_modified(graph, node, notes),
        remote_url=m.link(_uri(graph, node, DCAT.landingPage)) or (m.link(str(node)) if isinstance(node, URIRef) else None),
        # DCAT-AP makes a description mandatory; a publisher with none repeats the title (ketnoi does): not a description.
        description=description if description != title else None,
        license_id=_licence(graph, node, notes),
        topic=topic,
        update_frequency=FREQUENCIES.get(_uri(graph, node, DCTERMS.accrualPeriodicity) or ""),
        tags=m.tags(keywords, notes),
        resources=_distributions(graph, node, notes),
        notes=notes,
    )
    return m.finish(found)


def _modified(graph: Graph, node: Node, notes: list[str]) -> str | None:
    raw = _uri(graph, node, DCTERMS.modified)
    parsed = moment(raw)
    if raw and parsed is None:
        notes.append(f"Ngày sửa đổi «{raw[:40]}» không đọc được: so sánh theo nội dung.")
    return parsed.isoformat() if parsed else None


def _topic(graph: Graph, node: Node, keywords: list[str]) -> tuple[str | None, list[str]]:
    """Our topic when a keyword or a theme's label is one of our topics' names, or a theme stands for one topic only.
    A keyword that named the topic is not kept as a tag (ketnoi publishes an unmapped topic that way)."""
    for keyword in keywords:
        if keyword.casefold() in TOPIC_LABELS:
            return TOPIC_LABELS[keyword.casefold()], [k for k in keywords if k != keyword]
    for theme in graph.objects(node, DCAT.theme):
        for label in graph.objects(theme, SKOS.prefLabel):
            if str(label).casefold() in TOPIC_LABELS:
                return TOPIC_LABELS[str(label).casefold()], keywords
        if str(theme) in THEMES:
            return THEMES[str(theme)], keywords
    return None, keywords


def _licence(graph: Graph, node: Node, notes: list[str]) -> str | None:
    """dct:license of the dataset, or of its distributions (where DCAT-AP puts it)."""
    found = [str(v) for v in graph.objects(node, DCTERMS.license)]
    found += [str(v) for d in graph.objects(node, DCAT.distribution) for v in graph.objects(d, DCTERMS.license)]
    for uri in found:
        if uri in LICENCES:
            return LICENCES[uri]
    if found:
        notes.append(f"Giấy phép «{found[0][:80]}» không có trong danh mục giấy phép: để trống.")
    return None


def _distributions(graph: Graph, node: Node, notes: list[str]) -> list[RemoteResource]:
    found: list[RemoteResource] = []
    for dist in graph.objects(node, DCAT.distribution):
        made = m.resource(
            _uri(graph, dist, DCAT.downloadURL) or _uri(graph, dist, DCAT.accessURL),
            _text(graph, dist, DCTERMS.title),
            notes,
            description=_text(graph, dist, DCTERMS.description),
            format=_uri(graph, dist, DCTERMS.format),
            media_type=_uri(graph, dist, DCAT.mediaType),
            size=_uri(graph, dist, DCAT.byteSize),
            sha256=_checksum(graph, dist),
        )
        if made is not None:
            found.append(made)
    return sorted(found, key=lambda r: (r.url, r.name))  # the graph has no order; the fingerprint needs one


def _checksum(graph: Graph, dist: Node) -> str | None:
    for checksum in graph.objects(dist, SPDX.checksum):
        if isinstance(checksum, BNode | URIRef) and graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256:
            value = graph.value(checksum, SPDX.checksumValue)
            return str(value) if value is not None else None
    return None
