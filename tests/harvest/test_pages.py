"""The harvest pages: who may set a source up, the form's checks, "run now", the runs and datasets shown."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.catalog.models import Dataset
from ketnoi.harvest.models import HarvestRun, HarvestSource
from ketnoi.settings import get_settings
from tests import factories as f
from tests.harvest.conftest import Static
from tests.harvest.helpers import ckan_answer, package
from tests.web.conftest import client, login, post

__all__ = ["client"]


def _form(database_id: object, url: str, **values: str) -> dict[str, str]:
    return {"name": "Cổng dữ liệu tỉnh", "url": url, "kind": "ckan", "database_id": str(database_id), "interval_minutes": "60",
            "enabled": "on", **values}  # fmt: skip


def _sources(db: Session) -> list[HarvestSource]:
    db.expire_all()
    return list(db.scalars(select(HarvestSource)))


def test_a_steward_sets_up_a_source_for_their_units_database_runs_it_and_sees_what_it_brought(
    client: TestClient, db: Session, static: Static
) -> None:
    unit = f.unit(db, "Sở Khoa học và Công nghệ")
    database = f.database(db, unit, "Dữ liệu mở của Sở")
    f.user(db, "steward", unit, username="canbo")
    db.commit()
    ckan_answer(static, [package(1, "2026-03-01T08:00:00"), package(2, "2026-03-02T08:00:00", title="")])
    login(client, "canbo", f.PASSWORD)
    assert "Dữ liệu mở của Sở" in client.get("/harvest/new").text
    created = post(client, "/harvest/new", _form(database.id, static.url))
    assert created.status_code == 303, created.text
    (made,) = _sources(db)
    assert created.headers["location"] == f"/harvest/{made.id}?done=created"
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == made.id)) == "create"

    ran = post(client, f"/harvest/{made.id}/run")  # the job runs at once in tests (KETNOI_JOBS_IMMEDIATE)
    assert ran.status_code == 303 and ran.headers["location"] == f"/harvest/{made.id}?started=1"
    page = client.get(ran.headers["location"])
    assert "Đã đưa lần thu thập vào hàng đợi" in page.text
    assert "Tạo mới 1 · cập nhật 0 · không đổi 0 · lỗi 1" in page.text
    assert "Bộ dữ liệu không có tên (title): không nhập." in page.text
    harvested = db.scalar(select(Dataset).where(Dataset.name == "Gói dữ liệu 1"))
    assert harvested is not None and f'href="/datasets/{harvested.id}"' in page.text
    listing = client.get("/harvest")
    assert "Cổng dữ liệu tỉnh" in listing.text and "Hoàn thành" in listing.text

    deleted = post(client, f"/harvest/{made.id}/delete")
    assert deleted.status_code == 303 and _sources(db) == []
    assert db.scalar(select(func.count()).select_from(HarvestRun)) == 0
    assert db.get(Dataset, harvested.id) is not None  # the catalog keeps what was brought in


def test_a_wrong_interval_or_address_is_shown_on_the_form_and_saves_nothing(client: TestClient, db: Session) -> None:
    unit = f.unit(db)
    database = f.database(db, unit)
    f.user(db, "admin", username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    short = post(client, "/harvest/new", _form(database.id, "https://data.example.vn", interval_minutes="5"))
    assert short.status_code == 422 and re.search(r'id="f-interval_minutes-error">.*Phải lớn hơn hoặc bằng 15\.', short.text)
    ftp = post(client, "/harvest/new", _form(database.id, "ftp://data.example.vn"))
    assert ftp.status_code == 422 and "phải là URL http:// hoặc https:// đầy đủ" in ftp.text and 'value="ftp://data.example.vn"' in ftp.text
    assert _sources(db) == []


def test_a_source_on_this_machine_is_refused_unless_the_setting_allows_it(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f.database(db, f.unit(db))
    f.user(db, "admin", username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    monkeypatch.setattr(get_settings(), "harvest_allow_private", False)
    for url in (
        "http://127.0.0.1:8000",
        "http://localhost/api/3",
        "http://[::1]/",
        "http://10.1.2.3/catalog.ttl",
        "http://169.254.169.254/",
    ):
        refused = post(client, "/harvest/new", _form(database.id, url))
        assert refused.status_code == 422 and "trỏ tới máy này hoặc mạng nội bộ" in refused.text, url
    assert _sources(db) == []


def test_a_steward_cannot_file_harvests_into_another_units_database_nor_change_its_sources(client: TestClient, db: Session) -> None:
    mine, theirs = f.unit(db, "Đơn vị A"), f.unit(db, "Đơn vị B")
    other_database = f.database(db, theirs, "CSDL của đơn vị B")
    f.user(db, "steward", mine, username="canbo")
    f.user(db, "admin", username="quantri")
    f.user(db, "leader", username="lanhdao")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    assert post(client, "/harvest/new", _form(other_database.id, "https://data.example.vn")).status_code == 303
    (theirs_source,) = _sources(db)
    client.cookies.clear()

    login(client, "canbo", f.PASSWORD)
    assert "CSDL của đơn vị B" not in client.get("/harvest/new").text
    assert post(client, "/harvest/new", _form(other_database.id, "https://other.example.vn")).status_code == 403
    page = client.get(f"/harvest/{theirs_source.id}")
    assert page.status_code == 200 and "Chạy ngay" not in page.text and "Sửa nguồn thu thập" not in page.text
    for action in ("run", "delete", "edit"):
        assert post(client, f"/harvest/{theirs_source.id}/{action}", _form(other_database.id, "https://x.example.vn")).status_code == 403
    client.cookies.clear()

    login(client, "lanhdao", f.PASSWORD)  # a leader reads, changes nothing
    assert client.get("/harvest").status_code == 200 and client.get("/harvest/new").status_code == 403
    assert len(_sources(db)) == 1 and _sources(db)[0].url == "https://data.example.vn"
