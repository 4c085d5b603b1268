"""Run inside a ketnoi environment of its own (KETNOI_DATABASE_URL, migrated): a loaded resource
behind a published gateway service, an application granted it, and a steward's API token.

    python -m tests.platform.seed_gateway  → JSON {"resource_id", "token", "api_key", "service"}

Everything goes through the real services (and the gateway's own route for the connection
request), as an operator's script would: the test that starts it holds no session on that database.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from ketnoi.auth import service as auth
from ketnoi.catalog import items
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore.ingest import ingest
from ketnoi.db import unit_of_work
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import OrgKind
from ketnoi.sharing import consumers, registry
from ketnoi.sharing.schemas import ServiceIn
from tests import factories as f
from tests.apps import shared_app

SERVICE = "DV.NHIEMVU"
ROWS = 200


def seed() -> dict[str, str]:
    with unit_of_work() as db:
        unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
        dataset = f.dataset(db, f.database(db, unit), "Nhiệm vụ khoa học và công nghệ").dataset
        for name, title in (("ma_nhiem_vu", "Mã nhiệm vụ"), ("ten_nhiem_vu", "Tên nhiệm vụ")):
            data = DataItemIn(name=name, title=title, sharing_form="default_shared")  # type: ignore[arg-type]
            items.add_item(db, actor=system_actor(), dataset_id=dataset.id, data=data)
        resource = items.add_resource(db, actor=system_actor(), dataset_id=dataset.id, name="Nhiệm vụ", description=None,
                                      filename="nhiem_vu.csv", stream=io.BytesIO(b"x"), max_bytes=1 << 20)  # fmt: skip
        steward = actor_for(db, f.user(db, "steward", unit, username="canbo"))
        admin = actor_for(db, f.user(db, "admin", username="quantri"))
        _, token = auth.create_token(db, actor=steward, name="kiem-thu")
        values = {"code": SERVICE, "name": "Tra cứu nhiệm vụ", "owner_unit_id": unit.id, "dataset_id": dataset.id,
                  "data_items": ["ma_nhiem_vu", "ten_nhiem_vu"], "usage_regulation": "Chỉ dùng cho công tác quản lý nhà nước.",
                  "rate_limit_per_minute": 100_000, "sharing_form": "default_shared"}  # fmt: skip
        service = registry.create_service(db, actor=steward, data=ServiceIn.model_validate(values)).service
        registry.mark_ready(db, actor=steward, service_id=service.id)
        registry.publish(db, actor=admin, service_id=service.id)
        agency = f.unit(db, "Văn phòng Chính phủ", kind=OrgKind.AGENCY)
        app = consumers.register_app(db, actor=admin, organization_id=agency.id, name="Hệ thống của Văn phòng Chính phủ", description=None)
        api_key = consumers.issue_credential(db, actor=admin, app_id=app.id, kind="api_key").secret
    with unit_of_work() as db, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nhiem_vu.csv"
        lines = ["Mã nhiệm vụ,Tên nhiệm vụ", *(f"NV-{n:04d},Nhiệm vụ số {n}" for n in range(1, ROWS + 1))]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        ingest(db, actor=system_actor(), resource_id=resource.id, path=path)
    body = {"service": SERVICE, "purpose": "Giải quyết thủ tục hành chính", "data_items": ["ma_nhiem_vu"], "frequency": "daily"}
    with TestClient(shared_app()) as client:
        asked = client.post("/x/connection-requests", json=body, headers={"X-API-Key": api_key})
        assert asked.status_code == 201, asked.text
    return {"resource_id": str(resource.id), "token": token, "api_key": api_key, "service": SERVICE}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(seed()) + "\n")
