"""GET /api/v1/resources/{id}/rows on SQLite and PostgreSQL: filters, sort, fields, keyset pages, access."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.datastore import ingest as datastore
from ketnoi.datastore.query import MAX_LIMIT
from ketnoi.identity import actor_for, system_actor
from ketnoi.web.security import LANG_COOKIE
from tests import factories as f
from tests.datastore.conftest import as_csv

HEADER = ["Mã", "Tỉnh thành", "Năm", "Kinh phí", "Ngày cập nhật", "Lúc"]
PROVINCES = ["Hà Nội", "Đà Nẵng", "Cần Thơ", "Huế"]


def _rows() -> list[list[str]]:
    rows = []
    for n in range(1, 41):
        budget = "" if n % 10 == 0 else f"{n * 100:,}".replace(",", ".") + ",5"  # Vietnamese: 1.200,5
        rows.append(
            [f"DT-{n:03d}", PROVINCES[n % 4], str(2015 + n % 8), budget, f"{1 + n % 28:02d}/11/2021", f"03/11/2021 {n % 24:02d}:15"]
        )
    return rows


@pytest.fixture
def loaded(db: Session, resource: uuid.UUID, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "de_tai.csv"
    path.write_bytes(as_csv([HEADER, *_rows()]))
    datastore.ingest(db, actor=system_actor(), resource_id=resource, path=path)
    user = f.user(db, "leader", username="lanhdao")
    _, secret = auth.create_token(db, actor=actor_for(db, user), name="test")
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def _get(api: TestClient, resource: uuid.UUID, headers: dict[str, str], **params: str) -> dict[str, object]:
    response = api.get(f"/api/v1/resources/{resource}/rows", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_first_page_with_the_schema(api: TestClient, resource: uuid.UUID, loaded: dict[str, str]) -> None:
    body = _get(api, resource, loaded, limit="3")
    assert body["version"] == 1
    assert [fd["name"] for fd in body["fields"]] == ["ma", "tinh_thanh", "nam", "kinh_phi", "ngay_cap_nhat", "luc"]  # type: ignore[index, union-attr]
    assert body["items"][0] == {  # type: ignore[index]
        "_id": 1,
        "ma": "DT-001",
        "tinh_thanh": "Đà Nẵng",
        "nam": 2016,
        "kinh_phi": 100.5,
        "ngay_cap_nhat": "2021-11-02",
        "luc": "2021-11-03T01:15:00",
    }
    assert body["next_cursor"]


def test_filters_read_values_as_the_column_does(api: TestClient, resource: uuid.UUID, loaded: dict[str, str]) -> None:
    def ids(**params: str) -> list[str]:
        return [row["ma"] for row in _get(api, resource, loaded, limit="100", **params)["items"]]  # type: ignore[index, union-attr]

    assert ids(tinh_thanh="Huế") == [f"DT-{n:03d}" for n in range(3, 41, 4)]
    assert ids(nam="2015", tinh_thanh__in="Hà Nội,Huế") == ["DT-008", "DT-016", "DT-024", "DT-032", "DT-040"]
    assert ids(kinh_phi__gte="3.800,5") == ["DT-038", "DT-039"]  # a Vietnamese number; DT-040 has no budget
    assert ids(ngay_cap_nhat__lt="03/11/2021") == ["DT-001", "DT-028", "DT-029"]
    assert ids(ngay_cap_nhat__lt="03/11/2021", ma__contains="00") == ["DT-001"]
    assert ids(luc="03/11/2021 05:15") == ["DT-005", "DT-029"]
    assert ids(_id="7") == ["DT-007"]  # by the row's key
    assert ids(_id__in="2,40,999") == ["DT-002", "DT-040"]
    assert ids(ma__contains="%") == []  # a wildcard is a character here


def test_sorting_and_pages_cover_every_row_once(api: TestClient, resource: uuid.UUID, loaded: dict[str, str]) -> None:
    for sort in ("kinh_phi", "-kinh_phi", "tinh_thanh", "-nam", "_id"):
        seen: list[dict[str, object]] = []
        cursor: str | None = None
        while True:
            params = {"sort": sort, "limit": "7", "fields": "ma,kinh_phi"} | ({"cursor": cursor} if cursor else {})
            body = _get(api, resource, loaded, **params)
            seen += body["items"]  # type: ignore[arg-type]
            cursor = body["next_cursor"]  # type: ignore[assignment]
            if not cursor:
                break
        assert sorted(r["_id"] for r in seen) == list(range(1, 41)), sort  # type: ignore[type-var]
        if sort == "kinh_phi":
            budgets = [r["kinh_phi"] for r in seen]
            assert budgets[:36] == sorted(budgets[:36]) and budgets[36:] == [None] * 4  # nulls last  # type: ignore[type-var]
        if sort == "-kinh_phi":
            assert seen[0]["ma"] == "DT-039"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"nam": "hai nghìn"}, "nam"), ({"khong_co": "1"}, "khong_co"), ({"nam__like": "1"}, "nam__like"), ({"sort": "x"}, "sort"),
     ({"limit": "0"}, "limit"), ({"limit": "10001"}, "limit"), ({"fields": "ma,x"}, "fields"), ({"nam__contains": "1"}, "nam__contains"),
     ({"_id": "x"}, "_id"), ({"_id__gt": "1"}, "_id__gt")],
)  # fmt: skip
def test_bad_parameters_get_a_vietnamese_error_naming_them(
    api: TestClient, resource: uuid.UUID, loaded: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = api.get(f"/api/v1/resources/{resource}/rows", params=params, headers=loaded)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]


def test_an_unknown_column_and_a_limit_out_of_range_are_explained_in_the_callers_language(
    api: TestClient, resource: uuid.UUID, loaded: dict[str, str]
) -> None:
    def message(params: dict[str, str], language: str | None = None) -> str:
        headers = loaded | ({"cookie": f"{LANG_COOKIE}={language}"} if language else {})
        response = api.get(f"/api/v1/resources/{resource}/rows", params=params, headers=headers)
        assert response.status_code == 422, response.text
        text: str = response.json()["error"]["message"]
        return text

    assert message({"fields": "ma,nope,khac"}) == "Không có cột: nope, khac."
    assert message({"fields": "ma,nope,khac"}, "en") == "No such columns: nope, khac."
    assert message({"limit": "0"}) == f"limit phải là số từ 1 đến {MAX_LIMIT}."
    assert message({"limit": "0"}, "en") == f"limit must be a number from 1 to {MAX_LIMIT}."
    assert message({"sort": "-nope"}, "en") == "There is no column «nope» to sort by."
    assert message({"nam": "hai nghìn"}, "en").startswith("«nam»: ")  # the parser's own reason follows, as it comes


def test_a_forged_cursor_is_a_400(api: TestClient, resource: uuid.UUID, loaded: dict[str, str]) -> None:
    response = api.get(f"/api/v1/resources/{resource}/rows", params={"cursor": "bm90LWpzb24"}, headers=loaded)
    assert response.status_code == 400 and response.json()["error"]["fields"] == {"cursor": "Không hợp lệ."}


def test_the_public_gets_no_rows_without_open_columns_and_unknown_or_empty_resources_are_404(
    api: TestClient, resource: uuid.UUID, loaded: dict[str, str], db: Session
) -> None:
    from ketnoi.catalog.models import Dataset, Resource

    assert api.get(f"/api/v1/resources/{resource}/rows").status_code == 404  # an internal dataset: not even there
    res = db.get(Resource, resource)
    public = db.get(Dataset, res.dataset_id) if res else None
    assert public is not None
    public.visibility = "public"
    db.commit()
    response = api.get(f"/api/v1/resources/{resource}/rows")
    assert response.status_code == 401 and "dữ liệu mở" in response.json()["error"]["message"]  # no data items: deny by default
    assert api.get(f"/api/v1/resources/{uuid.uuid4()}/rows", headers=loaded).status_code == 404
    from ketnoi.catalog import items

    view = f.dataset(db, f.database(db, f.unit(db)))
    empty = items.add_resource(
        db, actor=system_actor(), dataset_id=view.dataset.id, name=None, description=None, filename="a.csv",
        stream=__import__("io").BytesIO(b"a\n1\n"), max_bytes=1 << 20,
    )  # fmt: skip
    db.commit()
    response = api.get(f"/api/v1/resources/{empty.id}/rows", headers=loaded)
    assert response.status_code == 404 and "chưa được nạp" in response.json()["error"]["message"]


def test_q_finds_words_with_or_without_diacritics(api: TestClient, resource: uuid.UUID, loaded: dict[str, str]) -> None:
    def ids(**params: str) -> list[str]:
        return [row["ma"] for row in _get(api, resource, loaded, limit="100", **params)["items"]]  # type: ignore[index, union-attr]

    hue = [f"DT-{n:03d}" for n in range(3, 41, 4)]
    assert ids(q="hue") == ids(q="Huế") == hue
    assert ids(q="da nang") == [f"DT-{n:03d}" for n in range(1, 41, 4)]
    assert ids(q="dt-00") == [f"DT-00{n}" for n in range(1, 10)]  # "dt 00…": both words start words
    assert ids(q="an") == []  # "an" starts no word (word prefixes, as in the catalog)
    assert ids(q="hue", nam="2018") == ["DT-003", "DT-011", "DT-019", "DT-027", "DT-035"]
    export = api.get(f"/api/v1/resources/{resource}/export", params={"q": "can tho", "format": "json"}, headers=loaded)
    assert [r["ma"] for r in export.json()] == [f"DT-{n:03d}" for n in range(2, 41, 4)] and "_search" not in export.json()[0]


def test_counts_exact_and_estimated(api: TestClient, resource: uuid.UUID, loaded: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ketnoi.datastore import query

    assert "total" not in _get(api, resource, loaded, limit="1")
    assert _get(api, resource, loaded, limit="1", count="exact")["total"] == 40
    assert _get(api, resource, loaded, limit="1", count="estimate", sort="-nam")["total"] == 40  # the load's count
    hue = _get(api, resource, loaded, limit="1", count="exact", q="hue")
    assert (hue["total"], hue["total_exact"]) == (10, True)
    monkeypatch.setattr(query, "COUNT_CAP", 5)
    capped = _get(api, resource, loaded, limit="1", count="estimate", tinh_thanh="Huế")
    assert (capped["total"], capped["total_exact"]) == (5, False)  # at least 5
    response = api.get(f"/api/v1/resources/{resource}/rows", params={"count": "all"}, headers=loaded)
    assert response.status_code == 422 and "count" in response.json()["error"]["fields"]


def test_an_upload_is_loaded_by_a_job_whose_state_says_what_happened(
    api: TestClient, resource: uuid.UUID, loaded: dict[str, str], db: Session
) -> None:
    steward = f.user(db, "admin", username="quantri")
    _, secret = auth.create_token(db, actor=actor_for(db, steward), name="t")
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    upload = {"file": ("moi.csv", as_csv([HEADER, *_rows()[:5]]), "text/csv")}
    queued = api.post(f"/api/v1/resources/{resource}/ingest", files=upload, headers=headers)
    assert queued.status_code == 202, queued.text
    job = api.get(f"/api/v1/jobs/{queued.json()['job_id']}", headers=headers).json()
    assert (job["status"], job["message"]) == ("succeeded", "Đã nạp 5 dòng (phiên bản 2, bảng mã utf-8).")
    assert _get(api, resource, loaded, count="exact")["total"] == 5

    bad = {"file": ("x.csv", as_csv([HEADER, ["DT-9", "Huế", "năm ngoái", "1", "01/11/2021", "03/11/2021 01:15"]]), "text/csv")}
    failed = api.post(f"/api/v1/resources/{resource}/ingest", files=bad, headers=headers).json()
    job = api.get(f"/api/v1/jobs/{failed['job_id']}", headers=headers).json()
    assert job["status"] == "failed" and "dòng 2: cột «Năm»" in job["error"]
    assert _get(api, resource, loaded, count="exact")["total"] == 5  # version 2 still served

    again = api.post(f"/api/v1/resources/{resource}/ingest", headers=headers)  # no file: the stored one again
    job = api.get(f"/api/v1/jobs/{again.json()['job_id']}", headers=headers).json()
    assert job["status"] == "succeeded" and "phiên bản 3" in job["message"]
    refused = api.post(f"/api/v1/resources/{resource}/ingest", files=upload, headers=loaded)  # a leader changes nothing
    assert refused.status_code == 403
