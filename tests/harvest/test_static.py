"""Harvesting documents served by a tiny local web server: a plain CKAN's answers, DCAT pages, broken sources."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.harvest import importer
from ketnoi.harvest import remote as remote_module
from ketnoi.harvest.models import HarvestSource
from ketnoi.harvest.remote import RemoteResource
from ketnoi.kit.errors import Invalid
from ketnoi.settings import get_settings
from tests.harvest.conftest import Static, Target
from tests.harvest.helpers import SHA, ckan_answer, counts, harvest, package, source


def test_a_package_without_a_title_is_recorded_and_the_others_are_imported_with_what_can_be_kept(
    db: Session, static: Static, target: Target
) -> None:
    first, bad, last = "2026-03-01T08:00:00.000001", "2026-03-02T08:00:00.000002", "2026-03-03T08:00:00.000003"
    ckan_answer(static, [package(1, first), package(2, bad, title=""), package(3, last)])
    made = source(db, target, static.url)
    run = harvest(db, made.id)
    assert run.status == "done" and counts(run) == (2, 0, 0, 1)
    errors = [m for m in run.messages if m["level"] == "error"]
    assert errors == [{"remote_id": "goi-2", "title": "", "level": "error", "text": "Bộ dữ liệu không có tên (title): không nhập."}]
    notes = {m["text"] for m in run.messages if m["level"] == "note"}
    assert "Nhóm «environment» không phải một lĩnh vực của danh mục: để trống lĩnh vực." in notes
    assert "Bỏ tài nguyên «Độc hại»: không có địa chỉ http(s) hợp lệ." in notes
    ds = db.scalar(select(Dataset).where(Dataset.slug == "goi-du-lieu-1"))
    assert ds is not None and (ds.license_id, ds.topic, ds.update_frequency) == ("cc0-1.0", None, "monthly")
    assert sorted(ds.tags) == ["môi trường", "nước"]
    (link,) = db.scalars(select(Resource).where(Resource.dataset_id == ds.id))
    assert (link.url, link.format, link.media_type, link.size, link.sha256) == ("https://example.org/1.csv", "CSV", "text/csv", 1234, SHA)
    # A package refused for what it is would be refused again: the mark passes it (only a failure of
    # the database, which may pass, holds the mark back), and the run's messages keep the refusal.
    assert db.get_one(HarvestSource, made.id).high_water == last
    searches = [parse_qs(urlsplit(path).query) for path in static.asked]
    assert "fq" not in searches[0] and searches[0]["sort"] == ["metadata_modified asc"]

    again = harvest(db, made.id)
    assert counts(again) == (0, 0, 2, 1)
    asked = parse_qs(urlsplit(static.asked[-2]).query)  # the datasets (the last request lists the ids, for withdrawals)
    assert asked["fq"] == ["metadata_modified:[2026-03-03T08:00:00.000Z TO *]"]


def test_a_remote_dataset_taking_a_name_used_here_gets_a_free_variant(db: Session, static: Static, target: Target) -> None:
    from tests import factories as f

    f.dataset(db, target.database, "Dữ liệu đã có", slug="goi-du-lieu-1")
    db.commit()
    ckan_answer(static, [package(1, "2026-03-01T08:00:00")])
    run = harvest(db, source(db, target, static.url).id)
    assert counts(run) == (1, 0, 0, 0)
    assert db.scalar(select(Dataset.slug).where(Dataset.name == "Gói dữ liệu 1")) == "goi-du-lieu-1-2"


PAGE = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{base}/catalog> a dcat:Catalog ; dcat:dataset <{base}/ds/{n}> .
<{base}/ds/{n}> a dcat:Dataset ; dct:identifier "ds-{n}" ; dct:title "Bộ số {n}"@vi, "Set {n}"@en ;
  dct:modified "2026-0{n}-01T00:00:00+07:00"^^xsd:dateTime ; dcat:keyword "thử"@vi ;
  dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://example.org/{n}> ; dcat:byteSize 10 ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/JSON> ] .
<{base}/page{n}> a hydra:PagedCollection {next} .
"""


def _dcat_page(static: Static, n: int, following: int | None) -> None:
    link = f"; hydra:next <{static.url}/page{following}>" if following else ""
    static.documents[f"/page{n}"] = ("text/turtle", PAGE.format(base=static.url, n=n, next=link).encode())


