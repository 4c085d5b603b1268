"""URL names of datasets: made from the name, unique, kept on rename, never shaped like an id; and the
portal's index follows a database handed to another unit (a bulk update of its datasets)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ketnoi.catalog import databases, datasets
from ketnoi.catalog.schemas import DatabasePatch, DatasetPatch
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Conflict
from tests import factories as f


def test_slugs_are_unique_kept_on_rename_and_never_an_id(db: Session) -> None:
    database = f.database(db, f.unit(db))
    first = f.dataset(db, database, "Đề tài khoa học").dataset
    second = f.dataset(db, database, "Đề tài khoa học").dataset
    assert (first.slug, second.slug) == ("de-tai-khoa-hoc", "de-tai-khoa-hoc-2")
    renamed = datasets.update_dataset(db, actor=system_actor(), dataset_id=first.id, patch=DatasetPatch(name="Nhiệm vụ khoa học"))
    assert renamed.dataset.slug == "de-tai-khoa-hoc"
    with pytest.raises(Conflict) as taken:
        datasets.update_dataset(db, actor=system_actor(), dataset_id=first.id, patch=DatasetPatch(slug="de-tai-khoa-hoc-2"))
    assert "slug" in taken.value.fields
    with pytest.raises(ValidationError):
        DatasetPatch(slug=str(second.id))  # an id's shape: /dataset/{ref} must never take one for the other
    assert f.dataset(db, database, "0123abcd-0000-4000-8000-00000000ffff").dataset.slug == "du-lieu"


def test_a_database_handed_to_another_unit_moves_its_datasets_in_the_portal(client: TestClient, db: Session) -> None:
    old, new = f.unit(db, short_name="Vụ Cũ"), f.unit(db, short_name="Vụ Mới")
    database = f.database(db, old)
    f.dataset(db, database, "Bộ dữ liệu chuyển giao", visibility="public")
    db.commit()

    def owners() -> dict[str, int]:
        result = client.get("/api/3/action/package_search", params={"facet.field": '["organization"]', "rows": 0}).json()["result"]
        return dict(result["facets"]["organization"])

    assert owners() == {"vu-cu": 1}
    databases.update_database(db, actor=system_actor(), database_id=database.id, patch=DatabasePatch(owner_unit_id=new.id))
    db.commit()
    assert owners() == {"vu-moi": 1}
