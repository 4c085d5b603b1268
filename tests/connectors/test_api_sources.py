"""The JSON API of data sources: a round trip with a token; the secret is write-only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.connectors.models import DataSource
from ketnoi.identity import actor_for
from ketnoi.kit import secretbox
from tests import factories as f
from tests.connectors.conftest import SourceDb, fill, row
from tests.web.conftest import client

__all__ = ["client"]
PLAIN = "token-rat-bi-mat-cua-don-vi-7"


def _token(db: Session, role: str, unit: object = None) -> dict[str, str]:
    _, secret = auth.create_token(db, actor=actor_for(db, f.user(db, role, unit)), name="t")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {secret}"}


def test_a_source_round_trip_through_the_api_never_gives_the_secret_back(client: TestClient, db: Session, pg_source: SourceDb) -> None:
    fill(pg_source, [row(n) for n in range(1, 13)])
    unit = f.unit(db, "Cục Thông tin")
    dataset = f.dataset(db, f.database(db, unit)).dataset
    steward, leader = _token(db, "steward", unit), _token(db, "leader")
    db.commit()
    body = {
        "name": "Nguồn qua API",
        "kind": "database",
        "dataset_id": str(dataset.id),
        "config": {"url": pg_source.url, "object": "query", "query": "SELECT ma, ten, cap_nhat FROM nhiem_vu"},
        "secret": PLAIN,
        "mode": "incremental",
        "cursor_column": "cap_nhat",
        "key_columns": ["ma"],
    }
    created = client.post("/api/v1/sources", json=body, headers=steward)
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["has_secret"] is True and "secret" not in made and PLAIN not in created.text
    source_id = made["id"]
    assert client.post("/api/v1/sources", json=body, headers=leader).status_code == 403

    previewed = client.post(f"/api/v1/sources/{source_id}/preview", headers=steward)
    assert previewed.status_code == 200, previewed.text
    shown = previewed.json()
    assert [c["name"] for c in shown["columns"]] == ["ma", "ten", "cap_nhat"] and len(shown["rows"]) == 10
    assert shown["rows"][0][0] == "NV00001"

    job = client.post(f"/api/v1/sources/{source_id}/sync", headers=steward)
    assert job.status_code == 202 and job.json()["kind"] == "connectors.sync"
    runs = client.get(f"/api/v1/sources/{source_id}/runs", headers=leader).json()
    assert [(r["mode"], r["status"], r["row_count"]) for r in runs] == [("full", "done", 12)]
    fill(pg_source, [row(13)])
    again = client.post(f"/api/v1/sources/{source_id}/sync?full=true", headers=steward)
    assert again.status_code == 202 and again.json()["params"]["full"] is True

    detail = client.get(f"/api/v1/sources/{source_id}", headers=leader)
    assert detail.status_code == 200 and detail.json()["served_version"] == 2 and detail.json()["row_count"] == 13
    listed = client.get("/api/v1/sources", headers=leader)
    assert [s["name"] for s in listed.json()["items"]] == ["Nguồn qua API"]
    for answer in (detail, listed):
        assert PLAIN not in answer.text and "fernet:" not in answer.text

    kept = client.put(f"/api/v1/sources/{source_id}", json=body | {"secret": None, "name": "Đổi tên"}, headers=steward)
    assert kept.status_code == 200 and kept.json()["has_secret"] is True and kept.json()["name"] == "Đổi tên"
    db.expire_all()
    stored = db.scalars(select(DataSource)).one()
    assert stored.secret is not None and secretbox.unseal(stored.secret) == PLAIN
    removed = client.put(f"/api/v1/sources/{source_id}", json=body | {"secret": ""}, headers=steward)
    assert removed.json()["has_secret"] is False

    assert client.delete(f"/api/v1/sources/{source_id}", headers=leader).status_code == 403
    assert client.delete(f"/api/v1/sources/{source_id}", headers=steward).status_code == 204
    assert client.get(f"/api/v1/sources/{source_id}", headers=leader).status_code == 404


def test_a_source_the_api_refuses_names_the_field_in_vietnamese(client: TestClient, db: Session) -> None:
    unit = f.unit(db, "Cục Thông tin")
    dataset = f.dataset(db, f.database(db, unit)).dataset
    steward = _token(db, "steward", unit)
    db.commit()
    body = {"name": "Sai", "kind": "database", "dataset_id": str(dataset.id), "config": {"url": "khong-phai-url", "table": "x"}}
    refused = client.post("/api/v1/sources", json=body, headers=steward)
    assert refused.status_code == 422 and "URL của SQLAlchemy" in refused.text and "url" in refused.json()["error"]["fields"]
