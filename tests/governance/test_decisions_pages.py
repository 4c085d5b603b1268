"""The catalog pages, downloads and JSON API through the real app (SQLite and PostgreSQL): the
administrator's workflow in forms, refusals at the field, the public's view of published versions."""

from __future__ import annotations

import io
import re

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.governance import decisions
from ketnoi.governance.decisions_models import CatalogKind, VersionStatus
from tests.factories import PASSWORD
from tests.governance.test_decisions import APPROVAL, World, build_world, publish
from tests.web.conftest import client, login, post

__all__ = ["client"]


def _world(db: Session) -> World:
    w = build_world(db)
    db.commit()
    return w


def test_the_administrator_builds_approves_and_publishes_through_the_forms(client: TestClient, db: Session) -> None:
    w = _world(db)
    login(client, "quantri", PASSWORD)
    built = post(client, "/catalogs", {"kind": "open_data"})
    assert built.status_code == 303, built.text
    url = built.headers["location"].split("?")[0]
    page = client.get(url)
    assert "Nhãn hiệu đã cấp" in page.text and "Dự thảo" in page.text
    added = post(client, f"{url}/entries", {"source": w.default_ds.slug, "note": "Đề xuất mở"})
    assert added.status_code == 303
    missing = post(client, f"{url}/entries", {"source": "khong-co"})
    assert missing.status_code == 422 and "Không tìm thấy bộ dữ liệu này trong hệ thống." in missing.text
    assert post(client, f"{url}/submit").status_code == 303
    refused = post(client, f"{url}/approve", {"decision_date": "2026-01-15", "signer_name": "Hoàng Minh", "signer_title": "THỨ TRƯỞNG"})
    assert refused.status_code == 422
    assert re.search(r'id="f-decision_number-error".*Trường này là bắt buộc\.', refused.text)
    pdf = ("qd.pdf", b"%PDF-1.4\n% ketnoi test\n", "application/pdf")
    form = {"decision_number": "15/QĐ-BKHCN", "decision_date": "2026-01-15", "signer_name": "Hoàng Minh", "signer_title": "THỨ TRƯỞNG"}
    not_pdf = post(client, f"{url}/approve", form, files={"file": ("qd.pdf", b"hello", "application/pdf")})
    assert not_pdf.status_code == 422 and "Tệp quyết định đã ký phải là tệp PDF." in not_pdf.text
    assert post(client, f"{url}/approve", form, files={"file": pdf}).status_code == 303
    assert post(client, f"{url}/publish").status_code == 303
    db.expire_all()
    (version,) = decisions.list_versions(db, actor=w.admin)
    assert (version.status, version.decision_number, version.signed_file_name) == (VersionStatus.PUBLISHED, "15/QĐ-BKHCN", "qd.pdf")
    assert client.get(f"{url}/signed.pdf").content == pdf[1]
    assert post(client, f"{url}/entries", {"source": w.closed_ds.slug}).status_code == 409  # published: never changed


def test_a_steward_reads_but_cannot_approve(client: TestClient, db: Session) -> None:
    w = _world(db)
    version = decisions.new_version(db, actor=w.admin, kind=CatalogKind.OPEN_DATA)
    decisions.submit(db, actor=w.admin, version_id=version.id)
    db.commit()
    login(client, "canbo", PASSWORD)
    page = client.get(f"/catalogs/{version.id}")
    assert page.status_code == 200 and "Nhãn hiệu đã cấp" in page.text and "Phê duyệt" not in page.text
    refused = post(client, f"/catalogs/{version.id}/approve", APPROVAL.model_dump(mode="json"))
    assert refused.status_code == 403
    db.expire_all()
    assert decisions.get_version(db, actor=w.admin, version_id=version.id).status == VersionStatus.SUBMITTED


