"""Shapes of the demo records: small frozen dataclasses, so the data modules stay plain literals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from ketnoi.authz import Role
from ketnoi.catalog.models import DatabaseClass, DatabaseStatus, DataClass, SharingForm, Visibility
from ketnoi.org.models import OrgKind

# Demo addresses sit under a sub-domain with no mailboxes, so no e-mail copy of a notification can
# reach a real person at the ministry's domain.
MAIL_DOMAIN = "demo.most.gov.vn"

OPEN = SharingForm.OPEN
SHARED = SharingForm.DEFAULT_SHARED
REQUEST = SharingForm.SPECIFIC_REQUEST
CLOSED = SharingForm.NOT_SHARED

DataType = Literal["string", "integer", "number", "boolean", "date", "datetime"]


def mail(local: str) -> str:
    return f"{local}@{MAIL_DOMAIN}"


@dataclass(frozen=True)
class OrgSpec:
    """A unit of the ministry or an external agency; `parent` is the parent's agency code."""

    agency_code: str
    name: str
    short_name: str
    kind: OrgKind = OrgKind.UNIT
    parent: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class FocalPointSpec:
    """One appointment of a focal point (đầu mối); later appointments end earlier ones."""

    org: str  # agency code
    full_name: str
    position: str
    phone: str
    email: str
    appointment_document: str
    started_on: date


@dataclass(frozen=True)
class AccountSpec:
    username: str
    full_name: str
    role: Role
    unit: str | None  # agency code
    email: str


@dataclass(frozen=True)
class ItemSpec:
    """A field of a dataset: ascii snake_case name, Vietnamese title, how it may be shared."""

    name: str
    title: str
    data_type: DataType = "string"
    sharing_form: SharingForm = SHARED
    is_personal: bool = False
    is_sensitive: bool = False
    description: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    topic: str
    tags: tuple[str, ...]
    update_frequency: str
    items: tuple[ItemSpec, ...]
    data_class: DataClass = DataClass.OTHER
    visibility: Visibility = Visibility.INTERNAL
    license_id: str = "internal"


@dataclass(frozen=True)
class DataFileSpec:
    """A file of demo/files attached to a dataset and loaded into the datastore."""

    dataset: str  # the dataset's name
    filename: str
    title: str  # the resource's name
    description: str
    bad_rows: str = "reject"  # or "quarantine": load the good rows, set the bad ones aside


@dataclass(frozen=True)
class ServiceSpec:
    """A sharing service over a demo dataset, and how far along its lifecycle the demo takes it."""

    code: str
    name: str
    dataset: str  # the dataset's name (its unit owns the service)
    data_items: tuple[str, ...]
    description: str
    usage_regulation: str
    sharing_form: SharingForm = SharingForm.DEFAULT_SHARED
    rate_limit_per_minute: int | None = 600
    availability: str | None = "Giờ hành chính, 99 %"
    stage: str = "published"  # draft | ready | published
    ready_days_ago: int = 0  # ready this many days ago (a week ago: late for publication)


@dataclass(frozen=True)
class DatabaseSpec:
    code: str
    name: str
    owner: str  # agency code
    db_class: DatabaseClass
    purpose: str
    scope: str
    content: str
    legal_basis: str
    source: str
    update_mechanism: str
    information_system: str
    security_level: int
    holds_personal_data: bool
    datasets: tuple[DatasetSpec, ...]
    status: DatabaseStatus = DatabaseStatus.OPERATING
