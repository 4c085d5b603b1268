"""`ketnoi backup` and `ketnoi restore`: everything back in an empty database (datastore tables, files,
keys), every table's row count and digest checked, a changed row caught, a database with data refused."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi import backup as backups
from ketnoi.catalog import items
from ketnoi.cli import app
from ketnoi.datastore import ingest
from ketnoi.identity import system_actor
from ketnoi.kit import nodekey
from ketnoi.kit.errors import Conflict
from ketnoi.settings import get_settings
from tests import factories as f

CSV = "ma,ten,nam\nDT01,Nghiên cứu giống lúa chịu mặn,2024\nDT02,Ứng dụng chuỗi khối,2025\n".encode()


@pytest.fixture
def empty(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the same kind as the test database."""
    if engine.dialect.name == "sqlite":
        target = create_engine(f"sqlite:///{tmp_path}/restored.db")
        yield target
        target.dispose()
        return
    name = f"ketnoi_restore_{os.getpid()}"
    admin = create_engine(make_url(str(engine.url)).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = create_engine(make_url(str(engine.url)).set(database=name))
    yield target
    target.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _some_of_everything(db: Session) -> None:
    view = f.dataset(db, f.database(db, f.unit(db, "Cục Thông tin KH&CN")), "Đề tài")
    resource = items.add_resource(
        db, actor=system_actor(), dataset_id=view.dataset.id, name="Đề tài", description=None,
        filename="de_tai.csv", stream=io.BytesIO(CSV), max_bytes=1 << 20,
    )  # fmt: skip
    ingest.ingest(
        db, actor=system_actor(), resource_id=resource.id, path=Path(get_settings().var_dir) / "files" / (resource.storage_key or "")
    )
    db.commit()
    nodekey.node_key()  # the node's signing key on disk


def test_a_backup_restores_into_an_empty_database_with_every_table_checked(
    db: Session, empty: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _some_of_everything(db)
    archive = tmp_path / "ketnoi.tar"
    made = CliRunner().invoke(app, ["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "Đã sao lưu" in made.output and oct(archive.stat().st_mode & 0o777) == "0o600"
    key = (get_settings().var_dir / "node_ed25519.pem").read_bytes()

    monkeypatch.setattr(get_settings(), "var_dir", tmp_path / "var-restored")
    manifest, mismatches = backups.restore(archive, empty)

    assert mismatches == []
    datastore_tables = [name for name in manifest["tables"] if name.removeprefix("datastore.").startswith("ds_")]
    assert len(datastore_tables) == 1 and manifest["tables"][datastore_tables[0]]["rows"] == 2
    assert manifest["tables"]["datasets"]["rows"] == 1 and manifest["files"] >= 1
    assert (tmp_path / "var-restored" / "node_ed25519.pem").read_bytes() == key
    assert sum(1 for p in (tmp_path / "var-restored" / "files").rglob("*") if p.is_file()) == manifest["files"]

    qualified = datastore_tables[0] if empty.dialect.name == "sqlite" else f'datastore."{datastore_tables[0].split(".")[1]}"'
    with empty.begin() as connection:  # a value changed after the restore: the check names the table
        connection.execute(text(f"UPDATE {qualified} SET ten = 'đã sửa' WHERE ma = 'DT01'"))
    with empty.connect() as connection:
        changed = backups.compare(manifest, backups.table_sums(connection))
    assert [m.table for m in changed] == [datastore_tables[0]] and changed[0].expected and changed[0].found
    assert changed[0].expected.rows == changed[0].found.rows and changed[0].expected.sha256 != changed[0].found.sha256


def test_restoring_over_a_database_with_data_is_refused(db: Session, engine: Engine, tmp_path: Path) -> None:
    _some_of_everything(db)
    archive = tmp_path / "ketnoi.tar"
    backups.backup(archive, engine)
    with pytest.raises(Conflict) as refused:
        backups.restore(archive, engine)
    assert "chỉ khôi phục vào một cơ sở dữ liệu trống" in refused.value.message
