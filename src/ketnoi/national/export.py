"""What the national data portal takes from us: the listing of published sharing services with the
fields Decree 47 art. 24–25 publishes, and the whole open-data catalog as DCAT-AP.

The listing (`services_listing`) is a JSON document whose shape is `services.schema.json` beside
this module (schema id SCHEMA_ID): stable English keys, the Vietnamese meaning of each in the
schema's titles and in docs/national.md. It holds only what the public may read (the published and
changed services, through the registry's public view), so it can be served and pushed as is.

The DCAT-AP catalog (`dcat_catalog`) is portal.dcat's, all pages joined into one graph with the
Hydra paging left out: the portal receives one document, not a page of one.

A `Bundle` is both, with a fingerprint: the SHA-256 of a canonical form that leaves out
`generated_at` (the services as sorted compact JSON, the graph as sorted N-Triples, where blank
nodes get names from their content: canonical_triples), so the same catalogs always give the same fingerprint
and an unchanged catalog is not pushed twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT
from rdflib.term import Node
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog.models import DataItem
from ketnoi.kit import nodekey
from ketnoi.kit.clock import utcnow
from ketnoi.org.models import Organization, OrgKind
from ketnoi.portal import dcat, links
from ketnoi.sharing import registry
from ketnoi.sharing.registry import ServiceView

SCHEMA_ID = "ketnoi/national-services/1"
SCHEMA_FILE = Path(__file__).with_name("services.schema.json")


@dataclass(frozen=True)
class Bundle:
    services: dict[str, Any]  # the listing (services_listing)
    turtle: bytes  # the whole DCAT-AP catalog
    jsonld: bytes  # the same graph as JSON-LD
    fingerprint: str  # hex SHA-256 of the canonical form of both, generated_at left out
    datasets: int  # dcat:Dataset nodes in the catalog

    @property
    def service_count(self) -> int:
        return len(self.services["services"])


def schema() -> dict[str, Any]:
    """The JSON Schema of the listing (what the portal may validate it with)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def node_info(session: Session) -> dict[str, Any]:
    """This platform as the national portal knows it: the ministry, its addresses, its signing keys."""
    query = select(Organization).where(Organization.parent_id.is_(None), Organization.kind == OrgKind.UNIT)
    ministry = session.scalar(query.order_by(Organization.created_at, Organization.id).limit(1))
    base = links.base()
    return {
        "name": ministry.name if ministry else "Nền tảng dữ liệu ketnoi",
        "agency_code": ministry.agency_code if ministry else None,
        "base_url": base,
        "catalog_url": f"{base}/catalog.ttl",
        "services_url": f"{base}/api/v1/national/services.json",
        "jwks_url": f"{base}/.well-known/jwks.json",
        "key_ids": sorted(nodekey.public_keys()),
    }


