"""Writing and reading the audit trail. Only `record` writes; nothing updates or deletes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit.models import AuditEvent
from ketnoi.authz import Action, Actor, Kind
from ketnoi.kit.clock import utcnow
from ketnoi.kit.pagination import Page, keyset_page


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    entity_label: str,
    changes: dict[str, Any],
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_label=entity_label[:255],
        changes=changes,
    )
    session.add(event)
    return event


def record_denial(session: Session, *, actor: Actor, what: str, path: str) -> None:
    """An access refusal, kept in its own transaction by the caller (the change was rolled back)."""
    record(
        session,
        actor=actor,
        action="denied",
        entity_type="access",
        entity_id=None,
        entity_label=path,
        changes={"request": [None, what]},
    )


def history(session: Session, *, actor: Actor, entity_type: str, entity_id: uuid.UUID, required: bool = False) -> list[AuditEvent]:
    """The changes of one record, newest first. A record's page shows them to staff and nothing to
    others; `required`: refused to those who may not read the audit trail (the API)."""
    if required:
        authz.require(actor, Action.VIEW, Kind.AUDIT)
    elif not authz.allowed(actor, Action.VIEW, Kind.AUDIT):
        return []
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(200)
    )
    return list(session.scalars(query))


def recent(session: Session, *, actor: Actor, cursor: str | None, limit: int) -> Page[AuditEvent]:
    """All events, newest first (the audit page and API)."""
    authz.require(actor, Action.VIEW, Kind.AUDIT)
    keys = [AuditEvent.at, AuditEvent.id]
    return keyset_page(session, select(AuditEvent), keys, cursor=cursor, limit=limit, descending=True)
