"""The DCAT-AP 3 catalog (Turtle, RDF/XML, JSON-LD) and the Data Package, read as a harvester reads them."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.identity import system_actor
from ketnoi.portal import dcat
from ketnoi.settings import get_settings
from ketnoi.sharing import registry
from ketnoi.sharing.schemas import ServiceIn
from tests import factories as f
from tests.portal.open_data import OpenData, build

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
FORMATS = {"ttl": ("turtle", "text/turtle"), "rdf": ("xml", "application/rdf+xml"), "jsonld": ("json-ld", "application/ld+json")}
PDF = b"%PDF-1.4\n% bao cao tong hop\n"


@dataclass
class World:
    data: OpenData
    pdf: uuid.UUID  # a file of the patents dataset, not loaded in the datastore
    service: uuid.UUID  # published, over the rice dataset
    draft: uuid.UUID  # never published


@pytest.fixture
def world(db: Session, tmp_path: Path) -> World:
    data = build(db, tmp_path)
    pdf = items.add_resource(db, actor=system_actor(), dataset_id=data.patents, name="Báo cáo tổng hợp", description="Bản PDF",
                             filename="bao_cao.pdf", stream=io.BytesIO(PDF), max_bytes=1 << 20)  # fmt: skip
    services = []
    for code in ("DV.KHCN.LUA", "DV.KHCN.NHAP"):
        values = {"code": code, "name": f"Tra cứu {code}", "owner_unit_id": data.unit_a, "dataset_id": data.rice, "data_items": ["ma"]}
        services.append(registry.create_service(db, actor=system_actor(), data=ServiceIn.model_validate(values)).service.id)
    registry.mark_ready(db, actor=system_actor(), service_id=services[0])
    registry.publish(db, actor=system_actor(), service_id=services[0])
    db.commit()
    return World(data, pdf.id, services[0], services[1])


def _uri(path: str) -> URIRef:
    return URIRef(get_settings().base_url.rstrip("/") + path)


def _get(client: TestClient, url: str, ext: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{FORMATS[ext][1]}; charset=utf-8"
    return Graph().parse(data=response.text, format=FORMATS[ext][0])


def _ask(graph: Graph, where: str, **bindings: Any) -> bool:
    prologue = "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/>"
    return bool(graph.query(f"{prologue} ASK {{ {where} }}", initBindings=bindings).askAnswer)


@pytest.mark.parametrize("ext", list(FORMATS))
def test_each_format_gives_the_mandatory_dcat_ap_classes_and_properties(client: TestClient, world: World, ext: str) -> None:
    graph = _get(client, f"/catalog.{ext}", ext)
    catalog = _uri("/catalog")
    assert _ask(graph, "?c a dcat:Catalog ; dct:title ?t ; dct:description ?d ; dct:publisher ?p . ?p foaf:name ?n", c=catalog)
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {
        _uri(f"/dataset/{d}") for d in (world.data.rice, world.data.patents, world.data.labs)
    }
    for dataset in graph.subjects(RDF.type, DCAT.Dataset):
        assert (catalog, DCAT.dataset, dataset) in graph
        assert _ask(graph, "?s dct:title ?t ; dct:description ?d ; dct:publisher ?p . ?p a foaf:Agent ; foaf:name ?n", s=dataset)
    distributions = set(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) == 2 and all(graph.value(d, DCAT.accessURL) for d in distributions)
    assert Literal("Giống lúa chịu mặn Đồng bằng sông Cửu Long", lang="vi") in set(graph.objects(None, DCTERMS.title))


def test_the_three_formats_give_the_same_graph(client: TestClient, world: World) -> None:
    def catalog_without_paging_links(ext: str) -> Graph:
        graph = _get(client, f"/catalog.{ext}", ext)
        view = graph.value(_uri("/catalog"), HYDRA.view)
        assert isinstance(view, URIRef) and str(view).endswith(f"/catalog.{ext}?page=1")  # a harvester stays in its format
        for triple in list(graph.triples((view, None, None))) + list(graph.triples((None, None, view))):
            graph.remove(triple)
        return graph

    turtle = catalog_without_paging_links("ttl")
    assert len(turtle) > 80
    assert isomorphic(turtle, catalog_without_paging_links("rdf")) and isomorphic(turtle, catalog_without_paging_links("jsonld"))
    one = [_get(client, f"/dataset/{world.data.patents}.{ext}", ext) for ext in FORMATS]
    assert isomorphic(one[0], one[1]) and isomorphic(one[0], one[2])
    assert (_uri(f"/dataset/{world.data.patents}"), RDF.type, DCAT.Dataset) in one[0]


def test_an_internal_dataset_is_never_published(client: TestClient, world: World) -> None:
    internal = world.data.internal
    for ext in FORMATS:
        assert str(internal) not in client.get(f"/catalog.{ext}").text
        assert "Lương cán bộ" not in client.get(f"/catalog.{ext}").text
        assert client.get(f"/dataset/{internal}.{ext}").status_code == 404
    assert client.get(f"/dataset/{internal}/datapackage.json").status_code == 404
    assert client.get(f"/dataset/{internal}", follow_redirects=False).status_code == 404
    assert client.get("/dataset/khong-co-bo-nay.ttl").status_code == 404


def test_a_dataset_maps_to_dcat_ap_terms(client: TestClient, world: World, db: Session) -> None:
    rice = db.get(Dataset, world.data.rice)
    assert rice is not None
    graph = _get(client, f"/dataset/{rice.slug}.ttl", "ttl")  # by slug; the URI keeps the id
    node = _uri(f"/dataset/{rice.id}")
    assert (node, DCAT.theme, URIRef(EU + "data-theme/TECH")) in graph
    assert (node, DCTERMS.accrualPeriodicity, URIRef(EU + "frequency/ANNUAL")) in graph
    assert (node, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC")) in graph
    assert {Literal("lúa gạo", lang="vi"), Literal("giống", lang="vi")} == set(graph.objects(node, DCAT.keyword))
    assert graph.value(node, DCAT.landingPage) == _uri(f"/open/datasets/{rice.slug}")
    assert graph.value(node, DCTERMS.identifier) == Literal(str(rice.id))
    contact = graph.value(node, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Organization) in graph and graph.value(contact, VCARD.hasEmail) == URIRef("mailto:cuc@most.gov.vn")
    publisher = graph.value(node, DCTERMS.publisher)
    assert publisher == _uri(f"/organization/{world.data.unit_a}")
    assert graph.value(publisher, FOAF.name) == Literal("Cục Thông tin khoa học và công nghệ quốc gia", lang="vi")
    # The loaded CSV: the export of the public's columns (the file holds a personal one), served by the data API too.
    table = _uri(f"/dataset/{rice.id}/resource/{world.data.resource}")
    export = _uri(f"/api/v1/resources/{world.data.resource}/export?format=csv")
    assert graph.value(table, DCAT.downloadURL) == export and graph.value(table, DCAT.accessURL) == export
    assert graph.value(table, DCTERMS.license) == URIRef(EU + "licence/CC_BY_4_0")
    assert graph.value(table, DCTERMS.format) == URIRef(EU + "file-type/CSV") and graph.value(table, DCAT.byteSize) is None
    api = graph.value(table, DCAT.accessService)
    assert graph.value(api, DCAT.endpointURL) == _uri(f"/api/v1/resources/{world.data.resource}/rows")
    assert (api, DCAT.servesDataset, node) in graph


def test_a_file_distribution_gives_its_size_checksum_and_format(client: TestClient, world: World, db: Session) -> None:
    graph = _get(client, f"/dataset/{world.data.patents}.jsonld", "jsonld")
    node = _uri(f"/dataset/{world.data.patents}")
    assert graph.value(node, DCTERMS.description) == Literal("Bằng độc quyền sáng chế", lang="vi")  # no description: the title
    assert (node, DCAT.theme, URIRef(EU + "data-theme/TECH")) in graph
    pdf = _uri(f"/dataset/{world.data.patents}/resource/{world.pdf}")
    assert graph.value(pdf, DCAT.downloadURL) == _uri(f"/api/v1/resources/{world.pdf}/download")
    assert graph.value(pdf, DCAT.byteSize) == Literal(len(PDF), datatype=XSD.nonNegativeInteger)
    assert graph.value(pdf, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/application/pdf")
    assert graph.value(pdf, DCTERMS.license) == URIRef(EU + "licence/CC0")
    checksum = graph.value(pdf, SPDX.checksum)
    resource = db.get(Resource, world.pdf)
    assert resource is not None and resource.sha256
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(graph.value(checksum, SPDX.checksumValue)) == resource.sha256
    assert graph.value(pdf, DCAT.accessService) is None  # not in the datastore: no data API


def test_a_published_sharing_service_is_a_data_service(client: TestClient, world: World) -> None:
    graph = _get(client, "/catalog.ttl", "ttl")
    services = set(graph.subjects(RDF.type, DCAT.DataService)) - set(graph.objects(None, DCAT.accessService))
    node = _uri(f"/service/{world.service}")
    assert services == {node} and (_uri("/catalog"), DCAT.service, node) in graph  # the draft is not published
    assert graph.value(node, DCAT.endpointURL) == _uri("/x/DV.KHCN.LUA/records")
    assert graph.value(node, DCAT.endpointDescription) == _uri(f"/api/v1/services/{world.service}/openapi.json")
    assert graph.value(node, DCAT.servesDataset) == _uri(f"/dataset/{world.data.rice}")
    assert graph.value(node, DCTERMS.accessRights) == URIRef(EU + "access-right/RESTRICTED")
    assert graph.value(node, DCTERMS.title) == Literal("Tra cứu DV.KHCN.LUA", lang="vi")


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dcat, "PAGE_SIZE", 1)


def _view(graph: Graph) -> URIRef:
    view = graph.value(_uri("/catalog"), HYDRA.view)
    assert isinstance(view, URIRef)
    assert (view, RDF.type, HYDRA.PartialCollectionView) in graph and (view, RDF.type, HYDRA.PagedCollection) in graph
    return view


@pytest.mark.usefixtures("small_pages")
def test_the_catalog_is_paged_the_hydra_way(client: TestClient, world: World) -> None:
    page = lambda n: _uri(f"/catalog.rdf?page={n}")  # noqa: E731
    graph = _get(client, "/catalog.rdf?page=2", "rdf")
    view = _view(graph)
    assert view == page(2) and len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 1
    assert graph.value(view, HYDRA.totalItems) == Literal(3) and graph.value(_uri("/catalog"), HYDRA.totalItems) == Literal(3)
    links = {p: graph.value(view, p) for p in (HYDRA.first, HYDRA.last, HYDRA.next, HYDRA.previous)}
    assert links == {HYDRA.first: page(1), HYDRA.last: page(3), HYDRA.next: page(3), HYDRA.previous: page(1)}
    last = _get(client, "/catalog.rdf?page=3", "rdf")
    assert last.value(_view(last), HYDRA.next) is None and last.value(_view(last), HYDRA.previous) == page(2)
    seen = set()
    for n in (1, 2, 3):  # every public dataset once, in the order they were created
        seen |= set(_get(client, f"/catalog.ttl?page={n}", "ttl").subjects(RDF.type, DCAT.Dataset))
    assert seen == {_uri(f"/dataset/{d}") for d in (world.data.rice, world.data.patents, world.data.labs)}
    assert client.get("/catalog.ttl?page=4").status_code == 404


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=-1", "page=²", "modified_since=hôm-qua", "modified_since=2026-13-01"])
def test_a_wrong_parameter_is_refused_with_400_in_vietnamese(client: TestClient, world: World, query: str) -> None:
    response = client.get(f"/catalog.ttl?{query}")
    assert response.status_code == 400
    assert "Tham số " + query.split("=")[0] + " phải là" in response.text


@pytest.mark.usefixtures("small_pages")
def test_modified_since_lists_only_datasets_changed_since(client: TestClient, world: World, db: Session) -> None:
    old = datetime(2025, 1, 1, tzinfo=UTC)
    db.execute(update(Dataset).where(Dataset.id != world.data.labs).values(updated_at=old))
    db.commit()
    graph = _get(client, "/catalog.ttl?modified_since=2025-06-01", "ttl")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {_uri(f"/dataset/{world.data.labs}")}
    view = _view(graph)
    assert graph.value(view, HYDRA.totalItems) == Literal(1) and graph.value(view, HYDRA.next) is None
    assert "modified_since=2025-06-01T00%3A00%3A00%2B00%3A00" in str(view)  # the paging links keep the filter
    everything = _get(client, "/catalog.ttl?modified_since=2024-12-31T23:00:00%2B07:00", "ttl")  # before the old stamp, in UTC
    assert everything.value(_view(everything), HYDRA.totalItems) == Literal(3)


def test_the_datapackage_lists_the_public_columns_and_files(client: TestClient, world: World, db: Session) -> None:
    rice = db.get(Dataset, world.data.rice)
    assert rice is not None
    package = client.get(f"/dataset/{rice.id}/datapackage.json").json()
    assert client.get(f"/dataset/{rice.slug}/datapackage.json").json() == package
    assert package["profile"] == "tabular-data-package" and package["name"] == rice.slug
    assert package["title"] == rice.name and package["description"] == "Các đề tài về giống lúa chịu mặn."
    assert package["homepage"].endswith(f"/open/datasets/{rice.slug}") and package["keywords"] == ["lúa gạo", "giống"]
    assert package["licenses"] == [
        {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "Creative Commons Ghi công 4.0 (CC BY 4.0)"}
    ]
    assert package["created"].endswith("Z") and package["modified"].endswith("Z")
    [resource] = package["resources"]
    assert resource["name"] == "danh-sach-de-tai" and resource["format"] == "csv" and resource["profile"] == "tabular-data-resource"
    assert resource["path"] == str(_uri(f"/api/v1/resources/{world.data.resource}/export?format=csv"))
    names = [field["name"] for field in resource["schema"]["fields"]]
    assert names == ["ma", "tinh", "nam", "kinh_phi"] and "ho_ten" not in names  # the personal column is not published
    assert all({"name", "type"} <= set(field) for field in resource["schema"]["fields"])
    exported = client.get(resource["path"].removeprefix(get_settings().base_url.rstrip("/")))
    assert exported.status_code == 200 and exported.text.lstrip("\ufeff").splitlines()[0] == ",".join(names)  # the schema fits the file


def test_a_datapackage_of_files_gives_their_hash_and_size(client: TestClient, world: World, db: Session) -> None:
    items.add_resource(db, actor=system_actor(), dataset_id=world.data.patents, name="Báo cáo tổng hợp", description=None,
                       filename="bao_cao_2.pdf", stream=io.BytesIO(PDF + b"2"), max_bytes=1 << 20)  # fmt: skip
    db.commit()
    package = client.get(f"/dataset/{world.data.patents}/datapackage.json").json()
    assert package["profile"] == "data-package" and "description" not in package
    first, second = package["resources"]
    assert [first["name"], second["name"]] == ["bao-cao-tong-hop", "bao-cao-tong-hop-2"]  # unique within the package
    resource = db.get(Resource, world.pdf)
    assert resource is not None
    assert first["hash"] == f"sha256:{resource.sha256}" and first["bytes"] == len(PDF) and "schema" not in first
    assert first["path"] == str(_uri(f"/api/v1/resources/{world.pdf}/download")) and first["mediatype"] == "application/pdf"


def test_the_dataset_uri_sends_a_browser_to_the_portal_page(client: TestClient, world: World, db: Session) -> None:
    slug = db.scalar(select(Dataset.slug).where(Dataset.id == world.data.labs))
    for ref in (str(world.data.labs), slug):
        response = client.get(f"/dataset/{ref}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].endswith(f"/open/datasets/{slug}")


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_a_catalog_page_reads_a_handful_of_queries_whatever_its_size(
    client: TestClient, world: World, db: Session, statements: list[str]
) -> None:
    def queries_for_a_page() -> int:
        statements.clear()
        assert client.get("/catalog.ttl").status_code == 200
        return len(statements)

    few = queries_for_a_page()
    base = f.database(db, f.unit(db, "Viện Năng lượng nguyên tử", email="vien@example.vn"))
    for n in range(6):
        dataset = f.dataset(db, base, f"Quan trắc phóng xạ {n}", visibility="public", topic="nang-luong-nguyen-tu").dataset
        items.add_resource(db, actor=system_actor(), dataset_id=dataset.id, name=f"Số liệu {n}", description=None,
                           filename=f"so_lieu_{n}.pdf", stream=io.BytesIO(PDF), max_bytes=1 << 20)  # fmt: skip
    db.commit()
    assert queries_for_a_page() == few <= 15
