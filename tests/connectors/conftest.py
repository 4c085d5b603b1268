"""Fixtures of the connector tests: real source databases on this machine (PostgreSQL, MariaDB,
a SQLite file), each with a table a unit's system could hold, and the settings a source on
127.0.0.1 needs (production refuses loopback unless KETNOI_SOURCE_NETWORKS lists it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Dataset
from ketnoi.settings import get_settings
from tests import factories as f

# One name per test process: the SQLite and PostgreSQL suites run side by side (make test).
SOURCE_DB = f"ketnoi_src_{os.getpid()}"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MYSQL_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"
START = datetime(2026, 1, 1, 8, 0, 0)


@pytest.fixture(autouse=True)
def _sources_on_this_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "source_networks", "127.0.0.0/8,::1/128")
    monkeypatch.setattr(settings, "source_sqlite_dir", tmp_path)
    monkeypatch.setattr(settings, "sync_backoff_seconds", 0.0)
    monkeypatch.setattr(settings, "sync_attempts", 3)


@dataclass
class SourceDb:
    """A database standing for a unit's own system: its URL as a source would name it, and an engine to change it."""

    kind: str
    url: str
    engine: Engine

    def run(self, *statements: str, **params: object) -> None:
        with self.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), params)


def row(n: int, *, updated: datetime | None = None, name: str | None = None) -> dict[str, object]:
    return {
        "ma": f"NV{n:05d}",
        "ten": name or f"Nhiệm vụ nghiên cứu số {n} về chuyển đổi số",
        "kinh_phi": Decimal(f"{100 + n}.50"),
        "nam": 2020 + n % 6,
        "dang_lam": n % 2 == 0,
        "bat_dau": date(2024, 1, 1) + timedelta(days=n),
        "cap_nhat": updated or START + timedelta(minutes=n),
    }


def fill(source: SourceDb, rows: list[dict[str, object]]) -> None:
    statement = text(
        "INSERT INTO nhiem_vu (ma, ten, kinh_phi, nam, dang_lam, bat_dau, cap_nhat) "
        "VALUES (:ma, :ten, :kinh_phi, :nam, :dang_lam, :bat_dau, :cap_nhat)"
    )
    if source.kind == "sqlite":  # its driver takes no Decimal: the NUMERIC column keeps a float
        rows = [r | {"kinh_phi": float(r["kinh_phi"])} for r in rows]  # type: ignore[arg-type]
    with source.engine.begin() as connection:
        connection.execute(statement, rows)


_TABLE = """CREATE TABLE nhiem_vu (
    ma VARCHAR(16) NOT NULL,
    ten VARCHAR(500) NOT NULL,
    kinh_phi NUMERIC(14, 2),
    nam INTEGER,
    dang_lam BOOLEAN,
    bat_dau DATE,
    cap_nhat TIMESTAMP NULL
)"""


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{SOURCE_DB}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{SOURCE_DB}"'))
    yield str(make_url(PG_ADMIN).set(database=SOURCE_DB))
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{SOURCE_DB}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _mysql_database() -> Iterator[str]:
    admin = create_engine(MYSQL_ADMIN)
    with admin.begin() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS `{SOURCE_DB}`"))
        connection.execute(text(f"CREATE DATABASE `{SOURCE_DB}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    yield str(make_url(MYSQL_ADMIN).set(database=SOURCE_DB))
    with admin.begin() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS `{SOURCE_DB}`"))
    admin.dispose()


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def source_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceDb]:
    """The same table on each kind of database, emptied for each test."""
    kind = request.param
    if kind == "postgresql":
        url = request.getfixturevalue("_pg_database")
    elif kind == "mysql":
        url = request.getfixturevalue("_mysql_database")
    else:
        url = f"sqlite:///{tmp_path}/he_thong_don_vi.db"
    engine = create_engine(url)
    source = SourceDb(kind, url, engine)
    source.run("DROP TABLE IF EXISTS nhiem_vu", _TABLE)
    yield source
    engine.dispose()


@pytest.fixture
def pg_source(_pg_database: str) -> Iterator[SourceDb]:
    engine = create_engine(_pg_database)
    source = SourceDb("postgresql", _pg_database, engine)
    source.run("DROP TABLE IF EXISTS nhiem_vu CASCADE", _TABLE)  # with the views a test made on it
    yield source
    engine.dispose()


@pytest.fixture
def target(db: Session) -> Dataset:
    """The dataset a source fills, in a unit of the ministry."""
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ")
    view = f.dataset(db, f.database(db, unit), "Nhiệm vụ khoa học và công nghệ")
    db.commit()
    return db.get_one(Dataset, view.dataset.id)


def unique_name() -> str:
    return f"Nguồn {uuid.uuid4().hex[:6]}"
