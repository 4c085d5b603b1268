"""Databases (CSDL), their datasets, data items (fields) and resources (files)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ketnoi.db import Base, IdMixin, TimestampMixin


class DatabaseClass(StrEnum):
    NATIONAL = "national"  # CSDL quốc gia
    MINISTRY_SHARED = "ministry_shared"  # CSDL dùng chung của Bộ
    SECTOR_SHARED = "sector_shared"  # CSDL dùng chung của ngành
    INTERNAL = "internal"  # CSDL nội bộ


class DatabaseStatus(StrEnum):
    PLANNED = "planned"
    BUILDING = "building"
    OPERATING = "operating"
    RETIRED = "retired"


class DataClass(StrEnum):
    """Law on Data 60/2024/QH15, art. 13."""

    CORE = "core"
    IMPORTANT = "important"
    OTHER = "other"


class SharingForm(StrEnum):
    """Decree 47 art. 11 (as amended): how a data item may be shared."""

    OPEN = "open"
    DEFAULT_SHARED = "default_shared"
    SPECIFIC_REQUEST = "specific_request"
    NOT_SHARED = "not_shared"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Database(IdMixin, TimestampMixin, Base):
    __tablename__ = "databases"

    name: Mapped[str] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    owner_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    db_class: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    update_mechanism: Mapped[str | None] = mapped_column(Text)
    information_system: Mapped[str | None] = mapped_column(String(255))
    security_level: Mapped[int | None] = mapped_column(Integer)
    holds_personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=DatabaseStatus.OPERATING)
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_databases_name_id", "name", "id"),)


class Dataset(IdMixin, TimestampMixin, Base):
    __tablename__ = "datasets"

    database_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("databases.id", ondelete="RESTRICT"), index=True)
    owner_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # The URL name (kit.slug): CKAN's `name`, the portal's links. Made at creation, kept on rename.
    slug: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    license_id: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(64), index=True)
    update_frequency: Mapped[str | None] = mapped_column(String(32))
    data_class: Mapped[str] = mapped_column(String(16), default=DataClass.OTHER)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.INTERNAL)
    # The tags again, as a list: dataset_tags serves the filter, this column a list page (no join).
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_datasets_name_id", "name", "id"), Index("uq_datasets_slug", "slug", unique=True))


class DatasetTag(Base):
    __tablename__ = "dataset_tags"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class DataItem(IdMixin, TimestampMixin, Base):
    """A field of a dataset, with how it may be shared and whether it is personal data."""

    __tablename__ = "data_items"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    data_type: Mapped[str] = mapped_column(String(16), default="string")
    sharing_form: Mapped[str] = mapped_column(String(32), default=SharingForm.SPECIFIC_REQUEST)
    is_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    is_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("uq_data_items_dataset_id_name", "dataset_id", "name", unique=True),)


class Resource(IdMixin, TimestampMixin, Base):
    """A file attached to a dataset; the bytes live in the file store under `storage_key`."""

    __tablename__ = "resources"

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(16))
    media_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    original_filename: Mapped[str | None] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(255))
    # A resource kept elsewhere (a link, or a harvested portal's file): its address, and no bytes here.
    url: Mapped[str | None] = mapped_column(String(1000))
