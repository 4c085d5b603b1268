"""DCAT-AP and Data Package documents of the open data catalog, and the dataset URIs they name.

`/catalog.{ttl,rdf,jsonld}` is the paged catalog, `/dataset/{ref}.{ttl,rdf,jsonld}` one dataset
(`ref`: its id or its slug) and `/dataset/{ref}/datapackage.json` its Frictionless Data Package.
`/dataset/{id}` is the dataset's URI in the graphs: it sends a browser on to the portal page
(303, "see other": the URI names the dataset, the page describes it). The suffixed routes are
declared before the bare one, whose `{ref}` would otherwise match `x.ttl` too.

Everything is the public's view, whoever asks (portal.published). Query parameters are read here
as text, so that a wrong one gets a 400 that says what is expected, in Vietnamese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rdflib import Graph

from ketnoi.kit.errors import BadRequest
from ketnoi.portal import dcat, links, published
from ketnoi.portal.datapackage import datapackage
from ketnoi.web.deps import DB

router = APIRouter()

PageParam = Annotated[str | None, Query(max_length=20, description="Trang (từ 1)")]
SinceParam = Annotated[
    str | None, Query(max_length=40, description="Chỉ các bộ dữ liệu sửa đổi từ thời điểm này (ISO 8601; không có múi giờ: UTC)")
]


@dataclass(frozen=True)
class Serialization:
    rdflib_format: str
    media_type: str


SERIALIZATIONS = {
    "ttl": Serialization("turtle", "text/turtle; charset=utf-8"),
    "rdf": Serialization("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": Serialization("json-ld", "application/ld+json; charset=utf-8"),
}


def parse_page(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
        raise BadRequest("Tham số page phải là số nguyên từ 1 trở lên.", fields={"page": raw})
    return int(raw)


def parse_since(raw: str | None) -> datetime | None:
    """An ISO 8601 date or moment; without an offset it is taken as UTC."""
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        msg = "Tham số modified_since phải là ngày hoặc thời điểm ISO 8601, ví dụ 2026-01-31 hoặc 2026-01-31T08:00:00+07:00."
        raise BadRequest(msg, fields={"modified_since": raw}) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def rdf_response(graph: Graph, ext: str) -> Response:
    chosen = SERIALIZATIONS[ext]
    if chosen.rdflib_format == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in dcat.PREFIXES.items()}
        body = graph.serialize(format="json-ld", context=context, encoding="utf-8")
    else:
        body = graph.serialize(format=chosen.rdflib_format, encoding="utf-8")
    return Response(body, media_type=chosen.media_type)


def _catalog(db: DB, ext: str, page: str | None, modified_since: str | None) -> Response:
    graph = dcat.catalog_graph(db, ext=ext, page=parse_page(page), since=parse_since(modified_since))
    return rdf_response(graph, ext)


@router.get("/catalog.ttl", summary="Danh mục dữ liệu mở (DCAT-AP, Turtle)")
def catalog_ttl(db: DB, page: PageParam = None, modified_since: SinceParam = None) -> Response:
    return _catalog(db, "ttl", page, modified_since)


@router.get("/catalog.rdf", summary="Danh mục dữ liệu mở (DCAT-AP, RDF/XML)")
def catalog_rdf(db: DB, page: PageParam = None, modified_since: SinceParam = None) -> Response:
    return _catalog(db, "rdf", page, modified_since)


@router.get("/catalog.jsonld", summary="Danh mục dữ liệu mở (DCAT-AP, JSON-LD)")
def catalog_jsonld(db: DB, page: PageParam = None, modified_since: SinceParam = None) -> Response:
    return _catalog(db, "jsonld", page, modified_since)


@router.get("/dataset/{ref}.ttl", summary="Bộ dữ liệu (DCAT-AP, Turtle)")
def dataset_ttl(db: DB, ref: str) -> Response:
    return rdf_response(dcat.dataset_graph(db, ref=ref), "ttl")


@router.get("/dataset/{ref}.rdf", summary="Bộ dữ liệu (DCAT-AP, RDF/XML)")
def dataset_rdf(db: DB, ref: str) -> Response:
    return rdf_response(dcat.dataset_graph(db, ref=ref), "rdf")


@router.get("/dataset/{ref}.jsonld", summary="Bộ dữ liệu (DCAT-AP, JSON-LD)")
def dataset_jsonld(db: DB, ref: str) -> Response:
    return rdf_response(dcat.dataset_graph(db, ref=ref), "jsonld")


@router.get("/dataset/{ref}/datapackage.json", summary="Bộ dữ liệu (Frictionless Data Package)")
def dataset_datapackage(db: DB, ref: str) -> JSONResponse:
    return JSONResponse(datapackage(db, ref=ref))


@router.get("/dataset/{ref}", summary="URI của bộ dữ liệu: chuyển tới trang của nó trên cổng dữ liệu mở")
def dataset_uri(db: DB, ref: str) -> RedirectResponse:
    dataset = published.public_dataset(db, ref)
    return RedirectResponse(links.dataset_page(dataset.slug), status_code=303)
