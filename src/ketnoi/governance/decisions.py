"""Official catalogs as versioned decisions: building a version from the inventory, its workflow
(draft → submitted → approved → published, or back to draft with a note), the diff against the
previous published version and the review cycles.

Who does what: the administrator (the IT Center) builds, edits, submits, approves and publishes;
stewards and leaders read every version; the public reads published versions only (any other is
"not found" to it). A published version never changes: the service refuses it, and a guard on every
flush refuses it too (a change of a published version or of its entries raises Conflict). Every
change is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi import files
from ketnoi.audit import service as audit
from ketnoi.authz import Actor, Role
from ketnoi.governance import decisions_build as build
from ketnoi.governance.decisions_build import Diff, Snap
from ketnoi.governance.decisions_models import (
    PUBLISHED_IMMUTABLE,
    ApproveIn,
    CatalogEntry,
    CatalogKind,
    CatalogVersion,
    EntryIn,
    HeaderIn,
    NoteIn,
    ReturnIn,
    VersionStatus,
)
from ketnoi.governance.labels_decisions import KIND_LABELS, STATUS_LABELS
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from ketnoi.kit.vn import nfc
from ketnoi.settings import get_settings
from ketnoi.workcal.service import VN

HEADER_FIELDS = ("title", "legal_basis", "review_months")
DECISION_FIELDS = ("decision_number", "decision_date", "signer_name", "signer_title")
IN_PROGRESS = (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.APPROVED)


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(VN).date()


# ---- who may ------------------------------------------------------------------------------------


def is_admin(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    if not actor.is_authenticated and actor.role is Role.PUBLIC:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    if not is_admin(actor):
        raise Forbidden("Chỉ quản trị hệ thống (Trung tâm Công nghệ thông tin) được lập, trình, phê duyệt và công bố danh mục.")


def _is_staff(actor: Actor) -> bool:
    return actor.role is not Role.PUBLIC


def require_staff(actor: Actor) -> None:
    if not _is_staff(actor):
        raise Unauthenticated("Bạn cần đăng nhập để xem thông tin này.")


# ---- reading ------------------------------------------------------------------------------------


def get_version(session: Session, *, actor: Actor, version_id: uuid.UUID) -> CatalogVersion:
    version = session.get(CatalogVersion, version_id)
    if version is None or (not _is_staff(actor) and version.status != VersionStatus.PUBLISHED):
        raise NotFound("Không tìm thấy phiên bản danh mục.")
    return version


def list_versions(session: Session, *, actor: Actor, kind: CatalogKind | None = None) -> list[CatalogVersion]:
    query = select(CatalogVersion)
    if not _is_staff(actor):
        query = query.where(CatalogVersion.status == VersionStatus.PUBLISHED)
    if kind is not None:
        query = query.where(CatalogVersion.kind == kind)
    return list(session.scalars(query.order_by(CatalogVersion.kind, CatalogVersion.number.desc())))


def entries(session: Session, version: CatalogVersion) -> list[CatalogEntry]:
    query = select(CatalogEntry).where(CatalogEntry.version_id == version.id).order_by(CatalogEntry.position, CatalogEntry.id)
    return list(session.scalars(query))


def label(version: CatalogVersion) -> str:
    return f"{KIND_LABELS[CatalogKind(version.kind)]}, phiên bản {version.number}"


def previous_published(session: Session, version: CatalogVersion) -> CatalogVersion | None:
    query = select(CatalogVersion).where(
        CatalogVersion.kind == version.kind, CatalogVersion.status == VersionStatus.PUBLISHED, CatalogVersion.number < version.number
    )
    return session.scalar(query.order_by(CatalogVersion.number.desc()).limit(1))


def snaps(session: Session, version: CatalogVersion) -> list[Snap]:
    return [Snap(e.source_id, dict(e.snapshot), e.position) for e in entries(session, version)]


def version_diff(session: Session, *, actor: Actor, version_id: uuid.UUID) -> tuple[CatalogVersion, CatalogVersion | None, Diff]:
    """The version against the previous published version of its kind (everything added when there is none)."""
    version = get_version(session, actor=actor, version_id=version_id)
    previous = previous_published(session, version)
    before = snaps(session, previous) if previous else []
    return version, previous, build.diff(before, snaps(session, version), build.fields_of(version.kind))


# ---- building -----------------------------------------------------------------------------------


def _audit(session: Session, actor: Actor, version: CatalogVersion, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="catalog_version",
        entity_id=version.id,
        entity_label=label(version),
        changes=changes,
    )


def new_version(session: Session, *, actor: Actor, kind: CatalogKind) -> CatalogVersion:
    """A draft of the next version of `kind`, its entries chosen from the inventory by the kind's rule."""
    require_admin(actor)
    pending = session.scalar(select(CatalogVersion).where(CatalogVersion.kind == kind, CatalogVersion.status.in_(IN_PROGRESS)))
    if pending is not None:
        pending_values = {"kind": KIND_LABELS[kind], "number": pending.number, "status": STATUS_LABELS[VersionStatus(pending.status)]}
        raise Conflict("{kind} đang có phiên bản {number} chưa công bố ({status}).", values=pending_values).on_field("kind")
    number = (session.scalar(select(func.max(CatalogVersion.number)).where(CatalogVersion.kind == kind)) or 0) + 1
    version = CatalogVersion(
        id=uuid.uuid4(),
        kind=kind,
        number=number,
        status=VersionStatus.DRAFT,
        title=KIND_LABELS[kind],
        legal_basis=build.LEGAL_BASIS[kind],
        review_months=build.review_months(session, kind),
        created_by_id=actor.user_id,
    )
    session.add(version)
    session.flush()
    chosen = build.by_rule(session, kind)
    for position, found in enumerate(chosen, 1):
        session.add(
            CatalogEntry(
                version_id=version.id, position=position, source_kind=found.source_kind, source_id=found.source_id, snapshot=found.snapshot
            )
        )
    _audit(session, actor, version, "create", {"kind": [None, kind.value], "number": [None, number], "entries": [None, len(chosen)]})
    session.flush()
    return version


