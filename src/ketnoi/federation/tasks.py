"""Peers kept up to date in the background: their services and our requests' answers.

`sync_due` is periodic work (jobs.queue.PERIODIC, every minute in `ketnoi worker`): each enabled
ketnoi peer whose `next_sync_at` has come (or was never set) is claimed by moving `next_sync_at`
on by KETNOI_PEER_SYNC_MINUTES with a conditional UPDATE (a second worker does not take it again)
and handed to a `federation.sync` job, so the tick itself never waits on another node.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ketnoi.federation import access, service
from ketnoi.federation.client import PeerError
from ketnoi.federation.models import Peer, PeerKind
from ketnoi.harvest import service as harvest
from ketnoi.identity import system_actor
from ketnoi.jobs import schedule
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import job
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError
from ketnoi.settings import get_settings

SYNC_JOB = "federation.sync"


@dataclass(frozen=True)
class Synced:
    listed: int
    withdrawn: int
    changed: int  # our requests whose answer changed
    error: str | None


def sync_peer(session: Session, peer: Peer) -> Synced:
    """Refresh the listing and our requests' statuses; a failure is kept on the peer (last_error), not raised.
    A CKAN or DCAT peer's catalog is its harvest source's business: a run of it is queued."""
    try:
        if peer.harvest_source_id is not None:
            harvest.request_run(session, actor=system_actor(), source_id=peer.harvest_source_id)
            return Synced(0, 0, 0, None)
        listing = service.list_services(session, peer)
        changed = access.refresh_requests(session, peer)
    except PeerError as exc:
        peer.last_error = exc.message
        return Synced(0, 0, 0, exc.message)
    except DomainError as exc:  # a harvest run already under way, a secret this node cannot open…
        return Synced(0, 0, 0, exc.message)
    return Synced(listing.listed, listing.withdrawn, changed, None)


def summary(synced: Synced) -> str:
    if synced.error:
        return f"Lỗi: {synced.error}"
    return f"{synced.listed} dịch vụ, {synced.withdrawn} không còn công bố, {synced.changed} yêu cầu có trả lời mới."


@job(SYNC_JOB)
def sync_job(session: Session, row: Job, *, peer_id: str) -> None:
    peer = session.get(Peer, uuid.UUID(peer_id))
    if peer is None:
        return
    row.message = summary(sync_peer(session, peer))


def sync_due(session: Session, now: datetime | None = None) -> int:
    """Queue a sync of every enabled ketnoi peer that is due; how many were queued."""
    now = now or utcnow()
    every = timedelta(minutes=get_settings().peer_sync_minutes)
    claimed = 0
    for peer_id in schedule.due(session, Peer, "next_sync_at", now, Peer.kind == PeerKind.KETNOI):
        claimed += schedule.claim(Peer, peer_id, "next_sync_at", now, every=every, kind=SYNC_JOB, params={"peer_id": str(peer_id)})
    return claimed
