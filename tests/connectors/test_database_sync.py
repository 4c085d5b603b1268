"""Database sources end to end: PostgreSQL, MariaDB and SQLite read into the datastore, in full and
incrementally, with schema drift, duplicate keys and a source that is down."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.connectors import service, sync
from ketnoi.connectors.models import DataSource, RunStatus, SyncRun
from ketnoi.connectors.schemas import SourceIn
from ketnoi.datastore import tables
from ketnoi.datastore.infer import field_of
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Invalid
from ketnoi.org.models import Organization
from tests.connectors.conftest import START, SourceDb, fill, row, unique_name


def make_source(db: Session, target: Dataset, source: SourceDb, **fields: Any) -> DataSource:
    data = {
        "name": unique_name(),
        "kind": "database",
        "dataset_id": target.id,
        "config": {"url": source.url, "object": "table", "table": "nhiem_vu"},
        "mode": "incremental",
        "cursor_column": "cap_nhat",
        "key_columns": ["ma"],
    } | fields
    made = service.create_source(db, actor=system_actor(), data=SourceIn.model_validate(data))
    db.commit()
    return made


def run(db: Session, source: DataSource, *, full: bool = False) -> SyncRun:
    run_id = sync.run_source(source.id, full=full)
    db.expire_all()
    return db.get_one(SyncRun, run_id)


def rows_of(db: Session, version: DatastoreVersion) -> dict[str, dict[str, Any]]:
    fields = [field_of(d) for d in version.table_schema["fields"]]
    table = tables.table_for(db.connection(), version.table_name, fields, search=bool(version.table_schema.get("ketnoiSearch")))
    titles = {f.name: f.title for f in fields}
    rows = [{titles.get(k, k): v for k, v in r._mapping.items()} for r in db.execute(select(table))]
    return {r["ma"]: r for r in rows}


def served_rows(db: Session, source: DataSource) -> tuple[DatastoreVersion, dict[str, dict[str, Any]]]:
    """The active version and its rows by the source's key (ma), as the data API would read them."""
    version = db.scalars(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == source.resource_id, DatastoreVersion.status == VersionStatus.ACTIVE)
    ).one()
    return version, rows_of(db, version)


def test_a_full_sync_loads_every_row_typed_as_the_source_declares_it(db: Session, target: Dataset, source_db: SourceDb) -> None:
    fill(source_db, [row(n) for n in range(1, 51)])
    source = make_source(db, target, source_db, mode="full", cursor_column=None)

    done = run(db, source)

    assert (done.status, done.mode, done.rows_read, done.rows_added, done.row_count, done.version) == ("done", "full", 50, 50, 50, 1)
    version, rows = served_rows(db, source)
    types = {d["title"]: d["type"] for d in version.table_schema["fields"]}
    assert types == {
        "ma": "string",
        "ten": "string",
        "kinh_phi": "number",
        "nam": "integer",
        "dang_lam": "boolean",
        "bat_dau": "date",
        "cap_nhat": "datetime",
    }
    seventh = rows["NV00007"]
    assert seventh["ten"] == "Nhiệm vụ nghiên cứu số 7 về chuyển đổi số"
    assert Decimal(str(seventh["kinh_phi"])) == Decimal("107.50")
    assert (seventh["nam"], bool(seventh["dang_lam"])) == (2021, False)
    assert str(seventh["bat_dau"]).startswith("2024-01-08")
    assert version.source_format == "database" and version.notes == []


def test_an_incremental_sync_merges_only_what_changed_by_key_and_keeps_the_earlier_version(
    db: Session, target: Dataset, source_db: SourceDb
) -> None:
    fill(source_db, [row(n) for n in range(1, 101)])
    source = make_source(db, target, source_db)
    first = run(db, source)
    assert (first.mode, first.row_count, first.high_water_after) == ("full", 100, (START + timedelta(minutes=100)).isoformat())
    _, before = served_rows(db, source)

    later = START + timedelta(days=1)
    source_db.run("UPDATE nhiem_vu SET ten = :ten, cap_nhat = :at WHERE ma IN ('NV00003', 'NV00004')", ten="Tên đã sửa", at=later)
    fill(source_db, [row(n, updated=later) for n in range(101, 104)])
    second = run(db, source)

    assert (second.status, second.mode, second.rows_added, second.rows_updated, second.row_count, second.version) == (
        "done",
        "incremental",
        3,
        2,
        103,
        2,
    )
    assert second.rows_read == 6  # the 5 changed, and the row at the mark read again (found unchanged)
    assert second.high_water_before == first.high_water_after and second.high_water_after == later.isoformat()
    _, after = served_rows(db, source)
    assert after["NV00003"]["ten"] == "Tên đã sửa" and after["NV00003"]["_id"] == before["NV00003"]["_id"]
    assert after["NV00050"] == before["NV00050"]
    assert sorted(after.keys() - before.keys()) == ["NV00101", "NV00102", "NV00103"]
    assert len({r["_id"] for r in after.values()}) == 103
    history = db.scalars(
        select(DatastoreVersion).where(DatastoreVersion.resource_id == source.resource_id).order_by(DatastoreVersion.version)
    ).all()
    assert [v.status for v in history] == ["superseded", "active"]
    assert history[0].rebuild is None  # the first version's own table was rebuilt after the merge (a job)
    assert rows_of(db, history[0]) == before  # as it was served: the gateway's as_of reads it

    again = run(db, source)  # the rows at the mark are read again, found unchanged: no new version
    assert (again.status, again.version, again.rows_added, again.rows_updated) == ("done", None, 0, 0)
    assert served_rows(db, source)[0].version == 2


