"""The demo ministry loads through the real services, completely and only once."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.authz import PUBLIC, Role
from ketnoi.catalog import databases
from ketnoi.catalog.models import Database, DatabaseClass, DataItem, Dataset, SharingForm, Visibility
from ketnoi.db import unit_of_work
from ketnoi.demo import data
from ketnoi.demo.loader import DemoResult, load_demo
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.errors import Invalid
from ketnoi.models import Base
from ketnoi.org.models import FocalPoint, Organization, OrgKind

PASSWORD = "demo-mat-khau-2026"


def _count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def test_loading_creates_the_ministry_units_catalog_and_accounts(db: Session) -> None:
    result = load_demo(db, password=PASSWORD)

    assert result.present == 0
    assert result.organizations.created == len(data.ORGANIZATIONS) == _count(db, Organization)
    assert result.databases.created == _count(db, Database) >= 8
    assert result.datasets.created == _count(db, Dataset) >= 24
    assert result.data_items.created == _count(db, DataItem)
    assert result.focal_points.created == len(data.FOCAL_POINTS) == _count(db, FocalPoint)
    assert {u.role for u in db.scalars(select(User))} == {Role.ADMIN, Role.LEADER, Role.STEWARD}
    ministry = db.scalar(select(Organization).where(Organization.name == "Bộ Khoa học và Công nghệ"))
    assert ministry is not None and ministry.parent_id is None and ministry.kind == OrgKind.UNIT
    assert {d.db_class for d in db.scalars(select(Database))} == set(DatabaseClass)


def test_every_unit_has_a_current_focal_point_and_one_shows_history(db: Session) -> None:
    load_demo(db, password=PASSWORD)

    units = db.scalars(select(Organization).where(Organization.kind == OrgKind.UNIT)).all()
    current = {fp.organization_id for fp in db.scalars(select(FocalPoint).where(FocalPoint.ended_on.is_(None)))}
    assert {u.id for u in units} <= current
    ended = db.scalars(select(FocalPoint).where(FocalPoint.ended_on.is_not(None))).all()
    assert [fp.appointment_document for fp in ended] == ["Công văn số 123/TTCNTT ngày 15/6/2020"]
    ministry_id = _ministry_id(db)
    sub_units = select(func.count()).where(Organization.parent_id.is_not(None), Organization.parent_id != ministry_id)
    assert db.scalar(sub_units) == 1  # the institute under the Ủy ban: the hierarchy has depth


def _ministry_id(session: Session) -> Any:
    return session.scalar(select(Organization.id).where(Organization.agency_code == data.MINISTRY))


def test_loading_twice_creates_nothing_new(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        first = load_demo(session, password=PASSWORD)
    with unit_of_work(engine) as session:
        second = load_demo(session, password=PASSWORD)
        counts = {m.__name__: _count(session, m) for m in (Organization, FocalPoint, User, Database, Dataset, DataItem)}

    assert second.created == 0
    for name, tally in second.tallies().items():
        assert tally.present == first.tallies()[name].created, name
    assert counts == {
        "Organization": first.organizations.created,
        "FocalPoint": first.focal_points.created,
        "User": first.users.created,
        "Database": first.databases.created,
        "Dataset": first.datasets.created,
        "DataItem": first.data_items.created,
    }


def test_every_stored_text_is_nfc(db: Session) -> None:
    load_demo(db, password=PASSWORD)
    db.flush()

    checked = 0
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)):
            for text in _texts(list(row)):
                assert unicodedata.normalize("NFC", text) == text, (table.name, text)
                checked += 1
    assert checked > 1000


def test_search_without_diacritics_finds_the_national_database(db: Session) -> None:
    load_demo(db, password=PASSWORD)

    page = databases.list_databases(db, actor=PUBLIC, q="co so du lieu khoa hoc")

    national = [d for d in page.items if d.db_class == DatabaseClass.NATIONAL]
    assert [d.name for d in national] == ["Cơ sở dữ liệu quốc gia về khoa học và công nghệ"]
    owner = db.get(Organization, national[0].owner_unit_id)
    assert owner is not None and owner.name == "Cục Thông tin khoa học và công nghệ quốc gia"


def test_stewards_have_units_and_every_account_logs_in_with_the_password(db: Session) -> None:
    load_demo(db, password=PASSWORD)

    users = {u.username: u for u in db.scalars(select(User))}
    assert {"admin", "lanhdao", "ttcntt", "cucthongtin", "vukhtc"} <= set(users)
    stewards = [u for u in users.values() if u.role == Role.STEWARD]
    assert len(stewards) >= 3 and all(u.unit_id is not None for u in stewards)
    nasati = db.scalar(select(Organization.id).where(Organization.short_name == "Cục TTKHCNQG"))
    assert users["cucthongtin"].unit_id == nasati
    assert auth.authenticate(db, username="ttcntt", password=PASSWORD).id == users["ttcntt"].id
    scope = actor_for(db, users["tcdlcl"]).unit_scope
    assert len(scope) == 2  # the Ủy ban and the institute below it


def test_datasets_have_three_to_ten_items_and_public_ones_keep_personal_data_closed(db: Session) -> None:
    load_demo(db, password=PASSWORD)

    for ds in db.scalars(select(Dataset)):
        fields = db.scalars(select(DataItem).where(DataItem.dataset_id == ds.id)).all()
        assert 3 <= len(fields) <= 10, ds.name
        if ds.visibility == Visibility.PUBLIC:
            assert not [f.name for f in fields if f.is_personal and f.sharing_form == SharingForm.OPEN], ds.name
    public = db.scalar(select(func.count()).where(Dataset.visibility == Visibility.PUBLIC)) or 0
    assert 0 < public < _count(db, Dataset) / 2 + 1
    assert db.scalar(select(func.count()).where(DataItem.name == "so_cccd", DataItem.is_personal.is_(True)))


def test_a_short_password_is_refused_before_anything_is_created(db: Session) -> None:
    with pytest.raises(Invalid):
        load_demo(db, password="ngan")
    assert _count(db, Organization) == 0


def test_result_reports_counts_per_kind() -> None:
    result = DemoResult()
    result.datasets.count(created=True)
    result.datasets.count(created=False)
    assert (result.created, result.present) == (1, 1)
    assert set(result.tallies()) == {
        "organizations",
        "focal_points",
        "users",
        "databases",
        "datasets",
        "data_items",
        "resources",
        "services",
        "feedback",
        "harvest_sources",
        "quality",
        "governance",
        "connections",
    }
    assert system_actor().role is Role.ADMIN


def test_the_operator_reads_what_was_loaded_in_vietnamese() -> None:
    result = DemoResult()
    assert result.summary() == "Dữ liệu mẫu đã có sẵn, không thêm gì (0 bản ghi)."
    result.datasets.count(created=True)
    result.organizations.count(created=True)
    result.users.count(created=False)
    assert result.summary() == (
        "Đã nạp dữ liệu mẫu: 1 tổ chức, 0 đầu mối, 0 tài khoản, 0 CSDL, 1 bộ dữ liệu, 0 trường dữ liệu, "
        "0 tệp dữ liệu đã nạp, 0 dịch vụ chia sẻ và ứng dụng khai thác, 0 ý kiến phản hồi về dữ liệu mở, "
        "0 nguồn thu thập dữ liệu, 0 quy tắc, sự cố và báo cáo chất lượng dữ liệu, "
        "0 nhóm ví dụ quản trị (kế hoạch, danh mục, khảo sát, tập huấn), "
        "0 ví dụ kết nối (nguồn đồng bộ, nút ngang hàng, đăng ký quốc gia); 1 bản ghi đã có sẵn."
    )


def test_the_demo_has_legacy_files_and_a_spreadsheet_loaded_into_the_datastore(db: Session) -> None:
    from ketnoi.authz import PUBLIC
    from ketnoi.datastore import access, sql
    from ketnoi.datastore.models import DatastoreVersion

    load_demo(db, password=PASSWORD)
    by_format = {v.encoding if v.source_format == "csv" else v.source_format: v for v in db.scalars(select(DatastoreVersion))}
    old, sheet, vni = by_format["tcvn3"], by_format["xlsx"], by_format["vni"]
    assert {f["name"]: f["type"] for f in vni.table_schema["fields"]}["ngay_cap"] == "date"  # the shifted row did not decide it
    assert (vni.row_count, vni.bad_row_count) == (5, 1)  # the row with a cell too many set aside, the others loaded
    assert (old.encoding, old.header_line, old.row_count, old.bad_row_count) == ("tcvn3", 4, 8, 0)
    fields = {f["name"]: f for f in old.table_schema["fields"]}
    assert fields["kinh_phi_tu_ngan_sach_nha_nuoc_trieu_dong"]["type"] == "number"
    assert fields["ngay_bat_dau"]["type"] == "date" and fields["ma_de_tai_du_an"]["title"] == "Mã đề tài, dự án"
    assert (sheet.source_format, sheet.header_line, sheet.row_count) == ("xlsx", 4, 6)
    assert {f["name"]: f["type"] for f in sheet.table_schema["fields"]}["ngay_dang_ky"] == "date"
    # Every column of the old file is open data (so SQL reads it); the spreadsheet's registrant is personal.
    assert [t.table_name for t in sql.open_tables(db)] == [old.table_name]
    hidden = access.served(db, actor=PUBLIC, resource_id=sheet.resource_id).hidden
    assert [f.title for f in hidden] == ["Người đăng ký"]
    load_demo(db, password=PASSWORD)  # loading again adds no version
    assert db.scalar(select(func.count()).select_from(DatastoreVersion)) == 3


def test_the_demo_has_sharing_services_at_each_stage_with_one_late(db: Session) -> None:
    from ketnoi.sharing import registry

    load_demo(db, password=PASSWORD)
    admin = system_actor()
    stages = {v.service.code: v.service.status for v in registry.list_services(db, actor=admin)}
    assert stages == {"DV.KHCN.NHIEMVU": "published", "DV.KHCN.KETQUA": "ready", "DV.KHCN.TOCHUC": "draft", "DV.KHCN.DANGKY": "published"}
    assert [v.service.code for v in registry.list_services(db, actor=admin, sla="late")] == ["DV.KHCN.KETQUA"]
    from ketnoi.sharing import consumers

    assert sorted(app.name for app, _, _ in consumers.list_apps(db, actor=admin)) == [
        "Cổng Dịch vụ công quốc gia",
        "Hệ thống kết nối, khai thác Cơ sở dữ liệu quốc gia về dân cư",
    ]


def test_the_demo_application_calls_the_gateway_with_its_key_and_a_request_awaits_an_answer(db: Session, var_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from ketnoi.sharing.requests import ConnectionRequest
    from tests.apps import shared_app

    load_demo(db, password=PASSWORD)
    db.commit()
    key = (var_dir / "demo_api_key").read_text().strip()
    assert oct((var_dir / "demo_api_key").stat().st_mode & 0o777) == "0o600"
    with TestClient(shared_app()) as client:
        answered = client.get("/x/DV.KHCN.NHIEMVU/records", params={"limit": "3"}, headers={"X-API-Key": key})
        assert answered.status_code == 200, answered.text
        assert len(answered.json()["items"]) == 3 and "signature" in answered.headers
    assert sorted(r.status for r in db.scalars(select(ConnectionRequest))) == ["approved", "submitted"]
    load_demo(db, password=PASSWORD)  # again: nothing more
    assert db.scalar(select(func.count()).select_from(ConnectionRequest)) == 2
    assert (var_dir / "demo_api_key").read_text().strip() == key


def test_make_run_s_commands_work_in_fresh_processes(tmp_path: Path) -> None:
    """`make run` as a newcomer runs it: each command a new process importing only what it needs
    (the test process has every model loaded, which once hid a mapper missing in the CLI)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("KETNOI_")}
    env |= {"KETNOI_DATABASE_URL": f"sqlite:///{tmp_path}/ketnoi.db", "KETNOI_VAR_DIR": str(tmp_path), "KETNOI_DEMO_PASSWORD": PASSWORD}
    env |= {"KETNOI_SOURCE_SQLITE_DIR": str(tmp_path / "demo_sources")}  # as `make run` sets it: the demo's synced source
    ketnoi = str(Path(sys.executable).parent / "ketnoi")
    for command in (["db", "upgrade"], ["demo", "load"], ["audit", "verify"]):
        done = subprocess.run([ketnoi, *command], env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    assert (tmp_path / "demo_api_key").exists()
    listed = subprocess.run([ketnoi, "source", "list"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "Hệ thống quản lý nhiệm vụ" in listed.stdout and "done" in listed.stdout, listed.stdout[-2000:]
