import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog import datasets
from ketnoi.catalog.models import DataItem, Dataset, Resource
from ketnoi.identity import system_actor
from tests import factories as f
from tests.web.conftest import csrf, login, post, results


def _dataset(db: Session, name: str) -> Dataset:
    db.expire_all()
    found = db.scalar(select(Dataset).where(Dataset.name == name))
    assert found is not None
    return found


def test_a_steward_creates_a_dataset_with_tags_in_their_own_database_only(client: TestClient, db: Session) -> None:
    mine, other = f.unit(db, "Cục Sở hữu trí tuệ"), f.unit(db, "Cục Năng lượng nguyên tử")
    own_db = f.database(db, mine, "CSDL sở hữu công nghiệp")
    other_db = f.database(db, other, "CSDL an toàn bức xạ")
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    form = client.get("/datasets/new").text
    assert "CSDL sở hữu công nghiệp" in form and "CSDL an toàn bức xạ" not in form
    created = post(
        client,
        "/datasets/new",
        {
            "database_id": str(own_db.id),
            "name": "Đơn đăng ký sáng chế",
            "description": "",
            "license_id": "cc-by-4.0",
            "topic": "so-huu-tri-tue",
            "tags": "Sáng chế, đơn đăng ký, , sáng chế",
            "update_frequency": "monthly",
            "data_class": "important",
            "visibility": "internal",
        },
    )
    assert created.status_code == 303
    ds = _dataset(db, "Đơn đăng ký sáng chế")
    view = datasets.dataset_view(db, actor=system_actor(), dataset_id=ds.id)
    assert view.tags == ["sáng chế", "đơn đăng ký"] and ds.description is None and ds.owner_unit_id == mine.id
    page = client.get(f"/datasets/{ds.id}").text
    assert "Sở hữu trí tuệ" in page and "Hằng tháng" in page and "Dữ liệu quan trọng" in page and "sáng chế" in page
    foreign = {"database_id": str(other_db.id), "name": "Không được", "data_class": "other", "visibility": "internal"}
    refused = post(client, "/datasets/new", foreign)
    assert refused.status_code == 403


def test_data_items_are_added_edited_and_deleted_on_the_dataset_page(client: TestClient, db: Session) -> None:
    mine = f.unit(db)
    ds = f.dataset(db, f.database(db, mine), "Hồ sơ chuyên gia").dataset
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    item = {
        "name": "so_cccd",
        "title": "Số căn cước công dân",
        "data_type": "string",
        "sharing_form": "open",
        "is_personal": ["", "on"],
        "is_sensitive": "",
        "position": "1",
    }
    assert post(client, f"/datasets/{ds.id}/items", item).status_code == 303
    bad = post(client, f"/datasets/{ds.id}/items", {**item, "name": "Số CCCD", "title": ""})
    assert bad.status_code == 422
    assert re.search(r'id="f-name-error">.*Tên trường chỉ gồm a-z', bad.text)
    assert re.search(r'id="f-title-error">.*Trường này là bắt buộc\.', bad.text)
    duplicate = post(client, f"/datasets/{ds.id}/items", item)
    assert duplicate.status_code == 409 and "Tên trường đã có trong bộ dữ liệu." in duplicate.text
    db.expire_all()
    saved = db.scalar(select(DataItem))
    assert saved is not None and saved.is_personal is True and saved.is_sensitive is False
    page = client.get(f"/datasets/{ds.id}").text
    assert "Số căn cước công dân" in page and "Dữ liệu mở" in page
    # Publishing a dataset whose personal data item is open is refused, field by field.
    public = post(
        client,
        f"/datasets/{ds.id}/edit",
        {"database_id": str(ds.database_id), "name": ds.name, "tags": "", "data_class": "other", "visibility": "public"},
    )
    assert public.status_code == 422 and "Không thể công khai" in public.text
    assert _dataset(db, "Hồ sơ chuyên gia").visibility == "internal"
    edit_url = f"/datasets/{ds.id}/items/{saved.id}/edit"
    assert "checked" in client.get(edit_url).text
    assert post(client, edit_url, {**item, "sharing_form": "not_shared"}).status_code == 303
    assert (
        post(
            client,
            f"/datasets/{ds.id}/edit",
            {"database_id": str(ds.database_id), "name": ds.name, "tags": "", "data_class": "other", "visibility": "public"},
        ).status_code
        == 303
    )
    assert client.get(f"/datasets/{ds.id}/items/{saved.id}/delete").status_code == 200
    assert post(client, f"/datasets/{ds.id}/items/{saved.id}/delete").status_code == 303
    db.expire_all()
    assert db.scalar(select(DataItem)) is None


