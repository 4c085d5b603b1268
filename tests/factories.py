"""Builders of test records through the real services (so tests exercise the same rules)."""

from __future__ import annotations

import uuid
from itertools import count

from sqlalchemy.orm import Session

from ketnoi.auth import service as auth
from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.catalog import databases, datasets
from ketnoi.catalog.models import Database
from ketnoi.catalog.schemas import DatabaseIn, DatasetIn
from ketnoi.identity import actor_for, system_actor
from ketnoi.org import service as org
from ketnoi.org.models import Organization
from ketnoi.org.schemas import OrganizationIn

PASSWORD = "mat-khau-thu-nghiem"
_seq = count(1)


def unit(session: Session, name: str | None = None, parent: Organization | None = None, **fields: object) -> Organization:
    n = next(_seq)
    data = OrganizationIn.model_validate({"name": name or f"Đơn vị {n}", "parent_id": parent.id if parent else None, **fields})
    return org.create_organization(session, actor=system_actor(), data=data)


def user(session: Session, role: str, unit_: Organization | None = None, username: str | None = None) -> User:
    return auth.create_user(
        session,
        actor=system_actor(),
        username=username or f"user{next(_seq)}",
        full_name="Nguyễn Văn A",
        password=PASSWORD,
        role=role,
        unit_id=unit_.id if unit_ else None,
        email="a@example.vn",
    )


def actor(session: Session, role: str, unit_: Organization | None = None) -> Actor:
    return actor_for(session, user(session, role, unit_))


def database(session: Session, owner: Organization, name: str | None = None, **fields: object) -> Database:
    data = DatabaseIn.model_validate(
        {"name": name or f"Cơ sở dữ liệu {next(_seq)}", "owner_unit_id": owner.id, "db_class": "ministry_shared", **fields}
    )
    return databases.create_database(session, actor=system_actor(), data=data)


def dataset(session: Session, db: Database, name: str | None = None, **fields: object) -> datasets.DatasetView:
    data = DatasetIn.model_validate({"database_id": db.id, "name": name or f"Bộ dữ liệu {next(_seq)}", **fields})
    return datasets.create_dataset(session, actor=system_actor(), data=data)


def any_id() -> uuid.UUID:
    return uuid.uuid4()
