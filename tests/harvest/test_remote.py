"""Harvesting a second ketnoi running on 127.0.0.1 (its own process and database), by CKAN and by DCAT."""

from __future__ import annotations

from rdflib import RDF
from rdflib.namespace import DCAT
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.harvest import dcat
from ketnoi.harvest.models import HarvestedDataset, HarvestSource
from ketnoi.harvest.remote import Fetcher
from tests.harvest.conftest import Remote, Target, free_port
from tests.harvest.helpers import counts, harvest, source

RICE = "Giống lúa chịu mặn Đồng bằng sông Cửu Long"
PATENTS = "Bằng độc quyền sáng chế"


def _local(db: Session) -> dict[str, Dataset]:
    """The local copies, by their remote id."""
    pairs = db.execute(select(HarvestedDataset.remote_id, Dataset).join(Dataset, Dataset.id == HarvestedDataset.dataset_id)).tuples()
    return dict(pairs.all())


def _links(db: Session, dataset: Dataset) -> list[Resource]:
    return list(db.scalars(select(Resource).where(Resource.dataset_id == dataset.id)))


def test_ckan_harvest_copies_the_public_datasets_with_links_and_tags_and_running_again_changes_nothing(
    db: Session, remote: Remote, target: Target
) -> None:
    published = {p["id"]: p for p in remote.packages()}
    assert len(published) == 3 and "Lương cán bộ" not in {p["title"] for p in published.values()}  # the internal one is not offered
    made = source(db, target, remote.url + "/api/3/action")
    first = harvest(db, made.id)
    assert first.status == "done", first.error
    assert counts(first) == (3, 0, 0, 0)
    local = _local(db)
    assert local.keys() == published.keys()
    for remote_id, package in published.items():
        ds = local[remote_id]
        assert (ds.name, ds.slug, ds.description or "") == (package["title"], package["name"], package["notes"])
        assert (ds.visibility, ds.database_id, ds.license_id) == ("public", target.database.id, package["license_id"])
        assert sorted(ds.tags) == sorted(t["name"] for t in package["tags"])
        assert ds.topic == package["groups"][0]["name"]
        resources = _links(db, ds)
        assert sorted((r.url, r.name, r.sha256, r.size) for r in resources) == sorted(
            (r["url"], r["name"], r["hash"], r["size"]) for r in package["resources"]
        )
        assert all(r.storage_key is None and r.url and r.url.startswith(remote.url) for r in resources)  # links, nothing downloaded
    assert local[remote.ids[RICE]].update_frequency == "annual"
    link = db.scalar(select(HarvestedDataset).where(HarvestedDataset.remote_id == remote.ids[RICE]))
    assert link is not None and link.remote_url == f"{remote.url}/dataset/giong-lua-chiu-man-dong-bang-song-cuu-long"
    creator = db.scalar(
        select(AuditEvent.actor_label).where(AuditEvent.entity_id == local[remote.ids[RICE]].id, AuditEvent.action == "create")
    )
    assert creator == "harvest:Cổng dữ liệu thử"
    assert db.get_one(HarvestSource, made.id).high_water == max(p["metadata_modified"] for p in published.values())

    again = harvest(db, made.id)
    assert again.status == "done" and counts(again) == (0, 0, 1, 0)  # only the dataset at the mark is read again
    whole = harvest(db, made.id, full=True)
    assert counts(whole) == (0, 0, 3, 0)
    assert {k: v.id for k, v in _local(db).items()} == {k: v.id for k, v in local.items()}


def test_a_change_on_the_remote_is_picked_up_alone_and_a_dataset_it_withdraws_stops_being_public_here(
    db: Session, remote: Remote, target: Target
) -> None:
    made = source(db, target, remote.url)
    assert counts(harvest(db, made.id))[0] == 3
    rice_id, patents_id = remote.ids[RICE], remote.ids[PATENTS]
    remote.run("retitle", rice_id, "Giống lúa chịu mặn (cập nhật)")
    remote.run("add-resource", rice_id, "Số liệu bổ sung")

    second = harvest(db, made.id)
    assert second.status == "done", second.error
    assert (second.created, second.updated, second.failed) == (0, 1, 0)
    assert second.created + second.updated + second.unchanged == 2  # asked from the mark on: the changed one, and the one at the mark
    rice = _local(db)[rice_id]
    assert rice.name == "Giống lúa chịu mặn (cập nhật)" and rice.slug == "giong-lua-chiu-man-dong-bang-song-cuu-long"
    assert sorted(r.name for r in _links(db, rice)) == ["Danh sách đề tài", "Số liệu bổ sung"]

    remote.run("hide", patents_id)
    third = harvest(db, made.id)
    assert third.status == "done" and third.failed == 0
    assert _local(db)[patents_id].visibility == "internal"
    assert [(m["remote_id"], m["level"]) for m in third.messages] == [(patents_id, "withdrawn")]
    assert "không còn công bố" in third.messages[0]["text"]
    assert _local(db)[rice_id].visibility == "public"


def test_dcat_harvest_of_the_same_remote_gives_the_same_datasets(db: Session, remote: Remote, target: Target) -> None:
    published = {p["title"]: p for p in remote.packages()}
    made = source(db, target, remote.url + "/catalog.ttl", kind="dcat")
    first = harvest(db, made.id)
    assert first.status == "done", first.error
    assert counts(first) == (len(published), 0, 0, 0)
    local = {ds.name: ds for ds in _local(db).values()}
    assert local.keys() == published.keys()
    for title, package in published.items():
        ds = local[title]
        assert sorted(ds.tags) == sorted(t["name"] for t in package["tags"])
        # DCAT-AP states a licence on each distribution: a dataset without one has none to read.
        assert ds.license_id == (package["license_id"] if package["resources"] else None) and ds.visibility == "public"
        assert sorted(r.url for r in _links(db, ds)) == sorted(r["url"] for r in package["resources"])
    # A theme stands for our topic only where one topic maps to it (ENER: atomic energy); TECH is several.
    assert local["Phòng thí nghiệm trọng điểm"].topic == "nang-luong-nguyen-tu"
    assert set(_local(db)) == {p["id"] for p in published.values()}  # dct:identifier: the same ids as CKAN's
    again = harvest(db, made.id)
    assert again.status == "done" and (again.created, again.updated, again.failed) == (0, 0, 0)
    # The same catalog in RDF/XML and JSON-LD (an inline context) reads as the same datasets.
    with Fetcher() as fetcher:
        for ext in ("rdf", "jsonld"):
            graph = dcat.parse(fetcher.get(f"{remote.url}/catalog.{ext}", accept=dcat.ACCEPT))
            found = [dcat.dataset(graph, node) for node in graph.subjects(RDF.type, DCAT.Dataset)]
            assert sorted(d.title for d in found) == sorted(published), ext


def test_a_remote_that_is_down_fails_the_run_with_the_reason_and_changes_nothing(db: Session, target: Target) -> None:
    made = source(db, target, f"http://127.0.0.1:{free_port()}")
    run = harvest(db, made.id)
    assert run.status == "failed" and counts(run) == (0, 0, 0, 0)
    assert run.error is not None and run.error.startswith("Không kết nối được tới máy chủ 127.0.0.1")
    assert db.scalar(select(func.count()).select_from(Dataset)) == 0
    after = db.get_one(HarvestSource, made.id)
    assert after.high_water is None and after.next_run_at is not None  # tried again at the next interval
