"""The /national page and API (administrators only, the token never shown), and `ketnoi national`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ketnoi.cli import app as cli
from ketnoi.kit import secretbox
from ketnoi.national.models import NationalPush
from ketnoi.settings import get_settings
from tests.factories import PASSWORD
from tests.national.conftest import TOKEN, Portal, Setting, published
from tests.web.conftest import login, post


def test_an_administrator_pushes_now_from_the_page_and_sees_the_push(
    db: Session, setting: Setting, portal: Portal, api: TestClient
) -> None:
    published(db, setting)
    db.commit()
    login(api, "quantri", PASSWORD)
    page = api.get("/national")
    assert page.status_code == 200 and portal.url in page.text
    assert TOKEN not in page.text and secretbox.MASK in page.text
    assert "Chưa đẩy lần nào." in page.text
    done = post(api, "/national/push")
    assert done.status_code == 303 and done.headers["location"] == "/national?started=1"
    assert len(portal.received) == 1
    page = api.get("/national?started=1")
    assert "Thành công" in page.text and "HTTP 202" in page.text and "1 dịch vụ, 0 bộ dữ liệu" in page.text
    post(api, "/national/push")  # unchanged: recorded, not sent
    assert len(portal.received) == 1
    assert "Không đổi, không gửi" in api.get("/national").text


def test_the_page_says_when_no_target_is_configured_and_push_now_is_refused(db: Session, setting: Setting, api: TestClient) -> None:
    login(api, "quantri", PASSWORD)
    page = api.get("/national")
    assert "Chưa cấu hình (KETNOI_NATIONAL_PUSH_URL)" in page.text and "Đẩy ngay" not in page.text
    refused = post(api, "/national/push")
    assert refused.status_code == 422 and "Chưa cấu hình Cổng dữ liệu quốc gia" in refused.text
    assert db.scalars(select(NationalPush)).all() == []


def test_a_steward_may_not_see_or_push(db: Session, setting: Setting, portal: Portal, api: TestClient) -> None:
    login(api, "canbo", PASSWORD)
    assert api.get("/national").status_code == 403
    assert post(api, "/national/push").status_code == 403
    assert api.get("/national/catalog.ttl").status_code == 403
    assert api.post("/api/v1/national/push", headers=setting.headers["steward"]).status_code == 403
    assert portal.received == []


def test_the_api_pushes_and_lists_the_pushes(db: Session, setting: Setting, portal: Portal, api: TestClient) -> None:
    published(db, setting)
    db.commit()
    asked = api.post("/api/v1/national/push", headers=setting.headers["admin"])
    assert asked.status_code == 202 and asked.json()["job_id"]
    [listed] = api.get("/api/v1/national/pushes", headers=setting.headers["admin"]).json()
    assert (listed["status"], listed["trigger"], listed["services"]) == ("ok", "manual", 1)
    assert TOKEN not in json.dumps(listed)


def test_the_whole_catalog_downloads(db: Session, setting: Setting, api: TestClient) -> None:
    published(db, setting)
    db.commit()
    turtle = api.get("/national/catalog.ttl", headers=setting.headers["admin"])
    assert turtle.status_code == 200 and turtle.headers["content-disposition"] == 'attachment; filename="catalog.ttl"'
    assert len(Graph().parse(data=turtle.text, format="turtle")) > 0
    jsonld = api.get("/national/catalog.jsonld", headers=setting.headers["admin"])
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(Graph().parse(data=turtle.text, format="turtle"))


def test_the_cli_exports_the_three_documents(db: Session, setting: Setting, tmp_path: Path) -> None:
    published(db, setting)
    db.commit()
    done = CliRunner().invoke(cli, ["national", "export", str(tmp_path / "ra")])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "ra").iterdir()) == ["catalog.jsonld", "catalog.ttl", "services.json"]
    listing = json.loads((tmp_path / "ra" / "services.json").read_text(encoding="utf-8"))
    assert [s["code"] for s in listing["services"]] == ["DV.KHCN.NHIEMVU"]


def test_the_cli_pushes_once_then_only_when_forced(db: Session, setting: Setting, portal: Portal) -> None:
    published(db, setting)
    db.commit()
    runner = CliRunner()
    first = runner.invoke(cli, ["national", "push"])
    assert first.exit_code == 0 and "Đã đẩy 1 dịch vụ" in first.output
    second = runner.invoke(cli, ["national", "push"])
    assert second.exit_code == 0 and "không gửi lại" in second.output and len(portal.received) == 1
    assert runner.invoke(cli, ["national", "push", "--force"]).exit_code == 0 and len(portal.received) == 2
    portal.status = 500
    failed = runner.invoke(cli, ["national", "push", "--force"])
    assert failed.exit_code == 1 and "HTTP 500" in failed.output


def test_the_cli_push_without_a_target_fails_plainly(monkeypatch: pytest.MonkeyPatch, engine: object) -> None:
    monkeypatch.setattr(get_settings(), "national_push_url", None)
    done = CliRunner().invoke(cli, ["national", "push"])
    assert done.exit_code == 1 and "KETNOI_NATIONAL_PUSH_URL" in done.output


def test_seal_token_prints_a_value_the_node_opens(engine: object) -> None:
    done = CliRunner().invoke(cli, ["national", "seal-token"], input="bi-mat\n")
    sealed = done.output.strip().splitlines()[-1]
    assert sealed.startswith(secretbox.PREFIX) and secretbox.unseal(sealed) == "bi-mat"
