"""Tables of official catalogs as versioned decisions (Plan I.1–I.3, I.7; Decree 47/2020/NĐ-CP).

A catalog version is one decision of the minister: the list of shared databases of the ministry or
of the sector, the proposal of national databases, the open-data catalog or the default-sharing
catalog. It is built from the inventory as a draft, submitted, approved (decision number, date,
signer, signed file) and published; a published version never changes. Each entry keeps a snapshot
of the fields the decision shows, so the decision reads the same whatever the inventory becomes;
`source_id` names the database or dataset it came from (no foreign key: a decision outlives the
records it lists).

The input schemas (what a form or an API call sends) sit at the end of this module.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin
from ketnoi.kit.errors import Conflict
from ketnoi.kit.validation import Input, OptionalText
from ketnoi.kit.validation import Text as InText


class CatalogKind(StrEnum):
    MINISTRY_SHARED = "ministry_shared_databases"  # Danh mục CSDL dùng chung của Bộ
    SECTOR_SHARED = "sector_shared_databases"  # Danh mục CSDL dùng chung của ngành
    NATIONAL_PROPOSAL = "national_proposal"  # Đề xuất CSDL quốc gia
    OPEN_DATA = "open_data"  # Danh mục dữ liệu mở
    DEFAULT_SHARING = "default_sharing"  # Danh mục dữ liệu chia sẻ theo hình thức mặc định


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PUBLISHED = "published"


PUBLISHED_IMMUTABLE = "Phiên bản đã công bố là quyết định đã ban hành: không được sửa đổi."


class SourceKind(StrEnum):
    DATABASE = "database"
    DATASET = "dataset"


class CatalogVersion(IdMixin, TimestampMixin, Base):
    __tablename__ = "catalog_versions"

    kind: Mapped[str] = mapped_column(String(32))  # first in the unique key
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within its kind
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(255))
    legal_basis: Mapped[str] = mapped_column(Text)
    review_months: Mapped[int] = mapped_column(Integer)  # 12 for the lists of databases, 6 for open data and default sharing
    next_review_due: Mapped[date | None] = mapped_column(Date)  # from the decision date, once approved
    decision_number: Mapped[str | None] = mapped_column(String(64))  # "1234/QĐ-BKHCN"
    decision_date: Mapped[date | None] = mapped_column(Date)
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
    signed_file_key: Mapped[str | None] = mapped_column(String(255))  # ketnoi.files
    signed_file_name: Mapped[str | None] = mapped_column(String(255))
    signed_file_size: Mapped[int | None] = mapped_column(BigInteger)
    return_note: Mapped[str | None] = mapped_column(Text)  # why it went back to draft, the last time
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    returned_at: Mapped[datetime | None]
    returned_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("kind", "number"),)


class CatalogEntry(IdMixin, Base):
    __tablename__ = "catalog_entries"

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog_versions.id", ondelete="CASCADE"))  # first in the unique key
    position: Mapped[int] = mapped_column(Integer)
    source_kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[uuid.UUID]  # the database's or the dataset's id
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the fields the decision shows, as shown
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("version_id", "source_id"), Index("ix_catalog_entries_source_id", "source_id"))


# ---- the guard: a published version never changes, whoever tries (on every flush) ----------------------


def _was_published(version: CatalogVersion) -> bool:
    """Whether the version is published in the database (whatever this session is about to write)."""
    state = inspect(version)
    if "status" in state.unloaded and state.key is not None and state.session is not None:
        state.session.refresh(version, ["status"])  # expired after a commit: read it again (the other changes stay)
    history = state.attrs.status.history
    return VersionStatus.PUBLISHED in (*history.unchanged, *history.deleted)


def _published_version(session: Session, version_id: uuid.UUID) -> bool:
    version = session.get(CatalogVersion, version_id)
    return version is not None and _was_published(version)


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, CatalogVersion) and _was_published(obj) and (obj in session.deleted or session.is_modified(obj)):
            raise Conflict(PUBLISHED_IMMUTABLE)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, CatalogEntry) or obj.version_id is None:
            continue
        touched = obj in session.new or obj in session.deleted or session.is_modified(obj)
        if touched and _published_version(session, obj.version_id):
            raise Conflict(PUBLISHED_IMMUTABLE)


# ---- what users send ---------------------------------------------------------------------------------


class VersionIn(Input):
    kind: CatalogKind


class HeaderIn(Input):
    title: InText = Field(min_length=1, max_length=255)
    legal_basis: InText = Field(min_length=1, max_length=4000)
    review_months: int = Field(ge=1, le=60)


class EntryIn(Input):
    """A record to add: its id, a database's code or a dataset's URL name."""

    source: InText = Field(min_length=1, max_length=100)
    note: OptionalText = Field(default=None, max_length=2000)


class NoteIn(Input):
    note: OptionalText = Field(default=None, max_length=2000)


class ReturnIn(Input):
    note: InText = Field(min_length=1, max_length=4000)


class ApproveIn(Input):
    decision_number: InText = Field(min_length=1, max_length=64)
    decision_date: date
    signer_name: InText = Field(min_length=1, max_length=255)
    signer_title: InText = Field(min_length=1, max_length=255)
