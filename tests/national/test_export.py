"""What the national portal takes: the service listing (art. 24–25 fields, public services only, valid
against the published JSON Schema), the whole DCAT-AP catalog, and a fingerprint that moves only on change."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT
from sqlalchemy.orm import Session

from ketnoi.catalog import datasets
from ketnoi.catalog.schemas import DatasetPatch
from ketnoi.kit import nodekey
from ketnoi.kit.clock import utcnow
from ketnoi.national import export
from ketnoi.portal import dcat
from ketnoi.sharing import registry
from tests import factories as f
from tests.national.conftest import Setting, appoint, published

FIELDS = {
    "id", "code", "name", "description", "owner", "focal_point", "sharing_form", "method", "data_items", "exchange_structure",
    "openapi_url", "usage_regulation", "capacity", "status", "published_at", "updated_at", "endpoint_url", "jwks_url",
}  # fmt: skip


def _validate(document: dict[str, object]) -> None:
    checker = jsonschema.Draft202012Validator(export.schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    checker.validate(document)


def test_the_listing_has_every_art_24_25_field_of_a_published_service_and_nothing_of_a_draft(db: Session, setting: Setting) -> None:
    appoint(db, setting)
    service = published(db, setting, description="Tra cứu theo mã.", availability="24/7, 99,5 %").service
    registry.create_service(db, actor=setting.steward, data=setting.service_in(code="DV.NHAP", name="Dịch vụ đang soạn"))
    db.commit()
    listing = export.services_listing(db)
    [entry] = listing["services"]
    assert set(entry) == FIELDS
    assert (entry["code"], entry["name"], entry["description"], entry["status"]) == (
        "DV.KHCN.NHIEMVU", "Tra cứu nhiệm vụ khoa học và công nghệ", "Tra cứu theo mã.", "published",
    )  # fmt: skip
    assert entry["owner"]["name"] == "Cục Thông tin khoa học và công nghệ quốc gia"
    assert entry["focal_point"] == {"name": "Nguyễn Thị Hoa", "position": "Phó Giám đốc", "email": "hoa@most.gov.vn",
                                    "phone": "024 3943 1234"}  # fmt: skip
    assert (entry["sharing_form"], entry["method"]) == ("default_shared", "live_call")
    assert entry["data_items"] == [
        {"name": "ma_nhiem_vu", "title": "Mã nhiệm vụ", "personal": False},
        {"name": "ten_nhiem_vu", "title": "Tên nhiệm vụ", "personal": False},
    ]
    assert set(entry["exchange_structure"]["properties"]) == {"ma_nhiem_vu", "ten_nhiem_vu"}
    assert entry["usage_regulation"] == "Chỉ dùng cho công tác quản lý nhà nước."
    assert entry["capacity"] == {"rate_limit_per_minute": 600, "availability": "24/7, 99,5 %"}
    assert entry["published_at"] is not None and entry["updated_at"] is not None
    assert entry["endpoint_url"].endswith("/x/DV.KHCN.NHIEMVU/records")
    assert entry["openapi_url"].endswith(f"/api/v1/services/{service.id}/openapi.json")
    assert entry["jwks_url"].endswith("/.well-known/jwks.json")
    assert listing["node"]["key_ids"] == [nodekey.node_key().key_id]
    _validate(listing)


def test_a_personal_item_is_flagged_from_the_data_dictionary(db: Session, setting: Setting) -> None:
    published(db, setting, sharing_form="specific_request", data_items=["ma_nhiem_vu", "chu_nhiem"])
    [entry] = export.services_listing(db)["services"]
    assert [(i["name"], i["personal"]) for i in entry["data_items"]] == [("ma_nhiem_vu", False), ("chu_nhiem", True)]
    _validate(export.services_listing(db))


def test_the_schema_refuses_a_listing_missing_a_field(db: Session, setting: Setting) -> None:
    published(db, setting)
    listing = export.services_listing(db)
    del listing["services"][0]["usage_regulation"]
    with pytest.raises(jsonschema.ValidationError, match="usage_regulation"):
        _validate(listing)


def test_the_public_endpoint_serves_the_listing_and_its_schema(db: Session, setting: Setting, api: TestClient) -> None:
    published(db, setting)
    db.commit()
    served = api.get("/api/v1/national/services.json").json()
    assert [s["code"] for s in served["services"]] == ["DV.KHCN.NHIEMVU"]
    assert api.get("/api/v1/national/services.schema.json").json()["$id"] == export.SCHEMA_ID


def test_the_fingerprint_is_stable_and_moves_with_a_publication(db: Session, setting: Setting) -> None:
    published(db, setting)
    db.commit()
    first = export.bundle(db)
    again = export.bundle(db, now=utcnow() + timedelta(hours=3))  # another generated_at: the same catalogs
    assert first.services["generated_at"] != again.services["generated_at"]
    assert first.fingerprint == again.fingerprint
    published(db, setting, code="DV.KHCN.HAI", name="Dịch vụ thứ hai")
    db.commit()
    assert export.bundle(db).fingerprint != first.fingerprint


def test_the_fingerprint_moves_when_a_dataset_is_made_public(db: Session, setting: Setting) -> None:
    before = export.bundle(db)
    datasets.update_dataset(db, actor=setting.admin, dataset_id=setting.dataset.id, patch=DatasetPatch(visibility="public"))
    db.commit()
    after = export.bundle(db)
    assert (before.datasets, after.datasets) == (0, 1)
    assert after.fingerprint != before.fingerprint


def test_the_dcat_catalog_joins_every_page_without_the_paging(db: Session, setting: Setting, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    database = f.database(db, setting.unit, "Dữ liệu mở")
    for number in range(5):
        f.dataset(db, database, f"Bộ dữ liệu mở {number}", visibility="public")
    published(db, setting)
    db.commit()
    graph = Graph().parse(data=export.dcat_catalog(db), format="turtle")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 5  # three pages of 2
    assert len(set(graph.subjects(RDF.type, DCAT.DataService))) == 1
    assert not [t for t in graph if "hydra" in str(t[1]) or "hydra" in str(t[2])]
    jsonld = json.loads(export.serialize(export.catalog_graph(db), "json-ld"))
    assert "@graph" in jsonld or "@id" in jsonld


def test_blank_nodes_do_not_move_the_fingerprint_but_their_content_does() -> None:
    def graph(checksum: str) -> Graph:
        made = Graph()
        node = BNode()  # a new blank node id each time, as rdflib makes them
        made.add((URIRef("http://example.org/phan-phoi/1"), dcat.SPDX.checksum, node))
        made.add((node, dcat.SPDX.checksumValue, Literal(checksum)))
        return made

    listing = {"schema": export.SCHEMA_ID, "services": []}
    assert export.fingerprint(listing, graph("ab12")) == export.fingerprint(listing, graph("ab12"))
    assert export.fingerprint(listing, graph("ab12")) != export.fingerprint(listing, graph("cd34"))
