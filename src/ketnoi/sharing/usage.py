"""Who used what: the exchange log read by service and by consumer application (art. 45; issue 4 item 8).

For a period, each service's (or application's) requests, refusals and errors, rows shared and
latency percentiles, computed in the database from the exchange log. Staff read it: a unit's
steward sees the services of its own unit, leaders and administrators see every service. The
log's records themselves are listed the same way (a unit sees all of its services' records).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.org.models import Organization
from ketnoi.sharing.consumers import ConsumerApp
from ketnoi.sharing.evidence import ExchangeRecord
from ketnoi.sharing.models import SharingService

PERIODS = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30), "365d": timedelta(days=365)}
PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class Usage:
    key: str  # the service's code, or the application's id
    label: str  # the service's name, or the application and its agency
    requests: int
    refused: int  # 4xx: the caller's fault (no grant, over its rate, bad query)
    errors: int  # 5xx: the platform's or the provider's
    rows: int
    latency_ms: dict[int, int]  # percentile -> ms, of the answered requests


def _services_in_scope(actor: Actor) -> Select[tuple[str]] | None:
    """The codes of the services this actor may watch (None: all of them); refused to the public."""
    authz.require(actor, Action.VIEW, Kind.AUDIT)
    if actor.role is Role.STEWARD:
        return select(SharingService.code).where(SharingService.owner_unit_id.in_(actor.unit_scope))
    return None


def since_of(period: str, now: datetime | None = None) -> datetime:
    if period not in PERIODS:
        raise Invalid("Khoảng thời gian phải là một trong: {choices}.", fields={"period": period}, values={"choices": ", ".join(PERIODS)})
    return (now or utcnow()) - PERIODS[period]


def usage(session: Session, *, actor: Actor, by: str, period: str = "7d") -> list[Usage]:
    """Figures per service (`by="service"`) or per application (`by="consumer"`), busiest first."""
    if by not in ("service", "consumer"):
        raise Invalid("Nhóm theo service hoặc consumer.", fields={"by": by})
    scope = _services_in_scope(actor)
    log = ExchangeRecord
    group = log.service if by == "service" else log.consumer
    where: list[ColumnElement[bool]] = [log.at >= since_of(period)]
    if scope is not None:
        where.append(log.service.in_(scope))
    figures = select(
        group.label("key"),
        func.count().label("requests"),
        func.sum(case((log.status.between(400, 499), 1), else_=0)).label("refused"),
        func.sum(case((log.status >= 500, 1), else_=0)).label("errors"),
        func.coalesce(func.sum(log.row_count), 0).label("rows"),
    ).where(*where)
    found = session.execute(figures.group_by(group).order_by(func.count().desc(), group)).all()
    labels = _labels(session, by, [row.key for row in found])
    out = []
    for row in found:
        latency = _percentiles(session, [*where, group == row.key, log.status < 400])
        label = labels.get(row.key, row.key)
        out.append(Usage(row.key, label, row.requests, int(row.refused), int(row.errors), int(row.rows), latency))
    return out


def _percentiles(session: Session, where: list[ColumnElement[bool]]) -> dict[int, int]:
    """Nearest-rank percentiles of the latency, in SQL on both databases (SQLite has no percentile function)."""
    answered = session.scalar(select(func.count()).select_from(ExchangeRecord).where(*where)) or 0
    out = {}
    for p in PERCENTILES:
        if not answered:
            break
        rank = max(0, -(-p * answered // 100) - 1)  # ceil(p/100 * n), from 0
        ordered = select(ExchangeRecord.latency_ms).where(*where).order_by(ExchangeRecord.latency_ms).offset(rank).limit(1)
        out[p] = int(session.scalar(ordered) or 0)
    return out


def _labels(session: Session, by: str, keys: list[str]) -> dict[str, str]:
    if by == "service":
        named = session.execute(select(SharingService.code, SharingService.name).where(SharingService.code.in_(keys)))
        return {code: name for code, name in named}
    ids = []
    for key in keys:
        try:
            ids.append(uuid.UUID(key))
        except ValueError:
            continue
    apps = session.execute(select(ConsumerApp.id, ConsumerApp.name, Organization.name).join(Organization).where(ConsumerApp.id.in_(ids)))
    return {str(app_id): f"{name} ({agency})" for app_id, name, agency in apps}


def records(session: Session, *, actor: Actor, service: str | None, after: int, limit: int) -> list[ExchangeRecord]:
    """The log's records in order after `seq`, of one service or of all those the actor may watch."""
    scope = _services_in_scope(actor)
    query = select(ExchangeRecord).where(ExchangeRecord.seq > after)
    if scope is not None:
        query = query.where(ExchangeRecord.service.in_(scope))
    if service:
        query = query.where(ExchangeRecord.service == service)
    return list(session.scalars(query.order_by(ExchangeRecord.seq).limit(limit)))


def as_json(row: Usage) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "requests": row.requests,
        "refused": row.refused,
        "errors": row.errors,
        "rows": row.rows,
        "latency_ms": {f"p{p}": v for p, v in row.latency_ms.items()},
    }
