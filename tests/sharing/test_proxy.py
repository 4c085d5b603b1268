"""A unit's own API behind the gateway: the query passed on, the answer passed back, signed and logged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.sharing import registry
from ketnoi.sharing.evidence import ExchangeRecord
from tests.sharing.conftest import World


@pytest.fixture
def upstream() -> Iterator[dict[str, object]]:
    seen: dict[str, object] = {"paths": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["paths"].append(self.path)  # type: ignore[attr-defined]
            seen["grant"] = self.headers.get("x-ketnoi-grant")
            body = json.dumps({"items": [{"so_giay_phep": "GP-01", "ten": "Viện Vật lý"}, {"so_giay_phep": "GP-02", "ten": "Viện Hoá"}]})
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/api/giay-phep"
    yield seen
    server.shutdown()


def test_a_proxied_service_passes_the_query_on_and_the_answer_back(
    api: TestClient, gateway: World, db: Session, upstream: dict[str, object]
) -> None:
    data = gateway.setting.service_in(code="DV.GIAYPHEP", name="Tra cứu giấy phép", dataset_id=None, data_items=[],
                                      upstream_url=upstream["url"], sharing_form="default_shared")  # fmt: skip
    service = registry.create_service(db, actor=gateway.setting.steward, data=data).service
    registry.mark_ready(db, actor=gateway.setting.steward, service_id=service.id)
    registry.publish(db, actor=gateway.setting.admin, service_id=service.id)
    db.commit()
    body = {"service": "DV.GIAYPHEP", "purpose": "Kiểm tra giấy phép khi giải quyết thủ tục", "data_items": [], "frequency": "daily"}
    assert api.post("/x/connection-requests", json=body, headers=gateway.key).json()["status"] == "approved"
    answered = api.get("/x/DV.GIAYPHEP/records", params={"nam": "2024", "tinh": "Hà Nội"}, headers=gateway.key)
    assert answered.status_code == 200, answered.text
    assert answered.json()["data"]["items"][1]["ten"] == "Viện Hoá" and answered.json()["mode"] == "proxied"
    assert upstream["paths"] == ["/api/giay-phep?nam=2024&tinh=H%C3%A0+N%E1%BB%99i"] and upstream["grant"]
    assert "signature" in answered.headers
    record = db.scalars(select(ExchangeRecord).where(ExchangeRecord.service == "DV.GIAYPHEP")).one()
    assert (record.form, record.status, record.row_count) == ("proxied", 200, 2)
    assert api.get("/x/DV.GIAYPHEP/records", headers=gateway.other_key).status_code == 403  # no grant


def test_a_unit_api_that_does_not_answer_is_the_provider_fault(api: TestClient, gateway: World, db: Session) -> None:
    data = gateway.setting.service_in(code="DV.TAT", name="Dịch vụ đang tắt", dataset_id=None, data_items=[],
                                      upstream_url="http://127.0.0.1:9/khong-co", sharing_form="default_shared")  # fmt: skip
    service = registry.create_service(db, actor=gateway.setting.steward, data=data).service
    registry.mark_ready(db, actor=gateway.setting.steward, service_id=service.id)
    registry.publish(db, actor=gateway.setting.admin, service_id=service.id)
    db.commit()
    body = {"service": "DV.TAT", "purpose": "Kiểm tra giấy phép khi giải quyết thủ tục", "data_items": [], "frequency": "daily"}
    api.post("/x/connection-requests", json=body, headers=gateway.key)
    down = api.get("/x/DV.TAT/records", headers=gateway.key)
    assert down.status_code == 503 and down.json()["error"]["fault"] == "provider"
    assert db.scalars(select(ExchangeRecord.status).where(ExchangeRecord.service == "DV.TAT")).all() == [503]
