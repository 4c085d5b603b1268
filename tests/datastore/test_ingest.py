"""Ingestion into typed tables, on SQLite and PostgreSQL: versions, atomic replacement, bad rows, access."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from ketnoi.datastore import ingest as datastore
from ketnoi.datastore import tables
from ketnoi.datastore.ingest import IngestOptions
from ketnoi.datastore.models import BadRow, DatastoreVersion, VersionStatus
from ketnoi.identity import system_actor
from ketnoi.kit.errors import Forbidden, Invalid
from tests import factories as f
from tests.datastore.conftest import GOOD, HEADER, as_csv


def _file(tmp_path: Path, rows: list[list[str]], name: str = "de_tai.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(as_csv(rows))
    return path


def _table_rows(db: Session, version: DatastoreVersion) -> list[tuple[object, ...]]:
    schema = tables.schema_of(db.connection())
    qualified = f'"{schema}"."{version.table_name}"' if schema else f'"{version.table_name}"'
    return [tuple(r) for r in db.execute(text(f"SELECT * FROM {qualified} ORDER BY _id"))]


def _table_exists(engine: Engine, name: str) -> bool:
    from sqlalchemy import inspect

    return name in inspect(engine).get_table_names(schema="datastore" if engine.dialect.name == "postgresql" else None)


def test_a_file_becomes_a_typed_table(db: Session, resource: uuid.UUID, tmp_path: Path, engine: Engine) -> None:
    version = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, *GOOD]))
    db.commit()
    assert (version.version, version.status, version.row_count, version.bad_row_count) == (1, VersionStatus.ACTIVE, 3, 0)
    assert [fd["type"] for fd in version.table_schema["fields"]] == ["string", "string", "integer", "number", "date", "boolean"]
    assert [fd["title"] for fd in version.table_schema["fields"]] == HEADER
    rows = _table_rows(db, version)
    assert [r[0] for r in rows] == [1, 2, 3]  # _id: the row's place in the file
    first = rows[0]
    assert first[1:4] == ("DT-01", "Giống lúa chịu mặn", 2021)
    assert Decimal(str(first[4])) == Decimal("1234.5")
    assert str(first[5]) == "2021-11-03" or first[5] == date(2021, 11, 3)
    assert first[6] in (True, 1)
    assert rows[2][3:7] == (None, None, None, None)
    assert rows[2][7] == " dt 03 vat lieu nano"  # the folded text `q=` searches
    assert _table_exists(engine, version.table_name)


def test_a_new_load_replaces_the_table_and_keeps_the_old_one_as_history(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    first = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, *GOOD]))
    second = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, GOOD[0]], "moi.csv"))
    db.commit()
    history = datastore.versions(db, actor=system_actor(), resource_id=resource)
    assert [(v.version, v.status, v.row_count) for v in history] == [(2, VersionStatus.ACTIVE, 1), (1, VersionStatus.SUPERSEDED, 3)]
    assert len(_table_rows(db, first)) == 3 and len(_table_rows(db, second)) == 1  # the old table is still there


def test_bad_rows_refuse_the_file_with_their_lines_and_change_nothing(
    db: Session, resource: uuid.UUID, tmp_path: Path, engine: Engine
) -> None:
    datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, *GOOD]))
    db.commit()
    fields = datastore.infer.infer_fields(HEADER, GOOD)  # the schema of the first load: "Năm bắt đầu" is an integer
    rows = [HEADER, GOOD[0], ["DT-04", "Sai năm", "năm 2021", "1", "03/11/2021", "Có"], [*GOOD[1], "thừa"], ["DT-05", "x" * 40_000]]
    with pytest.raises(Invalid) as refused:
        datastore.ingest(
            db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, rows, "loi.csv"), options=IngestOptions(fields=fields)
        )
    db.rollback()
    message = refused.value.message
    assert "dòng 3: cột «Năm bắt đầu»: «năm 2021» không phải số nguyên" in message
    assert "dòng 4: dòng có 7 ô nhưng tiêu đề chỉ có 6 cột" in message
    assert "dòng 5: cột «Tên đề tài»: ô dài 40.000 ký tự" in message
    assert db.scalar(select(func.count()).select_from(DatastoreVersion)) == 1  # only the first version
    [served] = datastore.versions(db, actor=system_actor(), resource_id=resource)
    assert served.status == VersionStatus.ACTIVE and served.row_count == 3
    names = set(db.scalars(select(DatastoreVersion.table_name)))
    from sqlalchemy import inspect

    schema = "datastore" if engine.dialect.name == "postgresql" else None
    assert {n for n in inspect(engine).get_table_names(schema=schema) if n.startswith("ds_")} == names  # no table left behind


def test_quarantine_loads_the_good_rows_and_keeps_the_bad_ones(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    fields = datastore.infer.infer_fields(HEADER, GOOD)
    rows = [HEADER, GOOD[0], ["DT-04", "Sai năm", "năm 2021", "1", "03/11/2021", "Có"], GOOD[1]]
    options = IngestOptions(fields=fields, bad_rows="quarantine")
    version = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, rows), options=options)
    db.commit()
    assert (version.row_count, version.bad_row_count) == (2, 1)
    [bad] = db.scalars(select(BadRow))
    assert (bad.line, bad.cells[0]) == (3, "DT-04") and "Năm bắt đầu" in bad.reason
    assert [r[1] for r in _table_rows(db, version)] == ["DT-01", "DT-02"]


def test_a_legacy_encoded_report_loads_as_unicode(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([["DANH MỤC ĐỀ TÀI NĂM 2021"], [], HEADER, *GOOD])
    path = tmp_path / "tcvn3.csv"
    path.write_bytes(out.getvalue().encode("tcvn3"))
    version = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    assert (version.encoding, version.header_line) == ("tcvn3", 3)
    assert _table_rows(db, version)[1][2] == "Dự báo lũ bằng trí tuệ nhân tạo"


def test_only_the_owning_units_steward_may_load(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    outsider = f.actor(db, "steward", f.unit(db, "Vụ Pháp chế"))
    leader = f.actor(db, "leader")
    path = _file(tmp_path, [HEADER, *GOOD])
    for actor in (outsider, leader):
        with pytest.raises(Forbidden):
            datastore.ingest(db, actor=actor, resource_id=resource, path=path)
    with pytest.raises(Invalid, match="reject"):
        datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path, options=IngestOptions(bad_rows="bo qua"))


def test_each_version_keeps_its_original_file(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    import hashlib

    from ketnoi import files
    from ketnoi.catalog.models import Resource

    path = _file(tmp_path, [HEADER, GOOD[0]])
    version = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert version.source_sha256 == digest and files.path_of(version.source_key).read_bytes() == path.read_bytes()
    stored = db.get(Resource, resource)
    assert stored is not None and stored.sha256 == digest  # the resource's file is now this one


def test_the_cli_loads_a_file_and_says_what_it_did(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env |= {"KETNOI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "KETNOI_VAR_DIR": str(tmp_path), "PYTHONPATH": os.getcwd()}
    env["KETNOI_MAX_UPLOAD_MB"] = "1"  # the web's limit: not the operator's, for a file of this machine
    ketnoi = [sys.executable, "-m", "ketnoi"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*ketnoi, *args], env=env, capture_output=True, text=True, timeout=120, check=False)

    assert run("db", "upgrade").returncode == 0
    make = (
        "from ketnoi.db import unit_of_work; from tests import factories as f\n"
        "with unit_of_work() as s: print(f.dataset(s, f.database(s, f.unit(s))).dataset.id)"
    )
    dataset = subprocess.run([sys.executable, "-c", make], env=env, capture_output=True, text=True, check=True).stdout.strip()
    good = _file(tmp_path, [HEADER, *GOOD])
    loaded = run("ingest", str(good), "--dataset", dataset)
    assert loaded.returncode == 0, loaded.stderr
    assert "Đã nạp 3 dòng" in loaded.stdout and "phiên bản 1" in loaded.stdout
    resource = loaded.stdout.split("tài nguyên ")[1].split(" ")[0]
    bad = _file(tmp_path, [HEADER, ["DT-09", "x", "hai nghìn", "1", "03/11/2021", "Có"], *GOOD], "loi.csv")
    refused = run("ingest", str(bad), "--dataset", dataset, "--resource", resource)
    assert refused.returncode == 1 and "dòng 2: cột «Năm bắt đầu»" in refused.stderr
    again = run("ingest", str(bad), "--dataset", dataset, "--resource", resource, "--bad-rows", "quarantine")
    assert again.returncode == 0 and "phiên bản 2" in again.stdout and "1 dòng lỗi được tách riêng" in again.stdout
    missing = run("ingest", str(tmp_path / "khong_co.csv"), "--dataset", dataset)
    assert missing.returncode != 0
    big = _file(tmp_path, [HEADER, *([f"DT-{n}", "Đề tài " * 10, "2021", "1", "03/11/2021", "Có"] for n in range(20_000))], "lon.csv")
    assert big.stat().st_size > 1 << 20
    for replacing in ((), ("--resource", resource)):
        large = run("ingest", str(big), "--dataset", dataset, *replacing)
        assert large.returncode == 0 and "Đã nạp 20.000 dòng" in large.stdout, large.stderr


def test_the_served_schema_is_kept_while_the_columns_stay_the_same(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    first = datastore.ingest(db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, *GOOD]))
    with pytest.raises(Invalid, match="dòng 2: cột «Năm bắt đầu»"):  # same columns: the integer year stays an integer
        datastore.ingest(
            db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, ["DT-9", "x", "hai nghìn"]], "b.csv")
        )
    db.rollback()
    other = datastore.ingest(
        db, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [["Năm", "Ghi chú"], ["hai nghìn", "x"]], "c.csv")
    )
    assert [fd["type"] for fd in other.table_schema["fields"]] == ["string", "string"] and first.version == 1


def test_indexes_go_to_codes_categories_and_typed_columns() -> None:
    fields = datastore.infer.infer_fields(["Mã", "Tỉnh", "Tên", "Năm", "Mô tả"], [])
    typed = [datastore.infer.Field(f.name, f.title, "integer") if f.name == "nam" else f for f in fields]
    name = "Nghiên cứu ứng dụng công nghệ sinh học trong sản xuất giống cây trồng, vật nuôi"
    sample = [[f"DT-{n}", ["Hà Nội", "Huế"][n % 2], f"{name} {n}", 2020 + n % 3, "x" * 100] for n in range(50)]
    assert tables.filter_columns(typed, sample) == ["ma", "tinh", "nam"]  # "ten" is unique too, but long


def test_postgresql_builds_the_search_index_in_a_job_after_the_load(db: Session, resource: uuid.UUID, tmp_path: Path) -> None:
    from sqlalchemy import select, text

    from ketnoi.db import unit_of_work
    from ketnoi.jobs.models import Job, JobStatus

    db.commit()
    with unit_of_work() as session:  # the load is served from its commit; the index job runs after it
        version = datastore.ingest(session, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, *GOOD]))
    db.expire_all()
    jobs = db.scalars(select(Job).where(Job.kind == "datastore.search_index")).all()
    if db.get_bind().dialect.name != "postgresql":
        assert jobs == []  # SQLite reads the search column without one
        return
    assert [(j.status, j.params["table_name"]) for j in jobs] == [(JobStatus.SUCCEEDED, version.table_name)]
    index = db.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": f"{version.table_name}_search_idx"}).scalar()
    assert index is not None and "gin_trgm_ops" in index


def test_a_loaded_table_gets_the_planner_s_statistics(engine: Engine, resource: uuid.UUID, tmp_path: Path) -> None:
    from ketnoi.db import unit_of_work

    with unit_of_work() as session:  # the load's jobs run when it commits (at once in tests)
        name = datastore.ingest(session, actor=system_actor(), resource_id=resource, path=_file(tmp_path, [HEADER, *GOOD])).table_name
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # VACUUM (ANALYZE): statistics and the visibility map
            stats = connection.execute(
                text("SELECT last_analyze IS NOT NULL, last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = :n"), {"n": name}
            ).one()
            assert tuple(stats) == (True, True)
        else:
            assert connection.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :n"), {"n": name}).scalar()
    assert tables.analyze(engine, "ds_khong_co") is False
