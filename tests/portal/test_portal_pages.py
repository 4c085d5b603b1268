"""The portal's pages without login: search with facets, dataset and unit pages, sitemap, JSON-LD."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from ketnoi.catalog import datasets
from ketnoi.catalog.models import Dataset
from ketnoi.catalog.schemas import DatasetPatch
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from tests import factories as f
from tests.portal.open_data import OpenData, build

RICE = "/open/datasets/giong-lua-chiu-man-dong-bang-song-cuu-long"


@pytest.fixture
def data(db: Session, tmp_path: Path) -> OpenData:
    return build(db, tmp_path)


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/open/datasets/[^"]+">([^<]+)</a></h3>', html)


def test_search_without_diacritics_with_facet_counts(client: TestClient, data: OpenData) -> None:
    page = client.get("/open", params={"q": "lua chiu man"})
    assert page.status_code == 200
    assert _titles(page.text) == ["Giống lúa chịu mặn Đồng bằng sông Cửu Long"]
    everything = client.get("/open").text
    assert sorted(_titles(everything)) == [
        "Bằng độc quyền sáng chế",
        "Giống lúa chịu mặn Đồng bằng sông Cửu Long",
        "Phòng thí nghiệm trọng điểm",
    ]
    assert "Lương cán bộ" not in everything  # internal
    # facet counts beside each value, and a link that adds the filter
    assert re.search(
        r'href="/open\?organization=cuc-ttkhcn">Cục Thông tin khoa học và công nghệ quốc gia</a> <span class="facet-count">2</span>',
        everything,
    )
    filtered = client.get("/open", params=[("organization", "cuc-ttkhcn"), ("res_format", "CSV")]).text
    assert _titles(filtered) == ["Giống lúa chịu mặn Đồng bằng sông Cửu Long"]
    bad = client.get("/open", params={"page": "x"})
    assert bad.status_code == 422 and "Số trang không hợp lệ" in bad.text


def test_dataset_page_shows_what_a_citizen_needs(client: TestClient, data: OpenData) -> None:
    page = client.get(RICE)
    assert page.status_code == 200
    html = page.text
    assert "Cục Thông tin khoa học và công nghệ quốc gia" in html
    assert f"/api/v1/resources/{data.resource}/export?format=csv" in html  # download
    assert "DT-01" in html and "Hà Nội" in html  # preview grid
    assert "Nguyễn Văn A" not in html and "Họ tên" not in html  # the personal column stays hidden
    assert "<code>kinh_phi</code>" in html and "<code>ho_ten</code>" not in html  # data dictionary of open items
    assert f"datastore_search?resource_id={data.resource}" in html  # API snippet
    assert "không được bán lại dữ liệu thô" in html  # terms of use
    assert 'id="stale"' not in html  # just updated
    jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.+?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert jsonld["@type"] == "Dataset" and jsonld["name"] == "Giống lúa chịu mặn Đồng bằng sông Cửu Long"
    assert jsonld["license"].startswith("https://creativecommons.org/") and jsonld["distribution"][0]["contentUrl"].endswith("format=csv")
    assert client.get("/open/datasets/luong-can-bo").status_code == 404  # internal: not found


def test_a_dataset_overdue_against_its_frequency_is_marked_stale(client: TestClient, db: Session, data: OpenData) -> None:
    long_ago = utcnow() - timedelta(days=500)
    db.execute(update(Dataset).where(Dataset.id == data.patents).values(updated_at=long_ago, update_frequency="annual"))
    db.commit()
    assert 'id="stale"' in client.get("/open/datasets/bang-doc-quyen-sang-che").text
    db.execute(update(Dataset).where(Dataset.id == data.patents).values(update_frequency="irregular"))
    db.commit()
    assert 'id="stale"' not in client.get("/open/datasets/bang-doc-quyen-sang-che").text


def test_organization_pages(client: TestClient, data: OpenData) -> None:
    listed = client.get("/open/organizations").text
    assert listed.index("cuc-ttkhcn") < listed.index("vu-khtc")  # the one with more open data first
    unit = client.get("/open/organizations/vu-khtc").text
    assert _titles(unit) == ["Phòng thí nghiệm trọng điểm"]
    assert client.get("/open/organizations/khong-co").status_code == 404


def test_sitemap_and_robots(client: TestClient, data: OpenData) -> None:
    sitemap = client.get("/sitemap.xml")
    assert sitemap.headers["content-type"].startswith("application/xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap.text)
    assert any(loc.endswith(RICE) for loc in locations) and any(loc.endswith("/open/organizations/vu-khtc") for loc in locations)
    assert not any("luong-can-bo" in loc for loc in locations)
    assert "Sitemap:" in client.get("/robots.txt").text


def test_the_search_sees_every_change_at_once(client: TestClient, db: Session, data: OpenData) -> None:
    """The portal searches an in-memory index of the public catalog: each change must reach it."""
    assert _titles(client.get("/open", params={"q": "phong thi nghiem"}).text) == ["Phòng thí nghiệm trọng điểm"]
    datasets.update_dataset(db, actor=system_actor(), dataset_id=data.labs, patch=DatasetPatch(tags=["đo lường"]))
    db.commit()
    assert re.search(r">đo lường</a> <span class=\"facet-count\">1</span>", client.get("/open").text)
    datasets.update_dataset(db, actor=system_actor(), dataset_id=data.labs, patch=DatasetPatch(visibility="internal"))
    db.commit()
    assert _titles(client.get("/open", params={"q": "phong thi nghiem"}).text) == []
    assert "đo lường" not in client.get("/open").text
    f.dataset(db, f.database(db, f.unit(db)), "Phòng thí nghiệm mới", visibility="public")
    db.commit()
    assert _titles(client.get("/open", params={"q": "phong thi nghiem"}).text) == ["Phòng thí nghiệm mới"]
