import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Database
from tests import factories as f
from tests.web.conftest import login, post, results


def _databases(db: Session) -> list[Database]:
    db.expire_all()
    return list(db.scalars(select(Database)))


def _form(owner_id: object, **values: str) -> dict[str, str]:
    return {"name": "CSDL", "owner_unit_id": str(owner_id), "db_class": "ministry_shared", "status": "operating", **values}


def test_a_database_created_with_a_vietnamese_name_is_found_without_diacritics(client: TestClient, db: Session) -> None:
    owner = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    f.database(db, owner, "Danh mục tổ chức khoa học")
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    name = "Cơ sở dữ liệu Nhiệm vụ khoa học và công nghệ"
    created = post(client, "/databases/new", _form(owner.id, name=name, code="NVKHCN", holds_personal_data="on"))
    assert created.status_code == 303
    record = next(d for d in _databases(db) if d.code == "NVKHCN")
    assert created.headers["location"] == f"/databases/{record.id}?done=created"
    assert record.name == name and record.holds_personal_data is True
    detail = client.get(created.headers["location"])
    assert "Đã tạo bản ghi." in detail.text and "CSDL dùng chung của Bộ" in detail.text and "Có dữ liệu cá nhân" in detail.text
    found = client.get("/databases", params={"q": "co so du lieu nhiem vu khoa hoc"})
    assert name in results(found) and "Danh mục tổ chức khoa học" not in results(found)