def _draft(session: Session, actor: Actor, version_id: uuid.UUID) -> CatalogVersion:
    require_admin(actor)
    version = get_version(session, actor=actor, version_id=version_id)
    if version.status == VersionStatus.PUBLISHED:
        raise Conflict(PUBLISHED_IMMUTABLE)
    if version.status != VersionStatus.DRAFT:
        raise Conflict("Chỉ sửa được danh mục khi là dự thảo; hãy trả lại dự thảo trước.")
    return version


def update_header(session: Session, *, actor: Actor, version_id: uuid.UUID, data: HeaderIn) -> CatalogVersion:
    version = _draft(session, actor, version_id)
    before = audit.snapshot(version, HEADER_FIELDS)
    version.title, version.legal_basis, version.review_months = data.title, data.legal_basis, data.review_months
    changes = audit.diff(before, audit.snapshot(version, HEADER_FIELDS))
    if changes:
        _audit(session, actor, version, "update", changes)
    session.flush()
    return version


def add_entry(session: Session, *, actor: Actor, version_id: uuid.UUID, data: EntryIn) -> CatalogEntry:
    """Add an inventory record the rule did not choose (by its id, a database's code or a dataset's URL name)."""
    version = _draft(session, actor, version_id)
    found = build.one(session, version.kind, data.source.strip())
    if found is None:
        if build.source_kind(version.kind) == "database":
            raise Invalid("Không tìm thấy cơ sở dữ liệu này trong hệ thống.").on_field("source")
        raise Invalid("Không tìm thấy bộ dữ liệu này trong hệ thống.").on_field("source")
    taken = select(CatalogEntry.id).where(CatalogEntry.version_id == version.id, CatalogEntry.source_id == found.source_id)
    if session.scalar(taken) is not None:
        raise Conflict("«{name}» đã có trong danh mục.", values={"name": found.snapshot["name"]}).on_field("source")
    last = session.scalar(select(func.max(CatalogEntry.position)).where(CatalogEntry.version_id == version.id)) or 0
    entry = CatalogEntry(
        version_id=version.id,
        position=last + 1,
        source_kind=found.source_kind,
        source_id=found.source_id,
        snapshot=found.snapshot,
        note=data.note,
    )
    session.add(entry)
    _audit(session, actor, version, "add_entry", {"entry": [None, found.snapshot["name"]]})
    session.flush()
    return entry


def _entry(session: Session, version: CatalogVersion, entry_id: uuid.UUID) -> CatalogEntry:
    entry = session.get(CatalogEntry, entry_id)
    if entry is None or entry.version_id != version.id:
        raise NotFound("Không tìm thấy mục này trong danh mục.")
    return entry


