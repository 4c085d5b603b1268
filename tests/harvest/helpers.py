"""Setting up a source and running it, as the tests need them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from ketnoi.harvest import runner, service
from ketnoi.harvest.models import HarvestRun, HarvestSource
from ketnoi.harvest.schemas import SourceIn
from tests.harvest.conftest import Static, Target

SHA = "a" * 64


def source(db: Session, target: Target, url: str, kind: str = "ckan", name: str = "Cổng dữ liệu thử") -> HarvestSource:
    data = SourceIn(name=name, url=url, kind=kind, database_id=target.database.id)  # type: ignore[arg-type]
    made = service.create_source(db, actor=target.admin, data=data)
    db.commit()
    return made


def harvest(db: Session, source_id: uuid.UUID, *, full: bool = False) -> HarvestRun:
    """Run the source (its own transactions) and read the run back in the test's session."""
    run_id = runner.run_source(source_id, full=full)
    db.expire_all()
    return db.get_one(HarvestRun, run_id)


def counts(run: HarvestRun) -> tuple[int, int, int, int]:
    return run.created, run.updated, run.unchanged, run.failed


def package(n: int, modified: str, **more: Any) -> dict[str, Any]:
    """A package as ckan.org's CKAN 2.10 gives it (only the fields every CKAN has)."""
    return {
        "id": f"goi-{n}",
        "name": f"goi-du-lieu-{n}",
        "title": f"Gói dữ liệu {n}",
        "notes": "Mô tả",
        "metadata_modified": modified,
        "license_id": "cc-zero",
        "tags": [{"name": "Môi trường"}, {"name": "nước"}],
        "groups": [{"name": "environment"}],
        "extras": [{"key": "update_frequency", "value": "monthly"}],
        "resources": [
            {
                "url": f"https://example.org/{n}.csv",
                "name": "Số liệu",
                "format": "CSV",
                "mimetype": "text/csv",
                "size": "1234",
                "hash": SHA,
            },
            {"url": "javascript:alert(1)", "name": "Độc hại"},
        ],
        "private": False,
        "state": "active",
    } | more


def ckan_answer(static: Static, packages: list[dict[str, Any]]) -> None:
    body = {"success": True, "result": {"count": len(packages), "results": packages}}
    static.documents["/api/3/action/package_search"] = ("application/json", json.dumps(body).encode())