def test_schema_drift_is_reported_and_an_incremental_source_is_read_whole_again(db: Session, target: Dataset, source_db: SourceDb) -> None:
    if source_db.kind == "sqlite":
        pytest.skip("SQLite cannot drop or retype a column in place: covered on PostgreSQL and MariaDB")
    fill(source_db, [row(n) for n in range(1, 21)])
    source = make_source(db, target, source_db)
    run(db, source)

    source_db.run("ALTER TABLE nhiem_vu ADD COLUMN linh_vuc VARCHAR(100)", "ALTER TABLE nhiem_vu DROP COLUMN dang_lam")
    source_db.run("UPDATE nhiem_vu SET linh_vuc = 'Khoa học tự nhiên'")
    drifted = run(db, source)

    assert (drifted.status, drifted.mode, drifted.row_count) == ("done", "full", 20)
    assert drifted.changes == ["cột mới «linh_vuc» (string)", "cột «dang_lam» không còn ở nguồn"]
    version, rows = served_rows(db, source)
    assert rows["NV00001"]["linh_vuc"] == "Khoa học tự nhiên" and "dang_lam" not in rows["NV00001"]
    assert version.notes == drifted.changes

    retype = (
        "ALTER TABLE nhiem_vu ALTER COLUMN nam TYPE VARCHAR(10)"
        if source_db.kind == "postgresql"
        else "ALTER TABLE nhiem_vu MODIFY nam VARCHAR(10)"
    )
    source_db.run(retype)
    assert run(db, source).changes == ["cột «nam» đổi kiểu: integer → string"]


def test_duplicate_keys_refuse_the_load_naming_them_and_leave_the_served_version(db: Session, target: Dataset, source_db: SourceDb) -> None:
    fill(source_db, [row(n) for n in range(1, 11)])
    source = make_source(db, target, source_db)
    assert run(db, source).version == 1

    fill(source_db, [row(5, name="Bản sao trùng mã")])
    failed = run(db, source, full=True)

    assert failed.status == "failed" and failed.attempts == 1  # refused, not retried
    assert "khoá trùng" in (failed.error or "") and "ma = NV00005 (2 dòng)" in (failed.error or "")
    version, rows = served_rows(db, source)
    assert (version.version, len(rows)) == (1, 10)
    assert db.get_one(DataSource, source.id).last_status == "failed"


def test_a_source_that_is_down_is_tried_again_then_fails_and_changes_nothing(db: Session, target: Dataset, source_db: SourceDb) -> None:
    if source_db.kind == "sqlite":
        pytest.skip("a SQLite file is never down")
    fill(source_db, [row(n) for n in range(1, 6)])
    source = make_source(db, target, source_db)
    run(db, source)
    closed = source_db.url.replace(":5432/", ":1/").replace(":3306/", ":1/")
    db.get_one(DataSource, source.id).config = source.config | {"url": closed}
    db.commit()

    failed = run(db, source)

    assert (failed.status, failed.attempts, len(failed.messages)) == ("failed", 3, 3)
    assert failed.messages[0].startswith("Lần 1: Không kết nối được")
    assert served_rows(db, source)[0].version == 1


def test_a_read_only_query_can_be_the_source_and_a_writing_one_is_refused(db: Session, target: Dataset, pg_source: SourceDb) -> None:
    fill(pg_source, [row(n) for n in range(1, 31)])
    query = "SELECT ma, ten, nam, cap_nhat FROM nhiem_vu WHERE nam >= 2023"
    config = {"url": pg_source.url, "object": "query", "query": query}
    source = make_source(db, target, pg_source, config=config)
    done = run(db, source)
    assert done.status == "done" and done.row_count == sum(1 for n in range(1, 31) if 2020 + n % 6 >= 2023)

    with pytest.raises(Invalid) as refused:
        make_source(db, target, pg_source, config=config | {"query": "DELETE FROM nhiem_vu"})
    assert refused.value.fields == {"query": "Không phải SELECT."}
    db.rollback()
    pg_source.run("DROP SEQUENCE IF EXISTS so_thu_tu", "CREATE SEQUENCE so_thu_tu")
    sneaky = config | {"query": "SELECT ma, nextval('so_thu_tu') AS n FROM nhiem_vu"}  # a SELECT that writes
    failed = run(db, make_source(db, target, pg_source, config=sneaky, mode="full", cursor_column=None, key_columns=[]))
    assert failed.status == "failed" and "read-only" in (failed.error or "")
    with pg_source.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM nhiem_vu").scalar_one() == 30


