"""The CKAN Action API (read) on SQLite and PostgreSQL: envelope, errors, search, facets, datastore."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore import ingest
from ketnoi.identity import system_actor
from ketnoi.settings import get_settings
from tests.datastore.conftest import as_csv
from tests.portal.open_data import OpenData, build

NAIVE_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


@pytest.fixture
def data(db: Session, tmp_path: Path) -> OpenData:
    return build(db, tmp_path)


def call(client: TestClient, action: str, status: int = 200, **params: Any) -> Any:
    """POST JSON as ckanapi does; the envelope's parts checked."""
    response = client.post(f"/api/3/action/{action}", json=params, follow_redirects=False)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["help"].endswith(f"/api/3/action/help_show?name={action}")
    assert body["success"] is (status == 200)
    return body["result"] if status == 200 else body["error"]


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = call(client, "package_search", **params)
    return result


def names(result: dict[str, Any]) -> list[str]:
    return sorted(p["name"] for p in result["results"])


def test_package_list_has_only_public_datasets(client: TestClient, data: OpenData) -> None:
    listed = call(client, "package_list")
    assert listed == ["bang-doc-quyen-sang-che", "giong-lua-chiu-man-dong-bang-song-cuu-long", "phong-thi-nghiem-trong-diem"]
    assert call(client, "package_list", limit=1, offset=1) == [listed[1]]
    get = client.get("/api/action/package_list").json()  # the unversioned path, by GET
    assert get["result"] == listed


def test_package_show_carries_what_ckan_clients_read(client: TestClient, data: OpenData) -> None:
    by_name = call(client, "package_show", id="giong-lua-chiu-man-dong-bang-song-cuu-long")
    assert call(client, "package_show", id=str(data.rice)) == by_name
    assert by_name["id"] == str(data.rice)
    assert by_name["title"] == "Giống lúa chịu mặn Đồng bằng sông Cửu Long"
    assert by_name["notes"] == "Các đề tài về giống lúa chịu mặn."
    assert by_name["owner_org"] == str(data.unit_a)
    assert by_name["organization"]["name"] == "cuc-ttkhcn"
    assert by_name["license_id"] == "cc-by-4.0" and by_name["license_url"].startswith("https://creativecommons.org/")
    assert by_name["isopen"] is True and by_name["private"] is False and by_name["state"] == "active"
    assert [t["name"] for t in by_name["tags"]] == ["lúa gạo", "giống"]
    assert [g["name"] for g in by_name["groups"]] == ["khcn"]
    assert {e["key"]: e["value"] for e in by_name["extras"]}["update_frequency"] == "annual"
    assert NAIVE_ISO.match(by_name["metadata_created"]) and NAIVE_ISO.match(by_name["metadata_modified"])
    (resource,) = by_name["resources"]
    assert resource["id"] == str(data.resource) and resource["package_id"] == str(data.rice)
    assert resource["format"] == "CSV" and resource["mimetype"].startswith("text/csv")
    assert resource["size"] > 0 and len(resource["hash"]) == 64
    assert resource["url"].endswith(f"/api/v1/resources/{data.resource}/export?format=csv")
    assert resource["datastore_active"] is True
    assert NAIVE_ISO.match(resource["created"]) and NAIVE_ISO.match(resource["last_modified"])