def services_listing(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """The published services, each with the fields art. 24–25 publishes, ordered by code."""
    views = sorted(registry.list_services(session, actor=PUBLIC), key=lambda v: v.service.code)
    dataset_ids = {v.service.dataset_id for v in views if v.service.dataset_id}
    items: dict[tuple[Any, str], DataItem] = {}
    if dataset_ids:
        for item in session.scalars(select(DataItem).where(DataItem.dataset_id.in_(dataset_ids))):
            items[(item.dataset_id, item.name)] = item
    return {
        "schema": SCHEMA_ID,
        "node": node_info(session),
        "generated_at": (now or utcnow()).isoformat(),
        "services": [_service(view, items) for view in views],
    }


def _service(view: ServiceView, items: dict[tuple[Any, str], DataItem]) -> dict[str, Any]:
    service, owner, focal = view.service, view.owner, view.focal_point
    base = links.base()
    data_items = []
    for name in service.data_items:
        item = items.get((service.dataset_id, name))
        data_items.append({"name": name, "title": item.title if item else name, "personal": bool(item and item.is_personal)})
    return {
        "id": str(service.id),
        "code": service.code,
        "name": service.name,
        "description": service.description,
        "owner": {"name": owner.name, "agency_code": owner.agency_code, "email": owner.email},
        "focal_point": {"name": focal.full_name, "position": focal.position, "email": focal.email, "phone": focal.phone} if focal else None,
        "sharing_form": service.sharing_form,
        "method": service.method,
        "data_items": data_items,
        "exchange_structure": service.exchange_schema,
        "openapi_url": f"{base}/api/v1/services/{service.id}/openapi.json",
        "usage_regulation": service.usage_regulation,
        "capacity": {"rate_limit_per_minute": service.rate_limit_per_minute, "availability": service.availability},
        "status": service.status,
        "published_at": _moment(service.published_at),
        "updated_at": _moment(service.updated_at),
        "endpoint_url": f"{base}/x/{quote(service.code)}/records",
        "jwks_url": f"{base}/.well-known/jwks.json",
    }


def catalog_graph(session: Session) -> Graph:
    """Every page of the public DCAT-AP catalog in one graph, without the Hydra paging."""
    whole = Graph()
    for prefix, namespace in dcat.PREFIXES.items():
        whole.bind(prefix, namespace)
    page, last = 1, 1
    while page <= last:
        graph = dcat.catalog_graph(session, ext="ttl", page=page, since=None)
        catalog = URIRef(f"{links.base()}/catalog")
        total = graph.value(catalog, dcat.HYDRA.totalItems)
        last = max(1, -(-int(total.toPython()) // dcat.PAGE_SIZE)) if isinstance(total, Literal) else 1
        for view in list(graph.objects(catalog, dcat.HYDRA.view)):
            graph.remove((view, None, None))
        for predicate in (dcat.HYDRA.view, dcat.HYDRA.totalItems):
            graph.remove((catalog, predicate, None))
        graph.remove((catalog, RDF.type, dcat.HYDRA.Collection))
        whole += graph
        page += 1
    return whole


def serialize(graph: Graph, rdf_format: str) -> bytes:
    if rdf_format == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in dcat.PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, encoding="utf-8")
    return graph.serialize(format=rdf_format, encoding="utf-8")


def dcat_catalog(session: Session) -> bytes:
    """The whole open-data catalog as one Turtle document."""
    return serialize(catalog_graph(session), "turtle")


def fingerprint(services: dict[str, Any], graph: Graph) -> str:
    digest = hashlib.sha256()
    listing = {key: value for key, value in services.items() if key != "generated_at"}
    digest.update(json.dumps(listing, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    for line in canonical_triples(graph):
        digest.update(b"\n" + line.encode())
    return digest.hexdigest()


def canonical_triples(graph: Graph) -> list[str]:
    """The graph as sorted N-Triples lines, each blank node named by what it says and who points to it.

    Enough for the catalog's blank nodes (a distribution's checksum: a leaf that one node points to);
    rdflib.compare's general canonicalisation would do for any graph, but takes minutes on a catalog
    of a few thousand datasets, and this runs every minute."""
    labels: dict[BNode, str] = {}
    for node in {n for n in graph.all_nodes() if isinstance(n, BNode)}:
        said = sorted(f"{p.n3()} {'_' if isinstance(o, BNode) else o.n3()}" for p, o in graph.predicate_objects(node))
        pointed = sorted(f"{'_' if isinstance(s, BNode) else s.n3()} {p.n3()}" for s, p in graph.subject_predicates(node))
        labels[node] = "_:b" + hashlib.sha256("\n".join(pointed + said).encode()).hexdigest()[:32]

    def term(value: Node) -> str:
        return labels[value] if isinstance(value, BNode) else value.n3()

    return sorted(f"{term(s)} {term(p)} {term(o)} ." for s, p, o in graph)


def bundle(session: Session, *, now: datetime | None = None) -> Bundle:
    services = services_listing(session, now=now)
    graph = catalog_graph(session)
    datasets = sum(1 for _ in graph.subjects(RDF.type, DCAT.Dataset))
    return Bundle(services, serialize(graph, "turtle"), serialize(graph, "json-ld"), fingerprint(services, graph), datasets)
