"""Turning an authenticated account into the Actor that services receive."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor, Role
from ketnoi.org.service import unit_subtree


def actor_for(session: Session, user: User) -> Actor:
    scope = frozenset(unit_subtree(session, user.unit_id)) if user.unit_id else frozenset()
    return Actor(role=Role(user.role), user_id=user.id, label=user.username, unit_id=user.unit_id, unit_scope=scope)


def system_actor() -> Actor:
    """The platform itself (CLI commands run by the operator, demo loading, scheduled jobs)."""
    return Actor(role=Role.ADMIN, label="system")