def test_errors_are_ckans(client: TestClient, data: OpenData) -> None:
    hidden = call(client, "package_show", 404, id=str(data.internal))
    assert hidden["__type"] == "Not Found Error"
    assert call(client, "package_show", 409, id="")["__type"] == "Validation Error"
    too_many = call(client, "package_search", 409, rows=1001)
    assert too_many["__type"] == "Validation Error" and "rows" in too_many
    assert call(client, "package_search", 400, fq="tags:a OR tags:b")["__type"] == "Search Query Error"
    assert "colour" in call(client, "package_search", 400, fq="colour:red")["message"]
    unknown = client.post("/api/3/action/package_create", json={})
    assert unknown.status_code == 400 and "Action name not known" in unknown.json()["error"]["message"]
    bad_json = client.post("/api/3/action/package_list", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"]["message"].startswith("Bad request - JSON Error")


def test_search_ignores_diacritics_and_reads_fq(client: TestClient, data: OpenData) -> None:
    assert names(search(client, q="lua chiu man")) == ["giong-lua-chiu-man-dong-bang-song-cuu-long"]
    assert names(search(client, q="luong")) == []  # the internal dataset is never found
    everything = search(client, q="*:*")
    assert everything["count"] == 3
    assert names(search(client, fq="organization:vu-khtc")) == ["phong-thi-nghiem-trong-diem"]
    assert len(search(client, fq="-organization:vu-khtc")["results"]) == 2
    assert names(search(client, fq='tags:"lúa gạo"')) == ["giong-lua-chiu-man-dong-bang-song-cuu-long"]
    assert names(search(client, fq="res_format:csv groups:khcn")) == ["giong-lua-chiu-man-dong-bang-song-cuu-long"]
    assert names(search(client, fq="license_id:cc0-1.0")) == ["bang-doc-quyen-sang-che"]
    assert search(client, q="tags:giống")["count"] == 1  # a field clause in q, as Solr reads it
    assert search(client, fq="metadata_modified:[2000-01-01T00:00:00Z TO *]")["count"] == 3
    assert search(client, fq="metadata_modified:[NOW TO *]")["count"] == 0
    assert search(client, fq="metadata_modified:[NOW-1DAY TO NOW]")["count"] == 3
    assert search(client, fq_list=["organization:cuc-ttkhcn", "-tags:giống"])["count"] == 1


def test_paging_sorting_and_fields(client: TestClient, data: OpenData) -> None:
    first = search(client, sort="name asc", rows=2)
    second = search(client, sort="name asc", rows=2, start=2)
    assert first["count"] == second["count"] == 3
    assert [p["name"] for p in first["results"] + second["results"]] == call(client, "package_list")
    assert [p["name"] for p in search(client, sort="name desc", rows=1)["results"]] == ["phong-thi-nghiem-trong-diem"]
    assert search(client, rows=0)["results"] == []
    assert search(client, fl="name,title", rows=1)["results"][0].keys() == {"name", "title"}
    assert call(client, "package_search", 409, sort="colour asc")["__type"] == "Validation Error"


def test_facets_count_the_whole_result(client: TestClient, data: OpenData) -> None:
    fields = ["organization", "groups", "tags", "res_format", "license_id", "update_frequency"]
    found = search(client, **{"facet.field": fields, "rows": 0})
    assert found["facets"]["organization"] == {"cuc-ttkhcn": 2, "vu-khtc": 1}
    assert found["facets"]["groups"] == {"khcn": 2, "so-huu-tri-tue": 1}
    assert found["facets"]["tags"] == {"giống": 1, "lúa gạo": 1, "sáng chế": 1}
    assert found["facets"]["res_format"] == {"CSV": 1}
    assert found["facets"]["license_id"] == {"cc-by-4.0": 2, "cc0-1.0": 1}
    assert found["search_facets"]["organization"]["items"][0] == {
        "name": "cuc-ttkhcn",
        "display_name": "Cục Thông tin khoa học và công nghệ quốc gia",
        "count": 2,
    }
    by_get = client.get("/api/3/action/package_search", params={"facet.field": '["groups"]', "q": "phong thi"}).json()["result"]
    assert by_get["facets"] == {"groups": {"khcn": 1}}


def test_organizations_groups_tags_and_licences(client: TestClient, data: OpenData) -> None:
    assert call(client, "organization_list") == ["cuc-ttkhcn", "vu-khtc"]
    orgs = call(client, "organization_list", all_fields=True, sort="package_count desc")
    assert [(o["name"], o["package_count"]) for o in orgs] == [("cuc-ttkhcn", 2), ("vu-khtc", 1)]
    shown = call(client, "organization_show", id="vu-khtc", include_datasets=True)
    assert shown["id"] == str(data.unit_b) and [p["name"] for p in shown["packages"]] == ["phong-thi-nghiem-trong-diem"]
    assert call(client, "organization_show", 404, id="khong-co")["__type"] == "Not Found Error"
    assert "khcn" in call(client, "group_list")
    assert call(client, "group_show", id="khcn")["package_count"] == 2
    assert call(client, "tag_list") == ["giống", "lúa gạo", "sáng chế"]
    assert call(client, "tag_list", query="s") == ["sáng chế"]
    assert {"cc-by-4.0", "cc0-1.0"} <= {lic["id"] for lic in call(client, "license_list")}


def test_resources_and_their_views(client: TestClient, data: OpenData) -> None:
    shown = call(client, "resource_show", id=str(data.resource))
    assert shown["name"] == "Danh sách đề tài" and shown["datastore_active"] is True
    (view,) = call(client, "resource_view_list", id=str(data.resource))
    assert view["resource_id"] == str(data.resource)
    assert call(client, "resource_show", 404, id="not-an-id")["__type"] == "Not Found Error"


def test_status_site_read_and_help(client: TestClient, data: OpenData) -> None:
    assert call(client, "status_show")["ckan_version"].startswith("2.")
    assert call(client, "site_read") is True
    assert "fq" in call(client, "help_show", name="package_search")
    assert client.get("/api/3").json() == {"version": 3}


def test_datastore_search_shows_what_the_public_may_see(client: TestClient, data: OpenData) -> None:
    found = call(client, "datastore_search", resource_id=str(data.resource), filters={"tinh": "Hà Nội"}, sort="nam desc")
    assert [f["id"] for f in found["fields"]] == ["_id", "ma", "tinh", "nam", "kinh_phi"]  # no ho_ten: personal
    assert [r["ma"] for r in found["records"]] == ["DT-03", "DT-01"]
    assert found["total"] == 2
    page = call(client, "datastore_search", resource_id=str(data.resource), limit=1, offset=1, fields=["ma"], include_total=False)
    assert page["records"] == [{"_id": 2, "ma": "DT-02"}] and "total" not in page
    assert "offset=2" in page["_links"]["next"]
    listed = call(client, "datastore_search", resource_id=str(data.resource), filters={"tinh": ["Huế", "Cần Thơ"]})
    assert [r["ma"] for r in listed["records"]] == ["DT-02", "DT-04"]
    # q reads every text column at once, ho_ten included: refused to the public, who cannot see it.
    assert call(client, "datastore_search", 409, resource_id=str(data.resource), q="ha noi")["__type"] == "Validation Error"
    hidden = call(client, "datastore_search", 409, resource_id=str(data.resource), fields=["ho_ten"])
    assert hidden["__type"] == "Validation Error"
    assert call(client, "datastore_search", 404, resource_id=str(data.internal))["__type"] == "Not Found Error"


def test_datastore_search_sql_is_off_unless_enabled(client: TestClient, data: OpenData, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = call(client, "datastore_search_sql", 403, sql="SELECT 1")
    assert refused["__type"] == "Authorization Error"
    monkeypatch.setattr(get_settings(), "ckan_datastore_sql", True)
    # The rice table has a hidden (personal) column: it is not an open table, so SQL cannot read it.
    closed = call(client, "datastore_search_sql", 403, sql=f'SELECT ma FROM "{data.resource}"')
    assert closed["__type"] == "Authorization Error"
    assert call(client, "datastore_search_sql", sql="SELECT 1 AS one")["records"] == [{"one": 1}]


def test_a_new_field_or_file_changes_metadata_modified(client: TestClient, db: Session, data: OpenData) -> None:
    """Harvesters ask for what changed since their last run: a dataset's parts are part of its change."""
    before = call(client, "package_show", id=str(data.labs))["metadata_modified"]
    item = DataItemIn(name="ten_phong", title="Tên phòng", sharing_form="open")
    items.add_item(db, actor=system_actor(), dataset_id=data.labs, data=item)
    db.commit()
    after = call(client, "package_show", id=str(data.labs))["metadata_modified"]
    assert after > before
    since = call(client, "package_search", fq=f"metadata_modified:[{after}Z TO *]")
    assert [p["id"] for p in since["results"]] == [str(data.labs)]


def test_a_table_with_no_open_column_is_neither_offered_nor_counted(
    client: TestClient, db: Session, data: OpenData, tmp_path: Path
) -> None:
    """Its dataset is public, but no column of its file is open data: the format facet must not tell it exists."""
    path = tmp_path / "luong.csv"
    path.write_bytes(as_csv([["Họ tên", "Lương"], ["Nguyễn Văn A", "10"]]))
    closed = items.add_resource(
        db, actor=system_actor(), dataset_id=data.labs, name="Bảng lương", description=None,
        filename="luong.csv", stream=io.BytesIO(path.read_bytes()), max_bytes=1 << 20,
    )  # fmt: skip
    ingest.ingest(db, actor=system_actor(), resource_id=closed.id, path=path)
    db.commit()
    assert call(client, "package_show", id=str(data.labs))["resources"] == []
    found = search(client, **{"facet.field": ["res_format"], "rows": 0})
    assert found["facets"]["res_format"] == {"CSV": 1}  # the rice dataset's open table only
    assert names(search(client, fq="res_format:CSV")) == ["giong-lua-chiu-man-dong-bang-song-cuu-long"]