def test_a_missing_field_and_an_overlong_name_give_422_with_vietnamese_messages_and_create_nothing(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    missing = post(client, "/databases/new", _form(owner.id, name="", code="MA-01"))
    assert missing.status_code == 422
    assert "Vui lòng sửa các lỗi dưới đây" in missing.text
    assert re.search(r'id="f-name-error">.*Trường này là bắt buộc\.', missing.text)
    assert 'aria-describedby="f-name-error"' in missing.text
    assert 'value="MA-01"' in missing.text  # what the user typed is kept
    no_class = post(client, "/databases/new", _form(owner.id, db_class=""))
    assert no_class.status_code == 422 and re.search(r'id="f-db_class-error">.*Trường này là bắt buộc\.', no_class.text)
    overlong = post(client, "/databases/new", _form(owner.id, name="Dữ liệu " * 40))
    assert overlong.status_code == 422
    assert re.search(r'id="f-name-error">.*Tối đa 255 ký tự\.', overlong.text)
    assert _databases(db) == []


def test_a_code_already_used_gives_409_with_the_form_kept(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    f.database(db, owner, "CSDL cũ", code="TRUNG")
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    response = post(client, "/databases/new", _form(owner.id, name="CSDL mới", code="TRUNG"))
    assert response.status_code == 409
    assert "Mã CSDL đã được dùng." in response.text and 'value="CSDL mới"' in response.text
    assert len(_databases(db)) == 1


def test_a_failed_edit_is_rolled_back_not_half_saved(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    f.database(db, owner, "CSDL khác", code="KHAC")
    record = f.database(db, owner, "CSDL gốc", code="GOC")
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    response = post(client, f"/databases/{record.id}/edit", _form(owner.id, name="Tên đã đổi", code="KHAC"))
    assert response.status_code == 409
    db.expire_all()
    assert db.get(Database, record.id).name == "CSDL gốc"  # type: ignore[union-attr]


def test_a_steward_edits_their_own_units_database_but_not_another_units(client: TestClient, db: Session) -> None:
    mine, other = f.unit(db, "Vụ Kế hoạch - Tài chính"), f.unit(db, "Vụ Pháp chế")
    own = f.database(db, mine, "CSDL của tôi")
    foreign = f.database(db, other, "CSDL của đơn vị khác")
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    assert client.get(f"/databases/{foreign.id}/edit").status_code == 403
    refused = post(client, f"/databases/{foreign.id}/edit", _form(other.id, name="Đổi trộm"))
    assert refused.status_code == 403
    assert "Sửa" not in client.get(f"/databases/{foreign.id}").text.split("<main")[1].split("Thông tin chung")[0]
    assert client.get(f"/databases/{own.id}/edit").status_code == 200
    saved = post(client, f"/databases/{own.id}/edit", _form(mine.id, name="CSDL của tôi (đã sửa)", db_class="internal"))
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(Database, own.id).name == "CSDL của tôi (đã sửa)"  # type: ignore[union-attr]
    assert db.get(Database, foreign.id).name == "CSDL của đơn vị khác"  # type: ignore[union-attr]
    history = client.get(f"/databases/{own.id}").text
    assert "CSDL của tôi (đã sửa)" in history and "CSDL nội bộ" in history  # the audit trail, before → after


def test_a_leader_sees_records_without_edit_buttons_and_is_refused_on_post(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    record = f.database(db, owner, "CSDL xem được")
    f.user(db, "leader", owner, username="lanhdao")
    db.commit()
    login(client, "lanhdao", f.PASSWORD)
    page = client.get(f"/databases/{record.id}")
    assert page.status_code == 200 and "CSDL xem được" in page.text
    assert f"/databases/{record.id}/edit" not in page.text and f"/databases/{record.id}/delete" not in page.text
    assert "/databases/new" not in client.get("/databases").text
    assert post(client, f"/databases/{record.id}/edit", _form(owner.id, name="Sửa")).status_code == 403
    assert post(client, f"/databases/{record.id}/delete").status_code == 403
    assert post(client, "/databases/new", _form(owner.id, name="Mới")).status_code == 403
    assert [d.name for d in _databases(db)] == ["CSDL xem được"]


def test_delete_goes_through_a_confirmation_page(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    record = f.database(db, owner, "CSDL sẽ xoá")
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    confirm = client.get(f"/databases/{record.id}/delete")
    assert confirm.status_code == 200 and "Xác nhận xoá" in confirm.text and 'name="csrf_token"' in confirm.text
    assert len(_databases(db)) == 1
    deleted = post(client, f"/databases/{record.id}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/databases?done=deleted"
    assert _databases(db) == []


def test_the_list_pages_by_cursor(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    for n in range(27):
        f.database(db, owner, f"CSDL số {n:02d}")
    f.user(db, "steward", owner, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    first = client.get("/databases")
    assert "CSDL số 24" in first.text and "CSDL số 25" not in first.text and "Về đầu" not in first.text
    following = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert following is not None
    second = client.get(following.group(1).replace("&amp;", "&"))
    assert "CSDL số 25" in second.text and "CSDL số 26" in second.text and "CSDL số 24" not in second.text
    assert "Về đầu" in second.text and 'rel="next"' not in second.text


def test_with_htmx_the_search_returns_only_the_results(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    f.database(db, owner, "Cơ sở dữ liệu đo lường")
    db.commit()
    headers = {"HX-Request": "true", "HX-Target": "results"}
    partial = client.get("/databases", params={"q": "do luong", "db_class": ""}, headers=headers)
    assert partial.status_code == 200
    assert "Cơ sở dữ liệu đo lường" in partial.text and "<html" not in partial.text
    assert "HX-Request" in partial.headers["vary"]
    full = client.get("/databases", params={"q": "do luong"})
    assert "<html" in full.text and 'hx-get="/databases"' in full.text and 'hx-push-url="true"' in full.text


def test_anonymous_visitors_see_public_databases_only(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    shared = f.database(db, owner, "CSDL dùng chung")
    internal = f.database(db, owner, "CSDL nội bộ riêng", db_class="internal")
    db.commit()
    listing = results(client.get("/databases"))
    assert "CSDL dùng chung" in listing and "CSDL nội bộ riêng" not in listing
    assert client.get(f"/databases/{shared.id}").status_code == 200
    assert client.get(f"/databases/{internal.id}").status_code == 404
    assert db.scalar(select(func.count()).select_from(Database)) == 2
