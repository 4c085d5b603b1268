"""JSON API of official catalogs as versioned decisions (the same services as the pages).

The public reads published versions (any other is 404 to it); the administrator builds, edits,
submits, approves and publishes. A version's files are the pages' downloads:
`GET /open/catalogs/{id}/catalog.xlsx` (and `.docx`, `.json`); the signed PDF is sent with the page's
approval form.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from ketnoi.governance import decisions, decisions_report
from ketnoi.governance.decisions_build import Snap
from ketnoi.governance.decisions_models import ApproveIn, CatalogKind, CatalogVersion, EntryIn, HeaderIn, NoteIn, ReturnIn, VersionIn
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["catalogs"])


class DueReviewOut(BaseModel):
    kind: str
    version_id: uuid.UUID
    number: int
    due: date
    days_overdue: int


def _out(db: DB, version: CatalogVersion) -> dict[str, Any]:
    return decisions_report.version_json(db, version)


def _brief(version: CatalogVersion) -> dict[str, Any]:
    return {
        "id": str(version.id),
        "kind": version.kind,
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "decision_number": version.decision_number,
        "decision_date": version.decision_date.isoformat() if version.decision_date else None,
        "next_review_due": version.next_review_due.isoformat() if version.next_review_due else None,
    }


@router.get("/catalogs", summary="Các phiên bản danh mục (công chúng: chỉ phiên bản đã công bố)")
def list_versions(db: DB, actor: CurrentActor, kind: CatalogKind | None = None) -> list[dict[str, Any]]:
    return [_brief(v) for v in decisions.list_versions(db, actor=actor, kind=kind)]


@router.get("/catalogs/reviews", response_model=list[DueReviewOut], summary="Các loại danh mục đã quá hạn rà soát")
def due_reviews(db: DB, actor: CurrentActor) -> list[DueReviewOut]:
    decisions.require_staff(actor)
    return [
        DueReviewOut(kind=r.kind, version_id=r.version.id, number=r.version.number, due=r.due, days_overdue=r.days_overdue)
        for r in decisions.due_reviews(db, decisions.today())
    ]


@router.post("/catalogs", status_code=201, summary="Lập dự thảo phiên bản mới từ dữ liệu kiểm kê")
def new_version(db: DB, actor: CurrentActor, data: VersionIn) -> dict[str, Any]:
    return _out(db, decisions.new_version(db, actor=actor, kind=data.kind))


@router.get("/catalogs/{version_id}", summary="Một phiên bản danh mục và các mục của nó")
def get_version(db: DB, actor: CurrentActor, version_id: uuid.UUID) -> dict[str, Any]:
    return _out(db, decisions.get_version(db, actor=actor, version_id=version_id))


def _snap(s: Snap) -> dict[str, Any]:
    return {"source_id": str(s.source_id), "position": s.position, "fields": s.snapshot}


@router.get("/catalogs/{version_id}/diff", summary="So sánh với phiên bản đã công bố trước đó cùng loại")
def get_diff(db: DB, actor: CurrentActor, version_id: uuid.UUID) -> dict[str, Any]:
    version, previous, diff = decisions.version_diff(db, actor=actor, version_id=version_id)
    return {
        "version_id": str(version.id),
        "previous_id": str(previous.id) if previous else None,
        "added": [_snap(s) for s in diff.added],
        "removed": [_snap(s) for s in diff.removed],
        "changed": [{"before": _snap(c.before), "after": _snap(c.after), "fields": list(c.fields)} for c in diff.changed],
        "unchanged": diff.unchanged,
    }


@router.put("/catalogs/{version_id}", summary="Sửa tên, căn cứ pháp lý, chu kỳ rà soát của dự thảo")
def update_header(db: DB, actor: CurrentActor, version_id: uuid.UUID, data: HeaderIn) -> dict[str, Any]:
    return _out(db, decisions.update_header(db, actor=actor, version_id=version_id, data=data))


@router.post("/catalogs/{version_id}/entries", status_code=201, summary="Thêm một bản ghi kiểm kê vào dự thảo")
def add_entry(db: DB, actor: CurrentActor, version_id: uuid.UUID, data: EntryIn) -> dict[str, Any]:
    entry = decisions.add_entry(db, actor=actor, version_id=version_id, data=data)
    return {
        "id": str(entry.id),
        "position": entry.position,
        "source_id": str(entry.source_id),
        "fields": entry.snapshot,
        "note": entry.note,
    }


@router.put("/catalogs/{version_id}/entries/{entry_id}", summary="Sửa ghi chú của một mục")
def set_note(db: DB, actor: CurrentActor, version_id: uuid.UUID, entry_id: uuid.UUID, data: NoteIn) -> dict[str, Any]:
    entry = decisions.set_note(db, actor=actor, version_id=version_id, entry_id=entry_id, data=data)
    return {"id": str(entry.id), "note": entry.note}


@router.delete("/catalogs/{version_id}/entries/{entry_id}", status_code=204, summary="Bỏ một mục khỏi dự thảo")
def remove_entry(db: DB, actor: CurrentActor, version_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    decisions.remove_entry(db, actor=actor, version_id=version_id, entry_id=entry_id)
    return Response(status_code=204)


@router.post("/catalogs/{version_id}/submit", summary="Trình phê duyệt")
def submit(db: DB, actor: CurrentActor, version_id: uuid.UUID) -> dict[str, Any]:
    return _brief(decisions.submit(db, actor=actor, version_id=version_id))


@router.post("/catalogs/{version_id}/return", summary="Trả lại dự thảo, kèm nội dung cần sửa")
def return_to_draft(db: DB, actor: CurrentActor, version_id: uuid.UUID, data: ReturnIn) -> dict[str, Any]:
    return _brief(decisions.return_to_draft(db, actor=actor, version_id=version_id, data=data))


@router.post("/catalogs/{version_id}/approve", summary="Ghi nhận quyết định phê duyệt (số, ngày, người ký)")
def approve(db: DB, actor: CurrentActor, version_id: uuid.UUID, data: ApproveIn) -> dict[str, Any]:
    return _brief(decisions.approve(db, actor=actor, version_id=version_id, data=data))


@router.post("/catalogs/{version_id}/publish", summary="Công bố phiên bản đã phê duyệt")
def publish(db: DB, actor: CurrentActor, version_id: uuid.UUID) -> dict[str, Any]:
    return _brief(decisions.publish(db, actor=actor, version_id=version_id))
