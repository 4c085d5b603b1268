"""The version an incremental sync supersedes gets its own table back, even when the job that rebuilds it has not run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.datastore import history
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.jobs.queue import reset_queue
from ketnoi.settings import get_settings
from tests.connectors.conftest import START, SourceDb, fill, row
from tests.connectors.test_database_sync import make_source, rows_of, run


def test_a_superseded_version_waits_for_its_table_and_the_next_sync_rebuilds_it_first(
    db: Session, target: Dataset, pg_source: SourceDb, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    fill(pg_source, [row(n) for n in range(1, 21)])
    source = make_source(db, target, pg_source)
    run(db, source)
    first = db.scalars(select(DatastoreVersion).where(DatastoreVersion.resource_id == source.resource_id)).one()
    served_first = rows_of(db, first)
    db.rollback()
    monkeypatch.setattr(get_settings(), "jobs_immediate", False)  # the rebuild job is queued, not run
    reset_queue()
    request.addfinalizer(lambda: (monkeypatch.undo(), reset_queue()))  # immediate again for the tests after this one

    pg_source.run("UPDATE nhiem_vu SET ten = 'Sửa lần 1', cap_nhat = :at WHERE ma = 'NV00002'", at=START + timedelta(days=1))
    assert run(db, source).version == 2
    first = db.get_one(DatastoreVersion, first.id)
    assert first.rebuild is not None
    with pytest.raises(history.HistoryPending) as pending:
        history.require_built(first)
    assert pending.value.status == 503 and "thử lại" in pending.value.message
    second = db.scalars(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == source.resource_id, DatastoreVersion.version == 2)
    ).one()
    served_second = rows_of(db, second)
    db.rollback()

    pg_source.run("UPDATE nhiem_vu SET ten = 'Sửa lần 2', cap_nhat = :at WHERE ma = 'NV00002'", at=START + timedelta(days=2))
    assert run(db, source).version == 3
    db.expire_all()
    first, second = db.get_one(DatastoreVersion, first.id), db.get_one(DatastoreVersion, second.id)
    assert first.rebuild is None and rows_of(db, first) == served_first  # rebuilt before the table changed again
    assert second.rebuild is not None  # its turn now (queued)
    assert history.rebuild(db, second) and rows_of(db, second) == served_second
    assert served_first["NV00002"]["ten"] != served_second["NV00002"]["ten"] == "Sửa lần 1"
