"""The data source pages: set up a PostgreSQL source, look at it, sync it, see its lineage; the
form's errors in Vietnamese; a steward of another unit refused; the password never shown back."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.audit.models import AuditEvent
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.kit import secretbox
from ketnoi.org.models import Organization
from tests import factories as f
from tests.connectors.conftest import SourceDb, fill, row
from tests.web.conftest import client, login, post

__all__ = ["client"]
PLAIN = "mat-khau-nguon-rat-bi-mat-42"  # postgres trusts 127.0.0.1 here: the password is kept but not needed


def _form(dataset_id: object, url: str, **values: str) -> dict[str, object]:
    return {"name": "Hệ thống quản lý nhiệm vụ", "kind": "database", "dataset_id": str(dataset_id), "url": url, "secret": PLAIN,
            "object": "table", "table": "nhiem_vu", "query": "", "mode": "incremental", "cursor_column": "cap_nhat",
            "key_columns": "ma", "interval_minutes": "60", "keep_versions": "5", "enabled": "on", **values}  # fmt: skip


def _sources(db: Session) -> list[DataSource]:
    db.expire_all()
    return list(db.scalars(select(DataSource)))


def _public_dataset(db: Session, unit_name: str = "Cục Thông tin khoa học và công nghệ") -> Dataset:
    unit = f.unit(db, unit_name)
    view = f.dataset(db, f.database(db, unit), "Nhiệm vụ đang tiến hành", visibility="public")
    return db.get_one(Dataset, view.dataset.id)


def test_a_steward_sets_up_a_postgresql_source_previews_syncs_it_and_sees_the_lineage(
    client: TestClient, db: Session, pg_source: SourceDb
) -> None:
    fill(pg_source, [row(n) for n in range(1, 26)])
    dataset = _public_dataset(db)
    f.user(db, "steward", db.get_one(Organization, dataset.owner_unit_id), username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    new = client.get("/sources/new")
    assert new.status_code == 200 and "Nhiệm vụ đang tiến hành" in new.text and 'type="password"' in new.text
    created = post(client, "/sources/new", _form(dataset.id, pg_source.url))
    assert created.status_code == 303, created.text
    (made,) = _sources(db)
    assert created.headers["location"] == f"/sources/{made.id}?done=created"
    assert made.secret and made.secret.startswith(secretbox.PREFIX) and PLAIN not in made.secret
    assert secretbox.unseal(made.secret) == PLAIN
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == made.id)) == "create"

    previewed = post(client, f"/sources/{made.id}/preview")
    assert previewed.status_code == 200 and "Kết nối được" in previewed.text
    assert "NV00001" in previewed.text and "kinh_phi" in previewed.text
    assert db.scalar(select(func.count()).select_from(SyncRun)) == 0  # a look, nothing loaded

    synced = post(client, f"/sources/{made.id}/sync")  # the job runs at once in tests (KETNOI_JOBS_IMMEDIATE)
    assert synced.status_code == 303 and synced.headers["location"] == f"/sources/{made.id}?started=1#runs"
    page = client.get(f"/sources/{made.id}?started=1")
    assert "Đã đưa lần đồng bộ vào hàng đợi" in page.text and "Hoàn thành" in page.text
    assert re.search(r"Đọc 25 · thêm 25 · cập nhật 0", page.text)
    fill(pg_source, [row(n) for n in range(26, 29)])
    post(client, f"/sources/{made.id}/sync", {"full": "1"})
    runs = list(db.scalars(select(SyncRun).order_by(SyncRun.started_at)))
    assert [(r.mode, r.status, r.row_count) for r in runs] == [("full", "done", 25), ("full", "done", 28)]
    listing = client.get("/sources")
    assert "Hệ thống quản lý nhiệm vụ" in listing.text and "Hoàn thành" in listing.text and ">28<" in listing.text

    staff_view = client.get(f"/datasets/{dataset.id}").text
    assert "Nguồn đồng bộ" in staff_view and f'href="/sources/{made.id}"' in staff_view
    for url in ("/sources", f"/sources/{made.id}", f"/sources/{made.id}/edit", f"/datasets/{dataset.id}"):
        assert PLAIN not in client.get(url).text, url
    client.cookies.clear()
    public_view = client.get(f"/datasets/{dataset.id}").text
    assert "Dữ liệu được đồng bộ tự động từ hệ thống của đơn vị, lần cuối" in public_view
    assert f"/sources/{made.id}" not in public_view and pg_source.url not in public_view and "Lần đồng bộ gần nhất" not in public_view
    assert client.get(f"/sources/{made.id}", follow_redirects=False).status_code in (303, 401)


def test_the_form_shows_each_error_next_to_its_field_in_vietnamese_and_keeps_what_was_typed_but_the_password(
    client: TestClient, db: Session, pg_source: SourceDb
) -> None:
    dataset = _public_dataset(db)
    f.user(db, "admin", username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    with_password = post(client, "/sources/new", _form(dataset.id, "postgresql+psycopg://postgres:lo@127.0.0.1:5432/x"))
    assert with_password.status_code == 422
    assert re.search(r'id="f-url-error">.*Có mật khẩu\.', with_password.text)
    assert "Không ghi mật khẩu trong địa chỉ" in with_password.text
    assert 'value="Hệ thống quản lý nhiệm vụ"' in with_password.text and PLAIN not in with_password.text
    no_cursor = post(client, "/sources/new", _form(dataset.id, pg_source.url, cursor_column=""))
    assert no_cursor.status_code == 422 and re.search(r'id="f-cursor_column-error">.*Bắt buộc\.', no_cursor.text)
    bad_table = post(client, "/sources/new", _form(dataset.id, pg_source.url, table="nhiem vu; drop"))
    assert bad_table.status_code == 422 and 'id="f-table-error"' in bad_table.text
    not_select = post(client, "/sources/new", _form(dataset.id, pg_source.url, object="query", query="DELETE FROM nhiem_vu"))
    assert not_select.status_code == 422 and re.search(r'id="f-query-error">.*Không phải SELECT\.', not_select.text)
    short = post(client, "/sources/new", _form(dataset.id, pg_source.url, interval_minutes="1"))
    assert short.status_code == 422 and re.search(r'id="f-interval_minutes-error">.*Phải lớn hơn hoặc bằng 5\.', short.text)
    private = post(client, "/sources/new", _form(dataset.id, "postgresql+psycopg://doc@10.1.2.3:5432/x"))
    assert private.status_code == 422 and "KETNOI_SOURCE_NETWORKS" in private.text
    assert _sources(db) == []


def test_the_edit_form_keeps_the_stored_password_when_left_empty_and_removes_it_when_asked(
    client: TestClient, db: Session, pg_source: SourceDb
) -> None:
    dataset = _public_dataset(db)
    f.user(db, "admin", username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    assert post(client, "/sources/new", _form(dataset.id, pg_source.url)).status_code == 303
    (made,) = _sources(db)
    sealed = made.secret
    edit = client.get(f"/sources/{made.id}/edit")
    assert "Đã lưu mật khẩu — để trống để giữ nguyên." in edit.text and "Xoá mật khẩu đã lưu" in edit.text
    assert PLAIN not in edit.text and (sealed or "") not in edit.text and 'name="secret" type="password" value=""' in edit.text
    kept = post(client, f"/sources/{made.id}/edit", _form(dataset.id, pg_source.url, secret="", name="Tên mới"))
    assert kept.status_code == 303
    (after,) = _sources(db)
    assert (after.name, after.secret) == ("Tên mới", sealed)
    resource_id = after.resource_id
    cleared = post(client, f"/sources/{made.id}/edit", _form(dataset.id, pg_source.url, secret="", clear_secret="on"))
    assert cleared.status_code == 303 and _sources(db)[0].secret is None
    refused = post(client, f"/sources/{made.id}/edit", _form(dataset.id, pg_source.url, table=""))
    assert refused.status_code == 422 and 'id="f-table-error"' in refused.text and PLAIN not in refused.text

    deleted = post(client, f"/sources/{made.id}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/sources?done=deleted" and _sources(db) == []
    assert db.get(Resource, resource_id) is not None  # the resource stays in the dataset


def test_a_steward_of_another_unit_can_neither_file_into_the_dataset_nor_manage_its_sources(
    client: TestClient, db: Session, pg_source: SourceDb
) -> None:
    theirs = _public_dataset(db, "Đơn vị B")
    mine = f.unit(db, "Đơn vị A")
    f.user(db, "steward", mine, username="canbo")
    f.user(db, "admin", username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    assert post(client, "/sources/new", _form(theirs.id, pg_source.url)).status_code == 303
    (source,) = _sources(db)
    client.cookies.clear()

    login(client, "canbo", f.PASSWORD)
    assert "Nhiệm vụ đang tiến hành" not in client.get("/sources/new").text
    assert post(client, "/sources/new", _form(theirs.id, pg_source.url)).status_code == 403
    page = client.get(f"/sources/{source.id}")
    assert page.status_code == 200 and "Đồng bộ ngay" not in page.text and "Xoá nguồn" not in page.text
    assert client.get(f"/sources/{source.id}/edit").status_code == 403
    for action in ("edit", "sync", "preview", "delete"):
        assert post(client, f"/sources/{source.id}/{action}", _form(theirs.id, pg_source.url)).status_code == 403, action
    assert len(_sources(db)) == 1 and db.scalar(select(func.count()).select_from(SyncRun)) == 0


def test_a_rest_source_is_set_up_with_its_settings_as_json_and_a_wrong_one_is_shown_next_to_the_box(
    client: TestClient, db: Session
) -> None:
    dataset = _public_dataset(db)
    f.user(db, "admin", username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    new = client.get("/sources/new?kind=rest")
    assert new.status_code == 200 and "Cấu hình REST (JSON)" in new.text and "items_path" in new.text
    base: dict[str, object] = {"name": "API tỉnh", "kind": "rest", "dataset_id": str(dataset.id), "secret": PLAIN, "mode": "full",
            "interval_minutes": "60", "keep_versions": "3", "enabled": ""}  # fmt: skip
    broken = post(client, "/sources/new", base | {"rest_config": "{url: khong phai json"})
    assert broken.status_code == 422 and re.search(r'id="f-rest_config-error">.*JSON lỗi', broken.text) and PLAIN not in broken.text
    ftp = post(client, "/sources/new", base | {"rest_config": '{"url": "ftp://du-lieu.example.vn/api"}'})
    assert ftp.status_code == 422 and 'id="f-rest_config-error"' in ftp.text
    assert _sources(db) == []
