"""The one place that decides who may do what. Deny by default.

`allowed(actor, action, kind, owner_unit_id=..., public=...)` answers for one record;
`visibility(actor, kind)` tells a service how to filter a list in SQL (all rows, public rows
only, or none). Services call these; routes never decide.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from ketnoi.kit.errors import Forbidden, Unauthenticated

log = logging.getLogger("ketnoi.authz")


class Role(StrEnum):
    ADMIN = "admin"
    STEWARD = "steward"
    LEADER = "leader"
    PUBLIC = "public"


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Kind(StrEnum):
    ORGANIZATION = "organization"
    FOCAL_POINT = "focal_point"
    DATABASE = "database"
    DATASET = "dataset"
    RESOURCE = "resource"
    USER = "user"
    AUDIT = "audit"
    JOB = "job"
    CONSUMER = "consumer"  # another agency's application and its credentials: the administrator's
    SERVICE = "service"  # a data sharing service, owned by a unit like its datasets
    CALENDAR = "calendar"  # the working-day calendar: everyone reads it, the administrator sets it


class Visibility(StrEnum):
    ALL = "all"
    PUBLIC = "public"
    NONE = "none"


@dataclass(frozen=True)
class Actor:
    """Who is acting. `unit_scope` is the steward's unit and all its sub-units."""

    role: Role
    user_id: uuid.UUID | None = None
    label: str = "public"
    unit_id: uuid.UUID | None = None
    unit_scope: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


PUBLIC = Actor(role=Role.PUBLIC)

# Kinds a unit steward may create, change and delete inside their own units.
_UNIT_OWNED = {Kind.FOCAL_POINT, Kind.DATABASE, Kind.DATASET, Kind.RESOURCE, Kind.SERVICE}
# Kinds the public may read, when the record itself is public.
_PUBLIC_READABLE = {Kind.ORGANIZATION, Kind.FOCAL_POINT, Kind.DATABASE, Kind.DATASET, Kind.RESOURCE, Kind.SERVICE, Kind.CALENDAR}
# Kinds staff read in full (the inventory is internal knowledge of the ministry).
_STAFF_READABLE = _PUBLIC_READABLE | {Kind.AUDIT, Kind.JOB}


def allowed(
    actor: Actor,
    action: Action,
    kind: Kind,
    *,
    owner_unit_id: uuid.UUID | None = None,
    public: bool = False,
) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if action is Action.VIEW:
        if actor.role in (Role.STEWARD, Role.LEADER):
            return kind in _STAFF_READABLE
        return kind in _PUBLIC_READABLE and public
    if actor.role is Role.STEWARD:
        in_scope = owner_unit_id is not None and owner_unit_id in actor.unit_scope
        if kind in _UNIT_OWNED:
            return in_scope
        # A steward keeps their own units' descriptions up to date but does not create or
        # delete units: the ministry's structure is the administrator's.
        return kind is Kind.ORGANIZATION and action is Action.UPDATE and in_scope
    return False


def require(
    actor: Actor,
    action: Action,
    kind: Kind,
    *,
    owner_unit_id: uuid.UUID | None = None,
    public: bool = False,
) -> None:
    """Raise unless allowed; every refusal is logged with who asked for what."""
    if allowed(actor, action, kind, owner_unit_id=owner_unit_id, public=public):
        return
    log.warning(
        "access denied: actor=%s role=%s action=%s kind=%s owner_unit=%s",
        actor.label,
        actor.role,
        action,
        kind,
        owner_unit_id,
    )
    if not actor.is_authenticated:
        raise Unauthenticated("Bạn cần đăng nhập để thực hiện thao tác này.")
    raise Forbidden("Bạn không có quyền thực hiện thao tác này.", action=str(action), kind=str(kind))


def visibility(actor: Actor, kind: Kind) -> Visibility:
    """How a list of `kind` is filtered for this actor, applied in SQL by the service."""
    if allowed(actor, Action.VIEW, kind, public=False):
        return Visibility.ALL
    if allowed(actor, Action.VIEW, kind, public=True):
        return Visibility.PUBLIC
    return Visibility.NONE


def editable_units(actor: Actor) -> frozenset[uuid.UUID] | None:
    """Units whose records the actor may change: None means all of them."""
    if actor.role is Role.ADMIN:
        return None
    if actor.role is Role.STEWARD:
        return actor.unit_scope
    return frozenset()
