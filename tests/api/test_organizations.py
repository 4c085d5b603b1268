from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ketnoi.audit.models import AuditEvent
from ketnoi.db import unit_of_work
from ketnoi.org.models import Organization
from tests.api.conftest import World, error_of


def _count_orgs() -> int:
    with unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Organization)) or 0


def test_admin_creates_agency_with_valid_e_id(api: TestClient, world: World) -> None:
    body = {"name": "Bộ Thông tin và Truyền thông", "kind": "agency", "agency_code": "000.00.00.g12"}
    r = api.post("/api/v1/organizations", json=body, headers=world.headers["admin"])
    assert r.status_code == 201, r.text
    assert r.json()["agency_code"] == "000.00.00.G12"


def test_invalid_agency_e_id_is_refused_with_field_error_and_nothing_written(api: TestClient, world: World) -> None:
    before = _count_orgs()
    for code in ("000-00-00-G12", "A" * 36, "mã đơn vị", "000.00.00.G12 " + "X"):
        r = api.post("/api/v1/organizations", json={"name": "Cơ quan X", "agency_code": code}, headers=world.headers["admin"])
        assert r.status_code == 422, (code, r.text)
        err = error_of(r)
        assert err["type"] == "validation_error"
        assert "agency_code" in err["fields"]  # type: ignore[operator]
    assert _count_orgs() == before


def test_a_website_must_be_an_http_address(api: TestClient, world: World) -> None:
    """The portal links to it on a public page: never a javascript: or data: address."""
    before = _count_orgs()
    for website in ("javascript:alert(1)", "data:text/html,x", "www.most.gov.vn"):
        r = api.post("/api/v1/organizations", json={"name": "Cơ quan Y", "website": website}, headers=world.headers["admin"])
        assert r.status_code == 422 and "website" in error_of(r)["fields"], (website, r.text)  # type: ignore[operator]
    assert _count_orgs() == before
    ok = api.post("/api/v1/organizations", json={"name": "Cơ quan Y", "website": "https://www.most.gov.vn"}, headers=world.headers["admin"])
    assert ok.status_code == 201, ok.text


def test_duplicate_agency_e_id_is_a_conflict(api: TestClient, world: World) -> None:
    r = api.post("/api/v1/organizations", json={"name": "Trùng mã", "agency_code": "000.01.00.G22"}, headers=world.headers["admin"])
    assert r.status_code == 409
    assert error_of(r)["fields"] == {"agency_code": "Mã định danh điện tử này đã được dùng cho tổ chức khác."}


def test_search_without_diacritics_and_keyset_pages(api: TestClient, world: World) -> None:
    r = api.get("/api/v1/organizations", params={"q": "trung tam cong nghe"})
    assert [o["name"] for o in r.json()["items"]] == ["Trung tâm Công nghệ thông tin"]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/organizations", params=params).json()
        seen += [o["name"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 4


def test_bad_cursor_is_a_400(api: TestClient) -> None:
    r = api.get("/api/v1/organizations", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400
    assert error_of(r)["fields"] == {"cursor": "Không hợp lệ."}


def test_steward_edits_own_unit_but_not_another_and_refusal_is_logged(api: TestClient, world: World) -> None:
    own = api.patch(f"/api/v1/organizations/{world.sub_a.id}", json={"phone": "024 3943 9999"}, headers=world.headers["steward_a"])
    assert own.status_code == 200, own.text
    other = api.patch(f"/api/v1/organizations/{world.unit_b.id}", json={"name": "Đổi tên"}, headers=world.headers["steward_a"])
    assert other.status_code == 403
    assert error_of(other)["type"] == "forbidden"
    with unit_of_work() as s:
        assert s.get(Organization, world.unit_b.id).name == "Vụ Pháp chế"  # type: ignore[union-attr]
        denial = s.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()
        assert denial.actor_label == "steward_a"
        assert str(world.unit_b.id) in denial.entity_label


def test_focal_point_appointment_keeps_history(api: TestClient, world: World) -> None:
    url = f"/api/v1/organizations/{world.unit_a.id}/focal-points"
    h = world.headers["steward_a"]
    first = {"full_name": "Nguyễn Thị Hoa", "position": "Phó Giám đốc", "email": "hoa@most.gov.vn", "started_on": "2020-06-15"}
    assert api.post(url, json=first, headers=h).status_code == 201
    second = {"full_name": "Trần Văn Bình", "started_on": "2024-01-02", "phone": "0912345678"}
    assert api.post(url, json=second, headers=h).status_code == 201
    earlier = {"full_name": "Lê Văn C", "started_on": "2023-01-01"}
    refused = api.post(url, json=earlier, headers=h)
    assert refused.status_code == 422 and "started_on" in error_of(refused)["fields"]  # type: ignore[operator]
    points = api.get(url).json()
    assert [(p["full_name"], p["ended_on"]) for p in points] == [("Trần Văn Bình", None), ("Nguyễn Thị Hoa", "2024-01-01")]


def test_unit_cannot_become_its_own_descendant(api: TestClient, world: World) -> None:
    r = api.patch(f"/api/v1/organizations/{world.unit_a.id}", json={"parent_id": str(world.sub_a.id)}, headers=world.headers["admin"])
    assert r.status_code == 422 and "parent_id" in error_of(r)["fields"]  # type: ignore[operator]


def test_organization_with_children_cannot_be_deleted(api: TestClient, world: World) -> None:
    r = api.delete(f"/api/v1/organizations/{world.unit_a.id}", headers=world.headers["admin"])
    assert r.status_code == 409
    assert api.delete(f"/api/v1/organizations/{world.sub_a.id}", headers=world.headers["admin"]).status_code == 204