def test_the_platforms_own_database_and_undeclared_networks_are_refused(
    db: Session, target: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketnoi.settings import get_settings

    own = get_settings().database_url
    with pytest.raises(Invalid) as refused:
        make_source(db, target, SourceDb("x", own, None), config={"url": own, "object": "table", "table": "users"})  # type: ignore[arg-type]
    assert refused.value.fields.get("url") in ("CSDL của nền tảng.", "sqlite") or "url" in refused.value.fields
    db.rollback()
    monkeypatch.setattr(get_settings(), "source_networks", "10.0.0.0/8")
    with pytest.raises(Invalid) as private:
        make_source(
            db,
            target,
            SourceDb("x", "", None),
            config={"url": "postgresql+psycopg://u@127.0.0.1:5432/khac", "object": "table", "table": "t"},
        )  # type: ignore[arg-type]
    assert "KETNOI_SOURCE_NETWORKS" in private.value.message
    db.rollback()
    with pytest.raises(Invalid) as password:
        make_source(
            db, target, SourceDb("x", "", None), config={"url": "mysql+pymysql://u:lo@127.0.0.1/x", "object": "table", "table": "t"}
        )  # type: ignore[arg-type]
    assert password.value.fields == {"url": "Có mật khẩu."}


def test_runs_record_failure_for_a_missing_table_without_retrying(db: Session, target: Dataset, pg_source: SourceDb) -> None:
    source = make_source(db, target, pg_source, config={"url": pg_source.url, "object": "table", "table": "khong_co"})
    failed = run(db, source)
    assert (failed.status, failed.attempts) == (RunStatus.FAILED, 1)
    assert "khong_co" in (failed.error or "")


def test_a_view_is_read_like_a_table(db: Session, target: Dataset, pg_source: SourceDb) -> None:
    fill(pg_source, [row(n) for n in range(1, 13)])
    pg_source.run("CREATE VIEW dang_lam AS SELECT ma, ten, nam FROM nhiem_vu WHERE dang_lam")
    source = make_source(
        db, target, pg_source, config={"url": pg_source.url, "object": "view", "table": "dang_lam"}, mode="full", cursor_column=None
    )
    done = run(db, source)
    assert (done.status, done.row_count) == ("done", 6)
    version, rows = served_rows(db, source)
    assert [d["title"] for d in version.table_schema["fields"]] == ["ma", "ten", "nam"] and "NV00002" in rows


def test_a_source_slower_than_the_time_limit_is_cut_off_retried_and_reported_to_the_unit(
    db: Session, target: Dataset, pg_source: SourceDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ketnoi.notify.models import Notification
    from ketnoi.settings import get_settings
    from tests import factories as f

    steward = f.user(db, "steward", db.get_one(Organization, target.owner_unit_id))
    db.commit()
    fill(pg_source, [row(n) for n in range(1, 4)])
    monkeypatch.setattr(get_settings(), "sync_timeout_seconds", 0.5)
    slow = "SELECT n.ma, n.ten FROM nhiem_vu n CROSS JOIN LATERAL (SELECT pg_sleep(1)) AS cham"
    source = make_source(
        db, target, pg_source, config={"url": pg_source.url, "object": "query", "query": slow}, mode="full", cursor_column=None
    )

    failed = run(db, source)

    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "statement timeout" in failed.messages[0]
    notice = db.scalars(select(Notification).where(Notification.user_id == steward.id)).one()
    assert notice.subject.startswith("Đồng bộ nguồn «") and notice.link == f"/sources/{source.id}"
    assert "vẫn giữ nguyên" in notice.body


def test_the_schedule_queues_each_due_source_once_and_the_worker_syncs_it(db: Session, target: Dataset, pg_source: SourceDb) -> None:
    from datetime import datetime

    from ketnoi.connectors.tasks import run_due
    from ketnoi.jobs.models import Job

    fill(pg_source, [row(n) for n in range(1, 6)])
    due = make_source(db, target, pg_source, mode="full", cursor_column=None, interval_minutes=60)
    off = make_source(db, target, pg_source, mode="full", cursor_column=None, enabled=False)
    now = datetime.now().astimezone()

    assert run_due(db, now) == 1  # the jobs run at once in the tests: the sync is done
    assert run_due(db, now) == 0  # claimed: the same tick, or a second worker's, takes nothing
    db.expire_all()
    assert db.get_one(DataSource, due.id).last_status == "done" and db.get_one(DataSource, off.id).last_status is None
    moved = db.get_one(DataSource, due.id).next_run_at
    assert moved is not None and abs((moved.replace(tzinfo=None) - (now + timedelta(minutes=60)).replace(tzinfo=None)).total_seconds()) < 1
    assert db.scalars(select(Job.status).where(Job.kind == "connectors.sync")).all() == ["succeeded"]
    assert run_due(db, now + timedelta(minutes=61)) == 1  # its next turn