def test_a_resource_is_uploaded_downloaded_and_deleted(client: TestClient, db: Session) -> None:
    mine = f.unit(db)
    ds = f.dataset(db, f.database(db, mine), "Danh sách phòng thí nghiệm").dataset
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    content = "ma,ten\n1,Phòng thí nghiệm trọng điểm\n".encode()
    uploaded = client.post(
        f"/datasets/{ds.id}/resources",
        data={"csrf_token": csrf(client), "name": "Danh sách 2025"},
        files={"file": ("phong-thi-nghiem.csv", content, "text/csv")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    db.expire_all()
    resource = db.scalar(select(Resource))
    assert resource is not None and resource.format == "CSV" and resource.name == "Danh sách 2025"
    page = client.get(f"/datasets/{ds.id}").text
    assert f"/api/v1/resources/{resource.id}/download" in page
    assert client.get(f"/api/v1/resources/{resource.id}/download").content == content
    wrong = client.post(
        f"/datasets/{ds.id}/resources",
        data={"csrf_token": csrf(client)},
        files={"file": ("virus.exe", b"MZ", "application/octet-stream")},
        follow_redirects=False,
    )
    assert wrong.status_code == 422 and "Định dạng tệp không được hỗ trợ" in wrong.text
    none = client.post(
        f"/datasets/{ds.id}/resources",
        data={"csrf_token": csrf(client)},
        files={"file": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert none.status_code == 422 and "Vui lòng chọn tệp." in none.text
    assert post(client, f"/resources/{resource.id}/delete").status_code == 303
    db.expire_all()
    assert db.scalar(select(Resource)) is None


def test_the_dataset_list_counts_results_and_shows_anonymous_visitors_public_datasets_only(client: TestClient, db: Session) -> None:
    owner = f.unit(db)
    base = f.database(db, owner)
    f.dataset(db, base, "Thống kê doanh nghiệp khoa học", visibility="public", tags=["doanh nghiệp"])
    f.dataset(db, base, "Thống kê nội bộ về khoa học")
    f.user(db, "leader", owner, username="lanhdao")
    db.commit()
    anonymous = results(client.get("/datasets", params={"q": "thong ke khoa hoc"}))
    assert "Tìm thấy 1 bộ dữ liệu" in anonymous and "nội bộ" not in anonymous
    login(client, "lanhdao", f.PASSWORD)
    staff = results(client.get("/datasets", params={"q": "thong ke khoa hoc"}))
    assert "Tìm thấy 2 bộ dữ liệu" in staff
    tagged = results(client.get("/datasets", params={"tag": "doanh nghiệp"}))
    assert "Tìm thấy 1 bộ dữ liệu" in tagged
    home = client.get("/").text
    assert "Thay đổi gần đây" in home and "Thống kê nội bộ về khoa học" in home


def test_a_steward_without_a_database_is_told_to_create_one_and_a_leader_is_refused(client: TestClient, db: Session) -> None:
    unit = f.unit(db)
    f.user(db, "steward", unit, username="canbo")
    f.user(db, "leader", unit, username="lanhdao")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = client.get("/datasets/new")
    assert page.status_code == 200 and "Hãy tạo cơ sở dữ liệu trước." in page.text
    client.cookies.clear()
    login(client, "lanhdao", f.PASSWORD)
    assert client.get("/datasets/new").status_code == 403
