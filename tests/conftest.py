"""Test fixtures: a real database (SQLite file, or PostgreSQL when KETNOI_TEST_DATABASE_URL says so).

The schema is built once per run by the real Alembic migrations; after each test every table is
emptied, so tests are independent without mocking storage.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_VAR = Path(tempfile.mkdtemp(prefix="ketnoi-test-"))
_URL = os.environ.get("KETNOI_TEST_DATABASE_URL") or f"sqlite:///{_VAR}/test.db"
os.environ["KETNOI_DATABASE_URL"] = _URL
os.environ["KETNOI_VAR_DIR"] = str(_VAR)
os.environ["KETNOI_SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ["KETNOI_JOBS_IMMEDIATE"] = "true"
# Administrators' one-time codes are tested on their own (tests/web/test_totp.py); elsewhere an
# administrator signs in with the password alone, as `make run`'s demo does.
os.environ["KETNOI_ADMIN_TOTP_REQUIRED"] = "false"
os.environ.pop("KETNOI_REDIS_URL", None)

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from ketnoi import migrate  # noqa: E402
from ketnoi.auth import service as auth_service  # noqa: E402
from ketnoi.db import get_engine, unit_of_work  # noqa: E402
from ketnoi.models import Base  # noqa: E402

# Real argon2, with the cheapest parameters: tests create hundreds of accounts, and the
# production cost (64 MiB, 3 passes) would dominate the suite's run time.
auth_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _reset_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    if _URL.startswith("postgresql"):
        _reset_postgres_database(_URL)
    eng = get_engine()
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


# Rows the migrations write, put back rather than deleted: the empty exchange-log chain, and the
# catalog's revision, raised (emptying the catalog is a change of it: the portal's index must see it).
_KEPT = ("exchange_log_head", "catalog_revision")
_RESET_HEAD = text(f"UPDATE exchange_log_head SET seq = 0, hash = '{'0' * 64}'")
_RAISE_REVISION = text("UPDATE catalog_revision SET value = value + 1")
_DATASTORE_USED = text("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'datastore' LIMIT 1")


def _empty_tables(eng: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in _KEPT]
    if eng.dialect.name == "postgresql":
        # DELETE, children first, not TRUNCATE: a test leaves a handful of rows, and TRUNCATE gives
        # each of the tables and their indexes new files, ~0.5-0.9 s a test here against ~25 ms.
        with eng.begin() as conn:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(_RESET_HEAD)
            conn.execute(_RAISE_REVISION)
            if conn.execute(_DATASTORE_USED).first():
                conn.execute(text("DROP SCHEMA datastore CASCADE"))  # the tables loads created
                conn.execute(text("CREATE SCHEMA datastore"))
        return
    with eng.begin() as conn:
        names = (
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds\\_%' ESCAPE '\\'").scalars().all()
        )
        for name in names:  # read first: SQLite refuses to drop a table while a SELECT on it is open
            conn.exec_driver_sql(f'DROP TABLE "{name}"')
    with eng.connect() as conn:
        # Units reference their parent unit: switch checks off while everything goes at once.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        conn.execute(_RESET_HEAD)
        conn.execute(_RAISE_REVISION)
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On PostgreSQL, a test that never asks for the suite's database (no `engine` among its fixtures:
    parsers, CLIs on a SQLite file of their own, deploy files) would run exactly as it does in the SQLite
    half beside it (`make test` runs both): it runs there only."""
    if not _URL.startswith("postgresql"):
        return
    once = pytest.mark.skip(reason="does not use the suite's database: run once, in the SQLite half of `make test`")
    for item in items:
        if "engine" not in getattr(item, "fixturenames", ()):
            item.add_marker(once)


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    """Rate counters (failed logins per address, the gateway's rates) start at zero in each test: every
    TestClient request comes from one address, and a suite's wrong passwords would add up."""
    from ketnoi.sharing.limiter import storage

    storage().reset()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "engine" in request.fixturenames:
        _empty_tables(request.getfixturevalue("engine"))


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside one unit of work; committed at the end of the test."""
    with unit_of_work(engine) as session:
        yield session


@pytest.fixture(scope="session")
def shared_chromium() -> Iterator[Any]:
    """Headless Debian Chromium for the whole run, started by the first browser test (tests/web/browser.py):
    Playwright's driver and a browser cost ~2 s of CPU to start, once per test before. Tests stay apart
    by their own browser contexts, which `chromium` closes after each."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def var_dir() -> Path:
    return _VAR
