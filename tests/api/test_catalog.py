from __future__ import annotations

import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketnoi.catalog.models import Database, Dataset, Resource
from ketnoi.db import unit_of_work
from tests.api.conftest import World, error_of


def _count(model: type) -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _db(api: TestClient, world: World, who: str = "steward_a", **fields: object) -> dict[str, object]:
    body = {
        "name": "Cơ sở dữ liệu quốc gia về khoa học và công nghệ",
        "owner_unit_id": str(world.unit_a.id),
        "db_class": "national",
        **fields,
    }
    r = api.post("/api/v1/databases", json=body, headers=world.headers[who])
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_steward_creates_database_and_finds_it_without_diacritics(api: TestClient, world: World) -> None:
    created = _db(api, world)
    found = api.get("/api/v1/databases", params={"q": "co so du lieu khoa hoc"}, headers=world.headers["leader"]).json()
    assert [d["id"] for d in found["items"]] == [created["id"]]


def test_missing_required_fields_get_vietnamese_messages_and_nothing_is_written(api: TestClient, world: World) -> None:
    r = api.post("/api/v1/databases", json={"purpose": "x"}, headers=world.headers["admin"])
    assert r.status_code == 422
    err = error_of(r)
    assert err["fields"] == {
        "name": "Trường này là bắt buộc.",
        "owner_unit_id": "Trường này là bắt buộc.",
        "db_class": "Trường này là bắt buộc.",
    }
    assert _count(Database) == 0


def test_overlong_text_and_bad_enum_are_refused(api: TestClient, world: World) -> None:
    body = {"name": "C" * 256, "owner_unit_id": str(world.unit_a.id), "db_class": "secret", "security_level": 9}
    r = api.post("/api/v1/databases", json=body, headers=world.headers["admin"])
    assert r.status_code == 422
    fields = error_of(r)["fields"]
    assert fields["name"] == "Tối đa 255 ký tự."  # type: ignore[index]
    assert fields["db_class"].startswith("Giá trị không hợp lệ")  # type: ignore[index]
    assert fields["security_level"] == "Phải nhỏ hơn hoặc bằng 5."  # type: ignore[index]
    assert _count(Database) == 0


def test_malformed_json_is_a_400_and_wrong_content_type_a_415(api: TestClient, world: World) -> None:
    h = world.headers["admin"]
    bad = api.post("/api/v1/databases", content=b'{"name": "x",', headers={**h, "content-type": "application/json"})
    assert bad.status_code == 400 and error_of(bad)["type"] == "bad_request"
    text = api.post("/api/v1/databases", content=b"name=x", headers={**h, "content-type": "text/plain"})
    assert text.status_code == 415 and error_of(text)["type"] == "unsupported_media_type"
    assert _count(Database) == 0


def test_anonymous_write_is_401_leader_write_is_403(api: TestClient, world: World) -> None:
    body = {"name": "X", "owner_unit_id": str(world.unit_a.id), "db_class": "internal"}
    anonymous = api.post("/api/v1/databases", json=body)
    assert anonymous.status_code == 401 and error_of(anonymous)["type"] == "unauthenticated"
    assert api.post("/api/v1/databases", json=body, headers=world.headers["leader"]).status_code == 403
    assert api.post("/api/v1/databases", json=body, headers={"Authorization": "Bearer kn_forged"}).status_code == 401
    assert _count(Database) == 0


