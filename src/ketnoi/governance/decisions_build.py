"""What a catalog lists: each kind's rule over the inventory, the snapshot of an entry, and the diff
between two versions (a pure function).

The rules (Decree 47/2020/NĐ-CP arts. 11–12 as amended; Plan I.1–I.3, I.7):
  ministry_shared_databases  databases of class «CSDL dùng chung của Bộ», not retired
  sector_shared_databases    databases of class «CSDL dùng chung của ngành», not retired
  national_proposal          databases of class «CSDL quốc gia», not retired
  open_data                  public datasets with at least one data item shared as open data
  default_sharing            datasets with at least one data item shared by default
A snapshot keeps each field as the decision shows it (labels, not codes), so a decision reads the
same whatever the code lists become, and two snapshots compare field by field.

The review cycle of a new version (its `review_months`, from which approval sets the next review's due
date) is the months of the kind's deadline rule (REVIEW_RULES, edited by the administrator on
/admin/deadlines) when the rule exists and is applied, else REVIEW_MONTHS (12 for the lists of
databases, 6 for open data and default sharing); decisions.new_version reads it (`review_months`), so
the draft, its decision text and its approval follow the rule; the administrator may still change a
draft's cycle in its header.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, exists, select
from sqlalchemy.orm import Session

from ketnoi.catalog import codelists as cl
from ketnoi.catalog.models import Database, DatabaseClass, DatabaseStatus, DataItem, Dataset, SharingForm, Visibility
from ketnoi.governance.deadlines_models import DeadlineRule, RuleKind
from ketnoi.governance.decisions_models import CatalogKind, SourceKind
from ketnoi.kit.vn import fold
from ketnoi.org.models import Organization

DATABASE_KINDS = {
    CatalogKind.MINISTRY_SHARED: DatabaseClass.MINISTRY_SHARED,
    CatalogKind.SECTOR_SHARED: DatabaseClass.SECTOR_SHARED,
    CatalogKind.NATIONAL_PROPOSAL: DatabaseClass.NATIONAL,
}
DATASET_KINDS = {CatalogKind.OPEN_DATA: SharingForm.OPEN, CatalogKind.DEFAULT_SHARING: SharingForm.DEFAULT_SHARED}
DATABASE_FIELDS = ("name", "code", "owner", "db_class", "status", "information_system", "personal_data")
DATASET_FIELDS = ("name", "database", "owner", "data_class", "sharing_form", "items", "license", "frequency")
REVIEW_MONTHS = {kind: 12 if kind in DATABASE_KINDS else 6 for kind in CatalogKind}  # when no rule applies
REVIEW_RULES = {  # the deadline rule of each kind's review cycle (deadlines_defaults); the national proposal has none
    CatalogKind.MINISTRY_SHARED: "catalog.databases.review",
    CatalogKind.SECTOR_SHARED: "catalog.databases.review",
    CatalogKind.OPEN_DATA: "catalog.open_data.review",
    CatalogKind.DEFAULT_SHARING: "catalog.default_sharing.review",
}
LEGAL_BASIS = {
    CatalogKind.MINISTRY_SHARED: "Nghị định số 47/2020/NĐ-CP, Điều 12 và Điều 14; Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP "
    "của Bộ Khoa học và Công nghệ, nhiệm vụ I.2 (danh mục CSDL dùng chung của Bộ, cập nhật hằng năm).",
    CatalogKind.SECTOR_SHARED: "Nghị định số 47/2020/NĐ-CP, Điều 12 và Điều 14; Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP "
    "của Bộ Khoa học và Công nghệ, nhiệm vụ I.2 (danh mục CSDL dùng chung của ngành, cập nhật hằng năm).",
    CatalogKind.NATIONAL_PROPOSAL: "Nghị định số 47/2020/NĐ-CP, Điều 13; Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP "
    "của Bộ Khoa học và Công nghệ, nhiệm vụ I.1 (đề xuất danh mục CSDL quốc gia).",
    CatalogKind.OPEN_DATA: "Nghị định số 47/2020/NĐ-CP, Điều 11 và Điều 18 (được sửa đổi bởi Nghị định số 194/2025/NĐ-CP); "
    "Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP của Bộ Khoa học và Công nghệ, nhiệm vụ I.3 "
    "(rà soát, sửa đổi danh mục định kỳ 6 tháng một lần).",
    CatalogKind.DEFAULT_SHARING: "Nghị định số 47/2020/NĐ-CP, Điều 11 và Điều 15; Kế hoạch thực hiện Nghị định số 47/2020/NĐ-CP "
    "của Bộ Khoa học và Công nghệ, nhiệm vụ I.7 (rà soát, sửa đổi danh mục định kỳ 6 tháng một lần).",
}


def source_kind(kind: str) -> SourceKind:
    return SourceKind.DATABASE if kind in DATABASE_KINDS else SourceKind.DATASET


def fields_of(kind: str) -> tuple[str, ...]:
    return DATABASE_FIELDS if kind in DATABASE_KINDS else DATASET_FIELDS


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days: 31/8 + 6 months is 28/2)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def review_months(bind: Session | Connection, kind: str) -> int:
    """The months between two reviews of `kind`: its rule's, when the rule exists and is applied, else REVIEW_MONTHS.
    Reads the rule only (never seeds it), so it may run inside a flush."""
    fallback = REVIEW_MONTHS[CatalogKind(kind)]
    key = REVIEW_RULES.get(CatalogKind(kind))
    if key is None:
        return fallback
    query = select(DeadlineRule.kind, DeadlineRule.params, DeadlineRule.enabled).where(DeadlineRule.key == key)
    row = bind.execute(query).first()
    if row is None or not row.enabled or row.kind != RuleKind.EVERY_N_MONTHS:
        return fallback
    try:
        months = int(row.params["months"])
    except (KeyError, TypeError, ValueError):
        return fallback
    return months if 1 <= months <= 60 else fallback


@dataclass(frozen=True)
class Found:
    """A record chosen for a catalog: where it comes from and what the decision shows of it."""

    source_kind: SourceKind
    source_id: uuid.UUID
    snapshot: dict[str, Any]


def _label(options: dict[Any, str], value: str | None) -> str:
    return options.get(value, value or "") if value else ""


def _database_rows(session: Session, condition: Any) -> list[Found]:
    query = select(Database, Organization.name).join(Organization, Organization.id == Database.owner_unit_id).where(condition)
    found = []
    for database, owner in session.execute(query).tuples():
        snap = {
            "name": database.name,
            "code": database.code or "",
            "owner": owner,
            "db_class": _label(cl.DATABASE_CLASSES, database.db_class),
            "status": _label(cl.DATABASE_STATUSES, database.status),
            "information_system": database.information_system or "",
            "personal_data": "Có" if database.holds_personal_data else "Không",
        }
        found.append(Found(SourceKind.DATABASE, database.id, snap))
    return _ordered(found)


def _dataset_rows(session: Session, condition: Any, form: SharingForm | None) -> list[Found]:
    query = (
        select(Dataset, Database.name, Organization.name)
        .join(Database, Database.id == Dataset.database_id)
        .join(Organization, Organization.id == Dataset.owner_unit_id)
        .where(condition)
    )
    rows = session.execute(query).tuples().all()
    items: dict[uuid.UUID, list[str]] = defaultdict(list)
    if rows and form is not None:
        ids = [dataset.id for dataset, _, _ in rows]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            listed = select(DataItem.dataset_id, DataItem.title).where(DataItem.dataset_id.in_(chunk), DataItem.sharing_form == form)
            for dataset_id, title in session.execute(listed.order_by(DataItem.position, DataItem.name)).tuples():
                items[dataset_id].append(title)
    found = []
    for dataset, database_name, owner in rows:
        snap = {
            "name": dataset.name,
            "database": database_name,
            "owner": owner,
            "data_class": _label(cl.DATA_CLASSES, dataset.data_class),
            "sharing_form": _label(cl.SHARING_FORMS, form) if form else "",
            "items": "; ".join(items.get(dataset.id, [])),
            "license": _label(cl.LICENSES, dataset.license_id),
            "frequency": _label(cl.FREQUENCIES, dataset.update_frequency),
        }
        found.append(Found(SourceKind.DATASET, dataset.id, snap))
    return _ordered(found)


def _ordered(found: list[Found]) -> list[Found]:
    return sorted(found, key=lambda f: (fold(f.snapshot["owner"]), fold(f.snapshot["name"]), str(f.source_id)))


def _has_items(form: SharingForm) -> Any:
    return exists().where(DataItem.dataset_id == Dataset.id, DataItem.sharing_form == form)


def by_rule(session: Session, kind: CatalogKind) -> list[Found]:
    """The records the kind's rule chooses, in the decision's order (owner unit, then name)."""
    if kind in DATABASE_KINDS:
        return _database_rows(session, (Database.db_class == DATABASE_KINDS[kind]) & (Database.status != DatabaseStatus.RETIRED))
    form = DATASET_KINDS[kind]
    condition = _has_items(form)
    if kind == CatalogKind.OPEN_DATA:
        condition = condition & (Dataset.visibility == Visibility.PUBLIC)
    return _dataset_rows(session, condition, form)


def one(session: Session, kind: str, source: str) -> Found | None:
    """One record of the kind's sort (database or dataset), by its id, a database's code or a dataset's URL name."""
    try:
        record_id: uuid.UUID | None = uuid.UUID(source)
    except ValueError:
        record_id = None
    if kind in DATABASE_KINDS:
        condition = Database.id == record_id if record_id else Database.code == source
        rows = _database_rows(session, condition)
    else:
        condition = Dataset.id == record_id if record_id else Dataset.slug == source
        rows = _dataset_rows(session, condition, DATASET_KINDS[CatalogKind(kind)])
    return rows[0] if rows else None