def test_the_public_sees_published_versions_and_their_files_only(client: TestClient, db: Session) -> None:
    w = _world(db)
    published = publish(db, w, decisions.new_version(db, actor=w.admin, kind=CatalogKind.DEFAULT_SHARING))
    draft = decisions.new_version(db, actor=w.admin, kind=CatalogKind.OPEN_DATA)
    db.commit()
    listing = client.get("/open/catalogs")
    assert listing.status_code == 200 and f"/open/catalogs/{published.id}" in listing.text and str(draft.id) not in listing.text
    page = client.get(f"/open/catalogs/{published.id}")
    assert "Chủ đơn" in page.text and "1234/QĐ-BKHCN" in page.text
    assert client.get(f"/open/catalogs/{draft.id}").status_code == 404
    assert client.get(f"/open/catalogs/{draft.id}/catalog.json").status_code == 404
    assert client.get(f"/catalogs/{published.id}", follow_redirects=False).status_code in (303, 401)  # the staff's page
    data = client.get(f"/open/catalogs/{published.id}/catalog.json").json()
    assert [e["fields"]["name"] for e in data["entries"]] == ["Chủ đơn", "Nhãn hiệu đã cấp"]
    book = load_workbook(io.BytesIO(client.get(f"/open/catalogs/{published.id}/catalog.xlsx").content))
    assert [row[1].value for row in book["Danh mục"].iter_rows(min_row=2)] == ["Chủ đơn", "Nhãn hiệu đã cấp"]
    doc = Document(io.BytesIO(client.get(f"/open/catalogs/{published.id}/catalog.docx").content))
    assert [row.cells[1].text for row in doc.tables[-1].rows[1:]] == ["Chủ đơn", "Nhãn hiệu đã cấp"]
    api = client.get("/api/v1/catalogs").json()
    assert [v["id"] for v in api] == [str(published.id)]
    assert client.get(f"/api/v1/catalogs/{draft.id}").status_code == 404


def test_the_list_shows_each_kind_with_its_review_and_the_diff_page_its_changes(client: TestClient, db: Session) -> None:
    w = _world(db)
    first = publish(db, w, decisions.new_version(db, actor=w.admin, kind=CatalogKind.OPEN_DATA))
    second = decisions.new_version(db, actor=w.admin, kind=CatalogKind.OPEN_DATA)
    decisions.remove_entry(db, actor=w.admin, version_id=second.id, entry_id=decisions.entries(db, second)[0].id)
    db.commit()
    login(client, "lanhdao", PASSWORD)
    listing = client.get("/catalogs").text
    row = listing.split('id="kind-open_data"', 1)[1].split("</tr>", 1)[0]
    assert "1234/QĐ-BKHCN" in row and "Quá hạn rà soát" in row  # decided 15/01/2026, due 15/07/2026
    assert "Lập phiên bản mới" not in listing  # a leader reads only
    diff = client.get(f"/catalogs/{second.id}/diff").text
    assert 'data-count="removed">1<' in diff and 'data-count="added">0<' in diff and "Nhãn hiệu đã cấp" in diff
    reviews = client.get("/api/v1/catalogs/reviews").json()
    assert [(r["kind"], r["version_id"]) for r in reviews] == [("open_data", str(first.id))]


def test_the_api_runs_the_workflow(client: TestClient, db: Session) -> None:
    w = _world(db)
    db.commit()
    _, secret = auth.create_token(db, actor=w.admin, name="t")
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    api = client
    created = api.post("/api/v1/catalogs", json={"kind": "ministry_shared_databases"}, headers=headers)
    assert created.status_code == 201, created.text
    version_id = created.json()["id"]
    assert [e["fields"]["code"] for e in created.json()["entries"]] == ["SHCN"]
    assert api.post(f"/api/v1/catalogs/{version_id}/entries", json={"source": "QGSC"}, headers=headers).status_code == 201
    assert api.post(f"/api/v1/catalogs/{version_id}/submit", headers=headers).status_code == 200
    missing = api.post(f"/api/v1/catalogs/{version_id}/approve", json={"decision_date": "2026-01-15"}, headers=headers)
    assert missing.status_code == 422 and "decision_number" in missing.text
    approval = APPROVAL.model_dump(mode="json")
    assert api.post(f"/api/v1/catalogs/{version_id}/approve", json=approval, headers=headers).json()["status"] == "approved"
    assert api.post(f"/api/v1/catalogs/{version_id}/publish", headers=headers).json()["status"] == "published"
    assert (
        api.put(f"/api/v1/catalogs/{version_id}", json={"title": "x", "legal_basis": "y", "review_months": 6}, headers=headers).status_code
        == 409
    )
    assert api.get(f"/api/v1/catalogs/{version_id}/diff").json()["added"][1]["fields"]["code"] == "QGSC"
