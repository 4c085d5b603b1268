"""The resource page: upload and load, preview grid, data dictionary, history, access (in-process client)."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore.models import DatastoreVersion
from ketnoi.identity import system_actor
from tests import factories as f
from tests.datastore.conftest import as_csv
from tests.web.conftest import client, csrf, login, post

__all__ = ["client"]

HEADER = ["Mã đề tài", "Tên đề tài", "Tỉnh thành", "Năm", "Kinh phí"]
ROWS = [
    [f"DT-{n:02d}", f"Đề tài số {n} về lúa chịu mặn" if n % 2 else f"Đề tài số {n}", ["Hà Nội", "Huế"][n % 2], str(2015 + n % 5), f"{n},5"]
    for n in range(1, 61)
]


def _steward(client: TestClient, db: Session) -> Dataset:
    unit = f.unit(db)
    ds = f.dataset(db, f.database(db, unit), "Đề tài khoa học", visibility="public").dataset
    items.add_item(db, actor=system_actor(), dataset_id=ds.id, data=DataItemIn(name="ma_de_tai", title="Mã đề tài", sharing_form="open"))  # type: ignore[arg-type]
    f.user(db, "steward", unit, username="canbo")
    db.commit()
    login(client, "canbo", f.PASSWORD)
    return ds


def _upload(client: TestClient, ds: Dataset, content: bytes, filename: str = "de_tai.csv") -> httpx.Response:
    return client.post(
        f"/datasets/{ds.id}/resources",
        data={"csrf_token": csrf(client), "name": "Danh mục đề tài", "load": ["", "on"]},
        files={"file": (filename, content, "text/csv")},
        follow_redirects=False,
    )


def _loaded(client: TestClient, db: Session) -> tuple[Dataset, uuid.UUID]:
    ds = _steward(client, db)
    uploaded = _upload(client, ds, as_csv([HEADER, *ROWS]))
    assert uploaded.status_code == 303 and re.match(r"/resources/[0-9a-f-]+\?job=", uploaded.headers["location"])
    resource_id = uuid.UUID(uploaded.headers["location"].split("/")[2].split("?")[0])
    return ds, resource_id


def test_an_upload_with_load_ticked_shows_the_job_then_a_typed_preview(client: TestClient, db: Session) -> None:
    _, resource_id = _loaded(client, db)
    page = client.get(f"/resources/{resource_id}?job=" + str(_only_job(db)))
    assert page.status_code == 200
    assert "Hoàn thành" in page.text and "Đã nạp 60 dòng" in page.text  # the job block (jobs run at once in tests)
    assert "Đề tài số 1 về lúa chịu mặn" in page.text and "Tỉnh thành" in page.text
    assert "Số nguyên (1234)" in page.text and "Số thập phân (1.234,5)" in page.text  # the dictionary's types
    assert "60 dòng khớp" in page.text and 'rel="next"' in page.text  # 50 rows a page
    assert f"/api/v1/resources/{resource_id}/export?format=parquet" in page.text
    assert f"/resources/{resource_id}/versions/1/original" in page.text


def _only_job(db: Session) -> uuid.UUID:
    from ketnoi.jobs.models import Job

    job = db.scalar(select(Job))
    assert job is not None
    return job.id


def test_filters_sort_and_pages_follow_the_query_string(client: TestClient, db: Session) -> None:
    _, resource_id = _loaded(client, db)
    added = client.get(f"/resources/{resource_id}", params={"add_col": "nam", "add_op": "gte", "add_val": "2019"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"/resources/{resource_id}?nam__gte=2019"
    page = client.get(f"/resources/{resource_id}", params={"nam__gte": "2019", "sort": "-kinh_phi"}).text
    assert "12 dòng khớp" in page and "nam ≥ 2019" in page
    assert page.index("DT-59") < page.index("DT-54")  # sorted by budget, highest first
    searched = client.get(f"/resources/{resource_id}", params={"q": "lua chiu man"}).text
    assert "30 dòng khớp" in searched
    second = client.get(
        re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', client.get(f"/resources/{resource_id}").text)
        .group(2)
        .replace("&amp;", "&")
    ).text  # type: ignore[union-attr]
    assert "DT-51" in second and "DT-50" not in second and "Về đầu" in second
    wrong = client.get(f"/resources/{resource_id}", params={"nam": "hai nghìn"})
    assert wrong.status_code == 200 and "không phải số nguyên" in wrong.text  # said in the page, in Vietnamese


def test_the_dictionary_saves_words_at_once_and_a_new_type_loads_a_new_version(client: TestClient, db: Session) -> None:
    _, resource_id = _loaded(client, db)
    form = client.get(f"/resources/{resource_id}/dictionary")
    assert form.status_code == 200 and 'name="type_nam"' in form.text
    columns = [  # name, title, type, data item
        ("ma_de_tai", "Mã đề tài", "string:default", "ma_de_tai"),
        ("ten_de_tai", "Tên", "string:default", ""),
        ("tinh_thanh", "Tỉnh thành", "string:default", ""),
        ("nam", "Năm bắt đầu", "integer:default", ""),
        ("kinh_phi", "Kinh phí", "number:vi", ""),
    ]
    fields = {}
    for name, title, type_, item in columns:
        fields |= {f"title_{name}": title, f"description_{name}": "", f"type_{name}": type_, f"item_{name}": item}
    fields["description_ma_de_tai"] = "Mã do Cục cấp"
    assert (
        post(client, f"/resources/{resource_id}/dictionary", fields).headers["location"]
        == f"/resources/{resource_id}?done=saved#dictionary"
    )
    page = client.get(f"/resources/{resource_id}?done=saved").text  # where the redirect leads
    assert "Mã do Cục cấp" in page and "Năm bắt đầu" in page and "60 dòng khớp" in page
    assert _versions(db, resource_id) == [(1, "active")]  # words only: nothing loaded again

    retyped = post(client, f"/resources/{resource_id}/dictionary", fields | {"type_nam": "string:default"})
    assert retyped.status_code == 303 and "?job=" in retyped.headers["location"]
    assert _versions(db, resource_id) == [(2, "active"), (1, "superseded")]
    assert "Văn bản" in client.get(f"/resources/{resource_id}").text

    unfit = post(client, f"/resources/{resource_id}/dictionary", fields | {"type_ten_de_tai": "integer:default"})
    job = client.get(unfit.headers["location"]).text
    assert "Lỗi" in job and "không phải số nguyên" in job  # the job failed with the bad lines
    assert _versions(db, resource_id) == [(2, "active"), (1, "superseded")]  # version 2 still serves

    blank = post(client, f"/resources/{resource_id}/dictionary", fields | {"title_nam": " "})
    assert blank.status_code == 422 and "tiêu đề phải có" in blank.text and 'aria-invalid="true"' in blank.text


def _versions(db: Session, resource_id: uuid.UUID) -> list[tuple[int, str]]:
    db.expire_all()
    query = select(DatastoreVersion.version, DatastoreVersion.status).where(DatastoreVersion.resource_id == resource_id)
    return [(v, s) for v, s in db.execute(query.order_by(DatastoreVersion.version.desc()))]


def test_the_public_sees_open_columns_only_and_cannot_load_or_take_the_original(client: TestClient, db: Session) -> None:
    _, resource_id = _loaded(client, db)
    client.cookies.clear()
    page = client.get(f"/resources/{resource_id}").text
    assert "DT-01" in page and "Đề tài số 1" not in page  # only ma_de_tai is an open data item
    assert "Nạp dữ liệu vào kho" not in page and "Sửa từ điển dữ liệu" not in page and "Lịch sử nạp dữ liệu" not in page
    assert client.get(f"/api/v1/resources/{resource_id}/download").status_code == 403
    assert client.get(f"/resources/{resource_id}/versions/1/original").status_code == 403
    to_login = client.get(f"/resources/{resource_id}/dictionary", follow_redirects=False)
    assert to_login.status_code == 303 and to_login.headers["location"].startswith("/login")


def test_a_bad_file_is_refused_by_its_job_and_nothing_is_served(client: TestClient, db: Session) -> None:
    ds = _steward(client, db)
    uploaded = _upload(client, ds, b"\x00\x01\x02binary\x00" * 50)
    page = client.get(uploaded.headers["location"]).text
    assert "Lỗi" in page and "chưa được nạp" in page
    resource = db.scalar(select(Resource))
    assert resource is not None and _versions(db, resource.id) == []
    again = post(client, f"/resources/{resource.id}/ingest", {"bad_rows": "ignore"})
    assert again.status_code == 422 and "reject" in again.text
