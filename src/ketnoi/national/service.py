"""The national registration as administrators see it: the target's state, the pushes, "push now".

Registering the ministry's catalogs with the national portal is the platform's own act (Plan II.3,
the IT Center), like publishing a service: only an administrator sees the pushes and starts one
(`authz.require(UPDATE, SERVICE)` with no owner unit, as registry.publish asks). The documents
themselves are public: the listing at /api/v1/national/services.json, the catalog at /catalog.ttl.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import enqueue
from ketnoi.kit import secretbox
from ketnoi.kit.errors import Invalid
from ketnoi.national import tasks
from ketnoi.national.models import NationalPush, PushStatus, PushTrigger
from ketnoi.national.push import configured_url, last_push, target_problem
from ketnoi.settings import get_settings

PUSHES_SHOWN = 30


@dataclass(frozen=True)
class TargetState:
    url: str | None  # as configured (an address, not a secret)
    problem: str | None  # why nothing can be pushed to it
    token: str | None  # MASK when a token is set, None when none: never the token itself
    token_sealed: bool


@dataclass(frozen=True)
class Status:
    target: TargetState
    pushes: list[NationalPush]  # the newest first
    last_ok: NationalPush | None


def require_admin(actor: Actor) -> None:
    authz.require(actor, Action.UPDATE, Kind.SERVICE)


def target_state() -> TargetState:
    url = configured_url()
    token = get_settings().national_push_token or None
    problem = None if url is None else target_problem(url)
    if url is not None and problem is None and token and token.startswith(secretbox.PREFIX):
        try:
            secretbox.unseal(token)
        except secretbox.SecretUnreadable as exc:
            problem = exc.message
    return TargetState(url, problem, secretbox.MASK if token else None, bool(token and token.startswith(secretbox.PREFIX)))


def status(session: Session, *, actor: Actor) -> Status:
    require_admin(actor)
    query = select(NationalPush).order_by(NationalPush.at.desc(), NationalPush.id.desc()).limit(PUSHES_SHOWN)
    return Status(target_state(), list(session.scalars(query)), last_push(session, status=PushStatus.OK))


def request_push(session: Session, *, actor: Actor, force: bool = False) -> Job:
    """Queue a push now ("đẩy ngay"): sent when the catalogs differ from what the portal has, or when forced."""
    require_admin(actor)
    state = target_state()
    if state.url is None:
        msg = "Chưa cấu hình Cổng dữ liệu quốc gia (KETNOI_NATIONAL_PUSH_URL): không có nơi để đẩy."
        raise Invalid(msg, fields={"target": "Chưa cấu hình."})
    if state.problem is not None:
        raise Invalid(state.problem, fields={"target": state.problem})
    params = {"trigger": PushTrigger.MANUAL.value, "force": force}
    return enqueue(session, kind=tasks.PUSH_JOB, params=params, actor=actor)