def remove_entry(session: Session, *, actor: Actor, version_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    version = _draft(session, actor, version_id)
    entry = _entry(session, version, entry_id)
    _audit(session, actor, version, "remove_entry", {"entry": [entry.snapshot.get("name"), None]})
    session.delete(entry)
    session.flush()
    for position, rest in enumerate(entries(session, version), 1):  # keep the numbering without gaps
        rest.position = position
    session.flush()


def set_note(session: Session, *, actor: Actor, version_id: uuid.UUID, entry_id: uuid.UUID, data: NoteIn) -> CatalogEntry:
    version = _draft(session, actor, version_id)
    entry = _entry(session, version, entry_id)
    if entry.note != data.note:
        _audit(session, actor, version, "update_entry", {f"note: {entry.snapshot.get('name')}": [entry.note, data.note]})
        entry.note = data.note
    session.flush()
    return entry


# ---- the workflow ---------------------------------------------------------------------------------


def _step(session: Session, actor: Actor, version_id: uuid.UUID, expected: VersionStatus) -> CatalogVersion:
    require_admin(actor)
    version = get_version(session, actor=actor, version_id=version_id)
    if version.status == VersionStatus.PUBLISHED:
        raise Conflict(PUBLISHED_IMMUTABLE)
    if version.status != expected:
        current = STATUS_LABELS[VersionStatus(version.status)]
        raise Conflict(
            "Thao tác này cần phiên bản ở trạng thái «{expected}»; phiên bản đang «{current}».",
            values={"expected": STATUS_LABELS[expected], "current": current},
        )
    return version


def _move(session: Session, actor: Actor, version: CatalogVersion, status: VersionStatus, action: str, extra: dict[str, Any]) -> None:
    before = version.status
    version.status = status
    _audit(session, actor, version, action, {"status": [before, status.value], **extra})
    session.flush()


def submit(session: Session, *, actor: Actor, version_id: uuid.UUID) -> CatalogVersion:
    version = _step(session, actor, version_id, VersionStatus.DRAFT)
    if not entries(session, version):
        raise Conflict("Danh mục chưa có mục nào: không trình duyệt được.")
    version.submitted_at, version.submitted_by_id = utcnow(), actor.user_id
    _move(session, actor, version, VersionStatus.SUBMITTED, "submit", {})
    return version


def return_to_draft(session: Session, *, actor: Actor, version_id: uuid.UUID, data: ReturnIn) -> CatalogVersion:
    """Send a submitted (or approved, not yet published) version back to draft, saying what to change."""
    require_admin(actor)
    version = get_version(session, actor=actor, version_id=version_id)
    if version.status == VersionStatus.PUBLISHED:
        raise Conflict(PUBLISHED_IMMUTABLE)
    if version.status == VersionStatus.DRAFT:
        raise Conflict("Phiên bản đang là dự thảo.")
    version.return_note, version.returned_at, version.returned_by_id = data.note, utcnow(), actor.user_id
    for name in (*DECISION_FIELDS, "next_review_due", "approved_at", "approved_by_id"):
        setattr(version, name, None)
    _move(session, actor, version, VersionStatus.DRAFT, "return", {"note": [None, data.note]})
    return version


def approve(
    session: Session, *, actor: Actor, version_id: uuid.UUID, data: ApproveIn, upload: tuple[str, BinaryIO] | None = None
) -> CatalogVersion:
    """Record the signed decision (number, date, signer; the signed PDF optional) and the next review's due date."""
    version = _step(session, actor, version_id, VersionStatus.SUBMITTED)
    if data.decision_date > today():
        msg = "Ngày quyết định không được sau ngày hôm nay."
        raise Invalid(msg, fields={"decision_date": msg})
    if upload is not None:
        _keep_signed_file(version, *upload)
    for name in DECISION_FIELDS:
        setattr(version, name, getattr(data, name))
    version.next_review_due = build.add_months(data.decision_date, version.review_months)
    version.approved_at, version.approved_by_id = utcnow(), actor.user_id
    extra = {name: [None, str(getattr(data, name))] for name in DECISION_FIELDS}
    _move(session, actor, version, VersionStatus.APPROVED, "approve", {**extra, "next_review_due": [None, str(version.next_review_due)]})
    return version


def _keep_signed_file(version: CatalogVersion, filename: str, stream: BinaryIO) -> None:
    name = nfc(PurePath(filename.replace("\\", "/")).name)[:255]
    head = stream.read(5)
    stream.seek(0)
    if PurePath(name).suffix.lower() != ".pdf" or head != b"%PDF-":
        msg = "Tệp quyết định đã ký phải là tệp PDF."
        raise Invalid(msg, fields={"file": msg})
    stored = files.save(stream, max_bytes=get_settings().max_upload_mb << 20)
    version.signed_file_key, version.signed_file_name, version.signed_file_size = stored.key, name, stored.size


def publish(session: Session, *, actor: Actor, version_id: uuid.UUID) -> CatalogVersion:
    version = _step(session, actor, version_id, VersionStatus.APPROVED)
    version.published_at, version.published_by_id = utcnow(), actor.user_id
    _move(session, actor, version, VersionStatus.PUBLISHED, "publish", {})
    return version


# ---- review cycles -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindView:
    """A kind of catalog as /catalogs shows it: its current published version, the one in progress, the review."""

    kind: CatalogKind
    current: CatalogVersion | None
    pending: CatalogVersion | None
    today: date

    @property
    def due(self) -> date | None:
        return self.current.next_review_due if self.current else None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.today > self.due


def kinds_view(session: Session, *, actor: Actor, day: date | None = None) -> list[KindView]:
    day = day or today()
    versions = list_versions(session, actor=actor)
    shown = []
    for kind in CatalogKind:
        mine = [v for v in versions if v.kind == kind]
        current = next((v for v in mine if v.status == VersionStatus.PUBLISHED), None)
        pending = next((v for v in mine if v.status in IN_PROGRESS), None)
        shown.append(KindView(kind, current, pending, day))
    return shown


@dataclass(frozen=True)
class DueReview:
    kind: CatalogKind
    version: CatalogVersion  # the current published version
    due: date
    days_overdue: int


def due_reviews(session: Session, today: date) -> list[DueReview]:
    """The kinds whose current published version is past its review due date (for the reminders)."""
    found = []
    for view in kinds_view(session, actor=Actor(role=Role.ADMIN, label="system"), day=today):
        if view.current is not None and view.due is not None and view.overdue:
            found.append(DueReview(view.kind, view.current, view.due, (today - view.due).days))
    return found