def test_steward_cannot_create_or_edit_in_another_unit(api: TestClient, world: World) -> None:
    theirs = _db(api, world, who="steward_b", owner_unit_id=str(world.unit_b.id), name="CSDL văn bản quy phạm pháp luật")
    body = {"name": "X", "owner_unit_id": str(world.unit_b.id), "db_class": "internal"}
    assert api.post("/api/v1/databases", json=body, headers=world.headers["steward_a"]).status_code == 403
    r = api.patch(f"/api/v1/databases/{theirs['id']}", json={"name": "Đổi"}, headers=world.headers["steward_a"])
    assert r.status_code == 403
    assert api.get(f"/api/v1/databases/{theirs['id']}", headers=world.headers["steward_a"]).json()["name"] == theirs["name"]
    # Nor can a steward hand their own database to another unit.
    own = _db(api, world)
    moved = api.patch(f"/api/v1/databases/{own['id']}", json={"owner_unit_id": str(world.unit_b.id)}, headers=world.headers["steward_a"])
    assert moved.status_code == 403


def test_steward_scope_includes_sub_units(api: TestClient, world: World) -> None:
    _db(api, world, owner_unit_id=str(world.sub_a.id), name="CSDL của phòng")


def test_public_sees_shared_databases_and_public_datasets_only(api: TestClient, world: World) -> None:
    shared = _db(api, world, db_class="ministry_shared", name="CSDL dùng chung")
    internal = _db(api, world, db_class="internal", name="CSDL nội bộ")
    names = [d["name"] for d in api.get("/api/v1/databases").json()["items"]]
    assert names == ["CSDL dùng chung"]
    assert api.get(f"/api/v1/databases/{internal['id']}").status_code == 404
    h = world.headers["steward_a"]
    for name, visibility in (("Bộ công khai", "public"), ("Bộ nội bộ", "internal")):
        body = {"database_id": shared["id"], "name": name, "visibility": visibility}
        assert api.post("/api/v1/datasets", json=body, headers=h).status_code == 201
    assert [d["name"] for d in api.get("/api/v1/datasets").json()["items"]] == ["Bộ công khai"]
    assert len(api.get("/api/v1/datasets", headers=world.headers["leader"]).json()["items"]) == 2


def test_dataset_filters_tags_and_total(api: TestClient, world: World) -> None:
    base = _db(api, world)
    h = world.headers["steward_a"]
    specs = [
        ("Nhiệm vụ khoa học cấp quốc gia", "khcn", ["nhiệm vụ", "Quốc gia"]),
        ("Văn bằng sở hữu công nghiệp", "so-huu-tri-tue", ["văn bằng"]),
        ("Tổ chức khoa học và công nghệ", "khcn", []),
    ]
    for name, topic, tags in specs:
        body = {"database_id": base["id"], "name": name, "topic": topic, "tags": tags, "license_id": "cc-by-4.0"}
        assert api.post("/api/v1/datasets", json=body, headers=h).status_code == 201, name

    def names(**params: object) -> list[str]:
        return [d["name"] for d in api.get("/api/v1/datasets", params=params, headers=h).json()["items"]]

    assert names(topic="khcn") == ["Nhiệm vụ khoa học cấp quốc gia", "Tổ chức khoa học và công nghệ"]
    assert names(tag="quốc gia") == ["Nhiệm vụ khoa học cấp quốc gia"]
    assert names(q="van bang so huu") == ["Văn bằng sở hữu công nghiệp"]
    assert names(organization_id=str(world.ministry.id), q="khoa hoc") == [
        "Nhiệm vụ khoa học cấp quốc gia",
        "Tổ chức khoa học và công nghệ",
    ]
    assert names(organization_id=str(world.unit_b.id)) == []
    page = api.get("/api/v1/datasets", params={"q": "khoa hoc", "limit": 1, "include_total": "true"}, headers=h).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next_cursor"]
    bad = api.post("/api/v1/datasets", json={"database_id": base["id"], "name": "X", "license_id": "gpl"}, headers=h)
    assert bad.status_code == 422 and "license_id" in error_of(bad)["fields"]  # type: ignore[operator]