def test_dcat_pages_are_followed_to_the_last_and_a_page_pointing_back_fails_the_run(db: Session, static: Static, target: Target) -> None:
    _dcat_page(static, 1, 2)
    _dcat_page(static, 2, None)
    made = source(db, target, static.url + "/page1", kind="dcat")
    run = harvest(db, made.id)
    assert run.status == "done" and counts(run) == (2, 0, 0, 0)
    ds = db.scalar(select(Dataset).where(Dataset.name == "Bộ số 1"))  # the Vietnamese title of two
    assert ds is not None and ds.tags == ["thử"]
    (link,) = db.scalars(select(Resource).where(Resource.dataset_id == ds.id))
    assert (link.url, link.format, link.size) == ("https://example.org/1", "JSON", 10)
    assert db.get_one(HarvestSource, made.id).high_water == "2026-01-31T17:00:00+00:00"  # read whole: the newest, in UTC

    _dcat_page(static, 2, 1)
    looped = harvest(db, made.id, full=True)
    assert looped.status == "failed" and looped.error is not None and "trỏ lại trang đã đọc" in looped.error
    assert counts(looped) == (0, 0, 2, 0)


def test_a_json_ld_catalog_naming_a_remote_context_is_refused(db: Session, static: Static, target: Target) -> None:
    document = {"@context": "https://example.org/context.jsonld", "@graph": []}
    static.documents["/catalog.jsonld"] = ("application/ld+json", json.dumps(document).encode())
    run = harvest(db, source(db, target, static.url + "/catalog.jsonld", kind="dcat").id)
    assert run.status == "failed" and run.error is not None and "@context" in run.error


def test_an_answer_larger_than_the_cap_is_not_read(db: Session, static: Static, target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    ckan_answer(static, [package(n, "2026-03-01T08:00:00", notes="x" * 100_000) for n in range(1, 12)])  # 1.1 MB
    monkeypatch.setattr(remote_module, "MAX_BYTES", 1 << 20)
    run = harvest(db, source(db, target, static.url).id)
    assert run.status == "failed" and run.error == "Phản hồi của nguồn lớn hơn giới hạn 1 MB: không đọc."
    assert db.scalar(select(Dataset.id)) is None


def test_without_the_setting_a_source_on_this_machine_is_refused_when_run(
    db: Session, static: Static, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = source(db, target, static.url)
    monkeypatch.setattr(get_settings(), "harvest_allow_private", False)
    run = harvest(db, made.id)
    assert run.status == "failed" and run.error == "Máy chủ 127.0.0.1 thuộc mạng nội bộ: không được phép thu thập từ đó."
    assert static.asked == []


def test_an_updated_dataset_has_its_links_made_the_remotes_and_a_failure_halfway_leaves_no_half_dataset(
    db: Session, static: Static, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = [{"url": "https://example.org/a.csv", "name": "A"}, {"url": "https://example.org/b.csv", "name": "B"}]
    ckan_answer(static, [package(1, "2026-03-01T08:00:00", resources=two)])
    made = source(db, target, static.url)
    assert counts(harvest(db, made.id)) == (1, 0, 0, 0)
    changed = [{"url": "https://example.org/b.csv", "name": "B (2026)"}, {"url": "https://example.org/c.csv", "name": "C"}]
    ckan_answer(static, [package(1, "2026-03-05T08:00:00", resources=changed)])
    assert counts(harvest(db, made.id)) == (0, 1, 0, 0)
    ds = db.scalar(select(Dataset).where(Dataset.slug == "goi-du-lieu-1"))
    assert ds is not None
    assert sorted((r.url, r.name) for r in db.scalars(select(Resource).where(Resource.dataset_id == ds.id))) == [
        ("https://example.org/b.csv", "B (2026)"),
        ("https://example.org/c.csv", "C"),
    ]

    original = importer.sync_resources

    def failing(session: Session, actor: Actor, dataset: Dataset, remotes: list[RemoteResource]) -> None:
        original(session, actor, dataset, remotes)
        if dataset.name == "Gói dữ liệu 2":
            raise Invalid("Hỏng giữa chừng.")

    monkeypatch.setattr(importer, "sync_resources", failing)
    ckan_answer(static, [package(2, "2026-03-06T08:00:00"), package(3, "2026-03-07T08:00:00")])
    run = harvest(db, made.id)
    assert counts(run) == (1, 0, 0, 1) and run.messages[0]["text"] == "Hỏng giữa chừng."
    assert db.scalar(select(Dataset).where(Dataset.name == "Gói dữ liệu 2")) is None  # its dataset and links rolled back together
    assert db.scalar(select(func.count()).select_from(Resource).where(Resource.url == "https://example.org/2.csv")) == 0
