import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.org.models import FocalPoint, Organization
from tests import factories as f
from tests.web.conftest import login, post, results


def test_an_administrator_creates_a_unit_under_another(client: TestClient, db: Session) -> None:
    ministry = f.unit(db, "Bộ Khoa học và Công nghệ")
    f.user(db, "admin", None, username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    assert "/organizations/new" in client.get("/organizations").text
    response = post(
        client,
        "/organizations/new",
        {
            "name": "Trung tâm Chuyển đổi số",
            "short_name": "TTCĐS",
            "kind": "unit",
            "parent_id": str(ministry.id),
            "agency_code": "g12.35",
            "email": "",
            "phone": "",
            "website": "",
            "address": "",
            "description": "",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    created = db.scalar(select(Organization).where(Organization.name == "Trung tâm Chuyển đổi số"))
    assert created is not None and created.parent_id == ministry.id and created.agency_code == "G12.35" and created.email is None
    parent_page = client.get(f"/organizations/{ministry.id}").text
    assert "Trung tâm Chuyển đổi số" in parent_page


def test_an_invalid_agency_code_and_email_are_shown_next_to_their_fields(client: TestClient, db: Session) -> None:
    f.user(db, "admin", None, username="quantri")
    db.commit()
    login(client, "quantri", f.PASSWORD)
    response = post(client, "/organizations/new", {"name": "Cơ quan X", "kind": "agency", "agency_code": "có dấu", "email": "khong-hop-le"})
    assert response.status_code == 422
    assert re.search(r'id="f-agency_code-error">.*chỉ gồm 0-9, A-Z và dấu chấm', response.text)
    assert re.search(r'id="f-email-error">.*Địa chỉ e-mail không hợp lệ\.', response.text)
    assert db.scalar(select(Organization)) is None


def test_a_steward_edits_their_unit_but_may_not_create_units_or_move_them(client: TestClient, db: Session) -> None:
    mine, other = f.unit(db, "Vụ Khoa học xã hội"), f.unit(db, "Vụ Đánh giá")
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    assert client.get("/organizations/new").status_code == 403
    page = client.get(f"/organizations/{mine.id}").text
    assert f"/organizations/{mine.id}/edit" in page and f"/organizations/{mine.id}/delete" not in page
    form = client.get(f"/organizations/{mine.id}/edit").text
    assert 'name="parent_id"' not in form  # moving a unit is the administrator's call
    own = {"name": "Vụ Khoa học Xã hội và Nhân văn", "kind": "unit", "phone": "024 3943 9731"}
    saved = post(client, f"/organizations/{mine.id}/edit", own)
    assert saved.status_code == 303
    assert post(client, f"/organizations/{other.id}/edit", {"name": "Không được", "kind": "unit"}).status_code == 403
    db.expire_all()
    assert db.get(Organization, mine.id).phone == "024 3943 9731"  # type: ignore[union-attr]
    assert db.get(Organization, other.id).name == "Vụ Đánh giá"  # type: ignore[union-attr]


def test_appointing_a_new_focal_point_ends_the_previous_one(client: TestClient, db: Session) -> None:
    mine = f.unit(db, "Văn phòng Bộ")
    f.user(db, "steward", mine, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    page = client.get(f"/organizations/{mine.id}").text
    assert "Cử đầu mối mới" in page
    first = {"full_name": "Trần Thị Bình", "position": "Chuyên viên", "started_on": "2024-01-15", "email": "binh@most.gov.vn"}
    assert post(client, f"/organizations/{mine.id}/focal-points/new", first).status_code == 303
    too_early = post(client, f"/organizations/{mine.id}/focal-points/new", {"full_name": "Lê Văn C", "started_on": "2023-12-01"})
    assert too_early.status_code == 422 and "Ngày bắt đầu phải sau ngày bắt đầu của đầu mối hiện tại (15/01/2024)." in too_early.text
    second = {"full_name": "Lê Văn Cường", "started_on": "2025-03-01", "appointment_document": "45/QĐ-VP"}
    assert post(client, f"/organizations/{mine.id}/focal-points/new", second).status_code == 303
    page = client.get(f"/organizations/{mine.id}").text
    assert page.index("Lê Văn Cường") < page.index("Lịch sử đầu mối") < page.index("Trần Thị Bình")
    assert "28/02/2025" in page  # the previous appointment ended the day before
    db.expire_all()
    assert len(db.scalars(select(FocalPoint)).all()) == 2


def test_organizations_are_searched_without_diacritics_and_paged(client: TestClient, db: Session) -> None:
    for n in range(26):
        f.unit(db, f"Viện Nghiên cứu số {n:02d}")
    f.unit(db, "Học viện Khoa học")
    db.commit()
    found = results(client.get("/organizations", params={"q": "hoc vien"}))
    assert "Học viện Khoa học" in found and "Viện Nghiên cứu" not in found
    first = results(client.get("/organizations", params={"q": "vien nghien cuu"}))
    assert "Viện Nghiên cứu số 24" in first and "Viện Nghiên cứu số 25" not in first
    link = re.search(r'rel="next" href="([^"]+)"', first)
    assert link is not None and "q=vien+nghien+cuu" in link.group(1)
    second = results(client.get(link.group(1).replace("&amp;", "&")))
    assert "Viện Nghiên cứu số 25" in second and "Viện Nghiên cứu số 00" not in second and "Về đầu" in second