def test_personal_item_cannot_be_open_in_a_public_dataset(api: TestClient, world: World) -> None:
    base = _db(api, world)
    h = world.headers["steward_a"]
    ds = api.post("/api/v1/datasets", json={"database_id": base["id"], "name": "Chuyên gia", "visibility": "public"}, headers=h).json()
    item = {"name": "so_cccd", "title": "Số CCCD", "sharing_form": "open", "is_personal": True}
    r = api.post(f"/api/v1/datasets/{ds['id']}/items", json=item, headers=h)
    assert r.status_code == 422 and "so_cccd" in error_of(r)["message"]  # type: ignore[operator]
    assert api.get(f"/api/v1/datasets/{ds['id']}", headers=h).json()["items"] == []
    ok = api.post(f"/api/v1/datasets/{ds['id']}/items", json={**item, "sharing_form": "specific_request"}, headers=h)
    assert ok.status_code == 201
    dup = api.post(f"/api/v1/datasets/{ds['id']}/items", json={**item, "sharing_form": "not_shared"}, headers=h)
    assert dup.status_code == 409
    bad_name = api.post(f"/api/v1/datasets/{ds['id']}/items", json={**item, "name": "Số CCCD"}, headers=h)
    assert bad_name.status_code == 422 and "name" in error_of(bad_name)["fields"]  # type: ignore[operator]


def test_resource_upload_download_and_bounds(api: TestClient, world: World) -> None:
    from ketnoi.settings import get_settings

    base = _db(api, world)
    h = world.headers["steward_a"]
    ds = api.post("/api/v1/datasets", json={"database_id": base["id"], "name": "Đề tài"}, headers=h).json()
    content = "ma_de_tai,ten\nDT-1,Nghiên cứu vật liệu\n".encode()
    up = api.post(f"/api/v1/datasets/{ds['id']}/resources", files={"file": ("../../de_tai.csv", content, "text/csv")}, headers=h)
    assert up.status_code == 201, up.text
    res = up.json()
    assert res["original_filename"] == "de_tai.csv" and res["size"] == len(content) and res["format"] == "CSV"
    assert api.get(f"/api/v1/resources/{res['id']}/download", headers=h).content == content
    exe = api.post(f"/api/v1/datasets/{ds['id']}/resources", files={"file": ("x.exe", b"MZ", "application/octet-stream")}, headers=h)
    assert exe.status_code == 422 and "file" in error_of(exe)["fields"]  # type: ignore[operator]
    settings = get_settings()
    old = settings.max_upload_mb
    settings.max_upload_mb = 1
    try:
        big = io.BytesIO(b"a," * (600 * 1024))
        r = api.post(f"/api/v1/datasets/{ds['id']}/resources", files={"file": ("big.csv", big, "text/csv")}, headers=h)
        # 1.2 MB body: under the transport bound (limit + 1 MB), refused by the file store's own bound.
        assert r.status_code == 422 and error_of(r)["fields"] == {"file": "Tệp vượt quá giới hạn 1 MB."}
        huge = io.BytesIO(b"a" * (3 << 20))
        r = api.post(f"/api/v1/datasets/{ds['id']}/resources", files={"file": ("huge.csv", huge, "text/csv")}, headers=h)
        assert r.status_code == 413
    finally:
        settings.max_upload_mb = old
    assert _count(Resource) == 1
    assert (
        api.post(
            f"/api/v1/datasets/{ds['id']}/resources", files={"file": ("x.csv", content, "text/csv")}, headers=world.headers["steward_b"]
        ).status_code
        == 403
    )


def test_database_with_datasets_cannot_be_deleted(api: TestClient, world: World) -> None:
    base = _db(api, world)
    h = world.headers["steward_a"]
    ds = api.post("/api/v1/datasets", json={"database_id": base["id"], "name": "Đề tài"}, headers=h).json()
    assert api.delete(f"/api/v1/databases/{base['id']}", headers=h).status_code == 409
    assert api.delete(f"/api/v1/datasets/{ds['id']}", headers=h).status_code == 204
    assert api.delete(f"/api/v1/databases/{base['id']}", headers=h).status_code == 204
    assert _count(Dataset) == 0 and _count(Database) == 0