# ---- the diff: a pure function --------------------------------------------------------------------------


@dataclass(frozen=True)
class Snap:
    """An entry as the diff sees it: its source record and its snapshot."""

    source_id: uuid.UUID
    snapshot: dict[str, Any]
    position: int = 0


@dataclass(frozen=True)
class Change:
    before: Snap
    after: Snap
    fields: tuple[str, ...]  # the snapshot fields that differ, in the decision's order


@dataclass(frozen=True)
class Diff:
    added: list[Snap] = field(default_factory=list)
    removed: list[Snap] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _field_order(keys: Iterable[str], order: Sequence[str]) -> tuple[str, ...]:
    known = [k for k in dict.fromkeys(order) if k in keys]
    return (*known, *sorted(k for k in keys if k not in order))


def diff(before: Sequence[Snap], after: Sequence[Snap], order: Sequence[str] = DATASET_FIELDS + DATABASE_FIELDS) -> Diff:
    """Added (in `after` only), removed (in `before` only) and changed (same source record, a snapshot
    field with another value; the fields listed) entries; each list in its version's order."""
    old = {s.source_id: s for s in before}
    new = {s.source_id: s for s in after}
    added = [s for s in after if s.source_id not in old]
    removed = [s for s in before if s.source_id not in new]
    changed = []
    unchanged = 0
    for snap in after:
        previous = old.get(snap.source_id)
        if previous is None:
            continue
        keys = set(previous.snapshot) | set(snap.snapshot)
        differing = [k for k in keys if previous.snapshot.get(k) != snap.snapshot.get(k)]
        if differing:
            changed.append(Change(previous, snap, _field_order(differing, order)))
        else:
            unchanged += 1
    return Diff(added, removed, changed, unchanged)
