"""Databases (CSDL) of the ministry's units."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, false, func, select, update
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind, Visibility
from ketnoi.catalog.models import Database, DatabaseClass, Dataset
from ketnoi.catalog.schemas import DatabaseIn, DatabasePatch
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.pagination import Page, keyset_page
from ketnoi.kit.search import matches, search_text
from ketnoi.org.models import Organization
from ketnoi.org.service import unit_subtree

FIELDS = (
    "name",
    "code",
    "owner_unit_id",
    "db_class",
    "purpose",
    "scope",
    "content",
    "legal_basis",
    "source",
    "update_mechanism",
    "information_system",
    "security_level",
    "holds_personal_data",
    "status",
)


def is_public(db: Database) -> bool:
    """Shared and national databases are announced by decision; internal ones are not public."""
    return db.db_class != DatabaseClass.INTERNAL


def visible(actor: Actor) -> ColumnElement[bool]:
    match authz.visibility(actor, Kind.DATABASE):
        case Visibility.ALL:
            return Database.id.is_not(None)
        case Visibility.PUBLIC:
            return Database.db_class != DatabaseClass.INTERNAL
    return false()


def list_databases(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    owner_unit_id: uuid.UUID | None = None,
    db_class: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Database]:
    query = select(Database).where(visible(actor), matches(Database.search_text, q))
    if owner_unit_id:
        query = query.where(Database.owner_unit_id.in_(unit_subtree(session, owner_unit_id)))
    if db_class:
        query = query.where(Database.db_class == db_class)
    if status:
        query = query.where(Database.status == status)
    return keyset_page(session, query, [Database.name, Database.id], cursor=cursor, limit=limit)


def get_database(session: Session, *, actor: Actor, database_id: uuid.UUID) -> Database:
    db = session.get(Database, database_id)
    if db is None or not authz.allowed(actor, Action.VIEW, Kind.DATABASE, owner_unit_id=db.owner_unit_id, public=is_public(db)):
        # A record the actor may not see does not exist for them.
        raise NotFound("Không tìm thấy cơ sở dữ liệu.")
    return db


def _check(session: Session, db: Database) -> None:
    with session.no_autoflush:  # check the pending values before they reach the unique index
        owner = session.get(Organization, db.owner_unit_id)
        taken = db.code and session.scalar(select(Database.id).where(Database.code == db.code, Database.id != db.id))
    if owner is None:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"owner_unit_id": "Đơn vị chủ quản không tồn tại."})
    if taken:
        raise Conflict("Mã CSDL đã được dùng.", fields={"code": "Mã CSDL đã được dùng."})
    db.search_text = search_text(db.name, db.code, db.purpose, owner.name, owner.short_name)


def create_database(session: Session, *, actor: Actor, data: DatabaseIn) -> Database:
    authz.require(actor, Action.CREATE, Kind.DATABASE, owner_unit_id=data.owner_unit_id)
    db = Database(id=uuid.uuid4(), **data.model_dump())
    _check(session, db)
    session.add(db)
    session.flush()
    changes = audit.diff({}, audit.snapshot(db, FIELDS))
    audit.record(session, actor=actor, action="create", entity_type="database", entity_id=db.id, entity_label=db.name, changes=changes)
    _status_changed(session, db, None)
    return db


def update_database(session: Session, *, actor: Actor, database_id: uuid.UUID, patch: DatabasePatch) -> Database:
    db = get_database(session, actor=actor, database_id=database_id)
    authz.require(actor, Action.UPDATE, Kind.DATABASE, owner_unit_id=db.owner_unit_id)
    values = patch.model_dump(include=patch.model_fields_set)
    for required in ("name", "owner_unit_id", "db_class", "status", "holds_personal_data"):
        if required in values and values[required] is None:
            raise Invalid("Dữ liệu không hợp lệ.", fields={required: "Trường này là bắt buộc."})
    new_owner = values.get("owner_unit_id", db.owner_unit_id) != db.owner_unit_id
    if new_owner:
        # Handing a database to another unit needs the right to create in the receiving unit too.
        authz.require(actor, Action.CREATE, Kind.DATABASE, owner_unit_id=values["owner_unit_id"])
    before = audit.snapshot(db, FIELDS)
    previous_status = db.status
    for name, value in values.items():
        setattr(db, name, value)
    _check(session, db)
    if new_owner:  # its datasets change hands too (and so change: updated_at moves, harvesters see it)
        session.execute(update(Dataset).where(Dataset.database_id == db.id).values(owner_unit_id=db.owner_unit_id))
    changes = audit.diff(before, audit.snapshot(db, FIELDS))
    if changes:
        audit.record(session, actor=actor, action="update", entity_type="database", entity_id=db.id, entity_label=db.name, changes=changes)
    _status_changed(session, db, previous_status)
    return db


def _status_changed(session: Session, db: Database, previous: str | None) -> None:
    """A database going into operation starts the plan's "khi CSDL đưa vào khai thác" tasks for its unit."""
    from ketnoi.governance import plan  # the plan tracker reads the catalog: imported here, not at the top

    plan.on_database_status(session, database=db, previous_status=previous)


def delete_database(session: Session, *, actor: Actor, database_id: uuid.UUID) -> None:
    db = get_database(session, actor=actor, database_id=database_id)
    authz.require(actor, Action.DELETE, Kind.DATABASE, owner_unit_id=db.owner_unit_id)
    if session.scalar(select(exists().where(Dataset.database_id == db.id))):
        raise Conflict("Không thể xoá: cơ sở dữ liệu còn bộ dữ liệu. Hãy xoá hoặc chuyển các bộ dữ liệu trước.")
    changes = audit.diff(audit.snapshot(db, FIELDS), dict.fromkeys(FIELDS))
    audit.record(session, actor=actor, action="delete", entity_type="database", entity_id=db.id, entity_label=db.name, changes=changes)
    session.delete(db)


def databases_for_choice(session: Session, *, actor: Actor) -> list[Database]:
    """Databases the actor may add datasets to (the form's choice list)."""
    query = select(Database).order_by(Database.name)
    units = authz.editable_units(actor)
    if units is not None:
        query = query.where(Database.owner_unit_id.in_(units))
    return list(session.scalars(query))


def count_by_class(session: Session, *, actor: Actor) -> dict[str, int]:
    """How many databases of each class the actor may see (the dashboard)."""
    query = select(Database.db_class, func.count()).where(visible(actor)).group_by(Database.db_class)
    return dict(session.execute(query).tuples().all())
