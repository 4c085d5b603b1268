"""/api/v1/sql on SQLite and PostgreSQL: SELECT on open tables only, held there by the database."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.catalog.models import DataItem, Resource
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore import ingest as datastore
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.identity import system_actor
from ketnoi.settings import get_settings
from tests import factories as f
from tests.datastore.conftest import as_csv

ROWS = [
    ["DT-1", "Lúa chịu mặn", "Cần Thơ", "2021", "8.500"],
    ["DT-2", "Dự báo lũ", "Huế", "2022", "6.250,5"],
    ["DT-3", "Vật liệu nano", "Hà Nội", "2021", ""],
]
HEADER = ["Mã", "Tên", "Tỉnh", "Năm", "Kinh phí"]


def _load(db: Session, tmp_path: Path, *, public: bool, personal: str | None = None) -> str:
    """A dataset with a loaded table whose columns are all open data items (but `personal`); its table's name."""
    view = f.dataset(db, f.database(db, f.unit(db)), visibility="public" if public else "internal")
    for name in ("ma", "ten", "tinh", "nam", "kinh_phi"):
        form = "default_shared" if name == personal else "open"  # a public dataset has no personal item open
        data = DataItemIn(name=name, title=name, sharing_form=form, is_personal=name == personal)  # type: ignore[arg-type]
        items.add_item(db, actor=system_actor(), dataset_id=view.dataset.id, data=data)
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(as_csv([HEADER, *ROWS]))
    res = items.add_resource(
        db, actor=system_actor(), dataset_id=view.dataset.id, name="Đề tài", description=None, filename="de_tai.csv",
        stream=path.open("rb"), max_bytes=1 << 20,
    )  # fmt: skip
    version = datastore.ingest(db, actor=system_actor(), resource_id=res.id, path=path)
    db.commit()
    return version.table_name


@pytest.fixture
def tables(db: Session, tmp_path: Path) -> dict[str, str]:
    return {
        "open": _load(db, tmp_path, public=True),
        "personal": _load(db, tmp_path, public=True, personal="ten"),
        "internal": _load(db, tmp_path, public=False),
    }


def _sql(api: TestClient, sql: str, **params: Any) -> Any:
    return api.get("/api/v1/sql", params={"sql": sql, **params})


def test_only_tables_open_in_every_column_are_listed(api: TestClient, tables: dict[str, str]) -> None:
    listed = api.get("/api/v1/sql/tables").json()
    assert [t["table_name"] for t in listed] == [tables["open"]]
    assert [c["name"] for c in listed[0]["columns"]] == ["ma", "ten", "tinh", "nam", "kinh_phi"]


def test_a_select_reads_typed_values_and_is_bounded_in_rows(api: TestClient, tables: dict[str, str]) -> None:
    table = tables["open"]
    body = _sql(api, f"SELECT ma, ten, nam, kinh_phi FROM {table} WHERE ten LIKE '%chịu%' ORDER BY _id").json()
    assert body == {"columns": ["ma", "ten", "nam", "kinh_phi"], "rows": [["DT-1", "Lúa chịu mặn", 2021, 8500]], "truncated": False}
    grouped = api.post("/api/v1/sql", json={"sql": f"SELECT nam, count(*) AS n FROM {table} GROUP BY nam ORDER BY nam;"}).json()
    assert grouped["rows"] == [[2021, 2], [2022, 1]]
    capped = _sql(api, f"WITH t AS (SELECT * FROM {table}) SELECT ma FROM t ORDER BY ma", limit=2).json()
    assert capped["rows"] == [["DT-1"], ["DT-2"]] and capped["truncated"] is True


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM {personal}",  # a table with a personal column
        "SELECT * FROM {internal}",  # a table of an internal dataset
        "SELECT username, password_hash FROM users",  # the platform's own tables
        "SELECT count(*) FROM {open} JOIN users ON 1 = 1",  # no column read: SQLite still asks about the table
        "SELECT name, sql FROM sqlite_master",
        "SELECT * FROM pragma_table_info('users')",
        "SELECT * FROM public.users",
        "PRAGMA table_info(users)",
        "ATTACH DATABASE ':memory:' AS other",
        "DELETE FROM {open}",
        "UPDATE {open} SET ten = 'x'",
        "INSERT INTO {open} (_id, ma) VALUES (99, 'x')",
        "DROP TABLE {open}",
        "CREATE TABLE x (a int)",
    ],
)
def test_anything_but_reading_open_tables_is_refused_and_changes_nothing(api: TestClient, tables: dict[str, str], statement: str) -> None:
    response = _sql(api, statement.format(**tables))
    assert response.status_code in (400, 403), response.text
    error = response.json()["error"]
    assert "sql" in error["fields"] and error["message"]
    assert _sql(api, f"SELECT count(*) FROM {tables['open']}").json()["rows"] == [[3]]


def test_more_than_one_statement_a_syntax_error_and_nothing_get_vietnamese_errors(api: TestClient, tables: dict[str, str]) -> None:
    two = _sql(api, f"SELECT 1 FROM {tables['open']}; DELETE FROM {tables['open']}")
    assert two.status_code == 400 and "một câu lệnh" in two.json()["error"]["message"]
    typo = _sql(api, f"SELEC ma FROM {tables['open']}")
    assert typo.status_code == 400 and typo.json()["error"]["message"].startswith("Câu lệnh SQL lỗi")
    assert _sql(api, "  ;").status_code == 400
    assert _sql(api, f"SELECT count(*) FROM {tables['open']}").json()["rows"] == [[3]]


def test_a_statement_running_past_the_time_limit_is_stopped(
    api: TestClient, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "sql_time_limit_ms", 200)
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    response = _sql(api, endless)
    assert response.status_code == 400 and response.json()["error"]["type"] == "sql-timeout"


def test_a_table_leaves_sql_when_its_dataset_or_an_item_stops_being_open(api: TestClient, tables: dict[str, str], db: Session) -> None:
    table = tables["open"]
    assert _sql(api, f"SELECT count(*) FROM {table}").status_code == 200
    # The open table's own item: the "personal" table's dataset is public too and has a "tinh" as well.
    of_table = (
        select(Resource.dataset_id)
        .join(DatastoreVersion, DatastoreVersion.resource_id == Resource.id)
        .where(DatastoreVersion.table_name == table)
    )
    item = db.scalar(select(DataItem).where(DataItem.name == "tinh", DataItem.dataset_id.in_(of_table)))
    assert item is not None
    item.is_sensitive = True
    db.commit()
    assert _sql(api, f"SELECT ma FROM {table}").status_code == 403


def test_postgresql_the_reader_cannot_take_back_the_platforms_rights(api: TestClient, tables: dict[str, str], db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL roles")
    escape = "SELECT set_config('role', 'postgres', true), query_to_xml('SELECT * FROM public.users', true, true, '')"
    response = _sql(api, escape)
    assert response.status_code in (400, 403) and "users" not in response.text.split("message", 1)[0]
    assert _sql(api, "SELECT current_user").json()["rows"] == [["ketnoi_sql_reader"]]
