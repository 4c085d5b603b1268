"""The services, not the routes, enforce the rules: called directly they refuse the same things."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC
from ketnoi.catalog import databases, datasets
from ketnoi.catalog.schemas import DatabaseIn, DatabasePatch, DatasetPatch
from ketnoi.kit.errors import Forbidden, NotFound, Unauthenticated
from tests import factories as f


def test_lists_are_filtered_in_sql_for_each_role(db: Session) -> None:
    a, b = f.unit(db, "Đơn vị A"), f.unit(db, "Đơn vị B")
    shared = f.database(db, a, "CSDL dùng chung", db_class="ministry_shared")
    f.database(db, b, "CSDL nội bộ", db_class="internal")
    f.dataset(db, shared, "Công khai", visibility="public")
    f.dataset(db, shared, "Nội bộ")
    steward_b = f.actor(db, "steward", b)
    assert [d.name for d in databases.list_databases(db, actor=PUBLIC).items] == ["CSDL dùng chung"]
    assert len(databases.list_databases(db, actor=steward_b).items) == 2
    filters = datasets.DatasetFilters()
    assert [d.name for d in datasets.list_datasets(db, actor=PUBLIC, filters=filters).items] == ["Công khai"]
    assert datasets.count_datasets(db, actor=PUBLIC, filters=filters) == 1
    assert datasets.count_datasets(db, actor=steward_b, filters=filters) == 2


def test_services_refuse_out_of_scope_changes(db: Session) -> None:
    a, b = f.unit(db, "Đơn vị A"), f.unit(db, "Đơn vị B")
    theirs = f.database(db, b, "CSDL B", db_class="internal")
    ds = f.dataset(db, theirs, "Bộ B").dataset
    steward_a, leader = f.actor(db, "steward", a), f.actor(db, "leader")
    with pytest.raises(Forbidden):
        databases.update_database(db, actor=steward_a, database_id=theirs.id, patch=DatabasePatch(name="x"))
    with pytest.raises(Forbidden):
        datasets.update_dataset(db, actor=leader, dataset_id=ds.id, patch=DatasetPatch(name="x"))
    with pytest.raises(Unauthenticated):
        databases.create_database(db, actor=PUBLIC, data=DatabaseIn(name="x", owner_unit_id=a.id, db_class="internal"))
    with pytest.raises(NotFound):  # an internal record does not exist for the public
        databases.get_database(db, actor=PUBLIC, database_id=theirs.id)
