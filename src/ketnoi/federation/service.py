"""Peer nodes: registering one with its pinned keys, changing or disabling it, reading it, and its listing.

Who may do what (deny by default):
- staff (any signed-in account) read the peers, their keys, services, our requests and grants;
- an administrator registers, changes, disables a peer, refreshes its keys or its listing: a peer
  holds our credentials at another node and decides whose signatures we trust, as the consumer
  applications and their credentials are the administrator's (authz Kind.CONSUMER).
Keys are pinned at registration: the peer's answers are verified with those keys only, and taking
its current ones ("làm mới khoá") is an explicit act, audited with the key ids before and after.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.federation import client
from ketnoi.federation.client import PeerError
from ketnoi.federation.models import WITHDRAWN, Peer, PeerGrant, PeerKind, PeerRequest, PeerService
from ketnoi.federation.schemas import PeerEdit, PeerIn
from ketnoi.harvest import service as harvest
from ketnoi.harvest.models import SourceKind
from ketnoi.harvest.schemas import SourceIn
from ketnoi.kit import secretbox
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.pagination import Page, keyset_page
from ketnoi.kit.vn import nfc
from ketnoi.sharing.consumers import ConsumerApp

FIELDS = ("code", "name", "kind", "base_url", "client_id", "enabled")
LISTED = 500  # services shown on a peer's page


def require_staff(actor: Actor) -> None:
    authz.require(actor, Action.VIEW, Kind.AUDIT)


def require_admin(actor: Actor) -> None:
    authz.require(actor, Action.UPDATE, Kind.CONSUMER)


def may_manage(actor: Actor) -> bool:
    return authz.allowed(actor, Action.UPDATE, Kind.CONSUMER)


def may_request(actor: Actor) -> bool:
    """Who may offer services for a unit (a steward, an administrator) may ask a peer for one."""
    return authz.allowed(actor, Action.CREATE, Kind.SERVICE, owner_unit_id=actor.unit_id)


def key_ids(peer: Peer) -> list[str]:
    listed = peer.keys.get("keys") if isinstance(peer.keys, dict) else None
    return [str(k.get("kid")) for k in listed or [] if isinstance(k, dict)]


@dataclass
class PeerView:
    peer: Peer
    key_ids: list[str]
    services: list[PeerService]
    requests: list[PeerRequest]
    grants: list[tuple[PeerGrant, str, str]]  # (grant, service code, app name)
    apps: list[tuple[uuid.UUID, str]]  # our applications, for the grant form
    can_manage: bool
    can_request: bool


def list_peers(session: Session, *, actor: Actor, cursor: str | None, limit: int) -> Page[Peer]:
    require_staff(actor)
    return keyset_page(session, select(Peer), [Peer.name, Peer.id], cursor=cursor, limit=limit)


def get_peer(session: Session, *, actor: Actor, peer_id: uuid.UUID) -> Peer:
    require_staff(actor)
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise NotFound("Không tìm thấy nút ngang hàng.")
    return peer


def peer_view(session: Session, *, actor: Actor, peer_id: uuid.UUID) -> PeerView:
    peer = get_peer(session, actor=actor, peer_id=peer_id)
    services = session.scalars(
        select(PeerService).where(PeerService.peer_id == peer.id).order_by(PeerService.status == WITHDRAWN, PeerService.code).limit(LISTED)
    )
    requests = session.scalars(select(PeerRequest).where(PeerRequest.peer_id == peer.id).order_by(PeerRequest.submitted_at.desc()))
    grants = session.execute(
        select(PeerGrant, PeerService.code, ConsumerApp.name)
        .join(PeerService, PeerService.id == PeerGrant.peer_service_id)
        .join(ConsumerApp, ConsumerApp.id == PeerGrant.app_id)
        .where(PeerService.peer_id == peer.id)
        .order_by(PeerService.code, ConsumerApp.name)
    ).tuples()
    manage = may_manage(actor)
    apps = list(session.execute(select(ConsumerApp.id, ConsumerApp.name).order_by(ConsumerApp.name).limit(2000)).tuples()) if manage else []
    return PeerView(peer, key_ids(peer), list(services), list(requests), list(grants), apps, manage, may_request(actor))


def _record(session: Session, actor: Actor, action: str, peer: Peer, changes: dict[str, Any]) -> None:
    audit.record(session, actor=actor, action=action, entity_type="peer", entity_id=peer.id, entity_label=peer.name, changes=changes)


def _pinned(base_url: str) -> dict[str, Any]:
    try:
        return client.fetch_jwks(base_url)
    except PeerError as exc:
        raise Invalid("Không lấy được khoá công khai của nút: {error}", values={"error": exc.message}).on_field("base_url") from None


def register_peer(session: Session, *, actor: Actor, data: PeerIn) -> Peer:
    """Register a peer; a ketnoi node's keys are fetched and pinned now (the page shows their ids to
    compare with the peer's administrator), a CKAN or DCAT catalog becomes a harvest source."""
    require_admin(actor)
    if session.scalar(select(Peer.id).where(Peer.code == data.code)) is not None:
        raise Conflict("Mã nút «{code}» đã được dùng.", fields={"code": "Đã được dùng."}, values={"code": data.code})
    peer = Peer(id=uuid.uuid4(), code=data.code, name=data.name, kind=data.kind, base_url=client.base(data.base_url), enabled=data.enabled)
    peer.created_by_id = actor.user_id
    if data.kind == PeerKind.KETNOI:
        peer.keys, peer.keys_fetched_at = _pinned(data.base_url), utcnow()
        peer.client_id = data.client_id
        peer.client_secret = secretbox.seal(data.client_secret) if data.client_secret else None
    else:
        if data.database_id is None:
            raise Invalid("Chọn cơ sở dữ liệu nhận các bộ dữ liệu của danh mục.", fields={"database_id": "Bắt buộc với CKAN hoặc DCAT."})
        source = SourceIn(name=data.name, url=data.base_url, kind=SourceKind(data.kind), database_id=data.database_id, enabled=data.enabled)
        peer.harvest_source_id = harvest.create_source(session, actor=actor, data=source).id
    session.add(peer)
    session.flush()
    changes = audit.diff({}, audit.snapshot(peer, FIELDS)) | {"keys": [None, key_ids(peer)]}
    if peer.client_secret:
        changes["client_secret"] = [None, secretbox.MASK]
    _record(session, actor, "create", peer, changes)
    return peer


def update_peer(session: Session, *, actor: Actor, peer_id: uuid.UUID, data: PeerEdit) -> Peer:
    """Change a peer; a new address re-pins the keys found there (the change is audited with them)."""
    require_admin(actor)
    peer = get_peer(session, actor=actor, peer_id=peer_id)
    before = audit.snapshot(peer, FIELDS) | {"keys": key_ids(peer)}
    moved = client.base(data.base_url) != peer.base_url
    if moved and peer.kind == PeerKind.KETNOI:
        peer.keys, peer.keys_fetched_at = _pinned(data.base_url), utcnow()
    peer.name, peer.base_url, peer.enabled = data.name, client.base(data.base_url), data.enabled
    if peer.kind == PeerKind.KETNOI:
        peer.client_id = data.client_id
    changes = audit.diff(before, audit.snapshot(peer, FIELDS) | {"keys": key_ids(peer)})
    if data.client_secret and peer.kind == PeerKind.KETNOI:
        peer.client_secret = secretbox.seal(data.client_secret)
        changes["client_secret"] = [secretbox.MASK, secretbox.MASK + " (mới)"]
    client.forget_tokens(peer)
    if peer.harvest_source_id is not None:
        _follow_source(session, actor, peer)
    if changes:
        _record(session, actor, "update", peer, changes)
    return peer


def _follow_source(session: Session, actor: Actor, peer: Peer) -> None:
    """A catalog peer's harvest source keeps its name, address and on/off in step with the peer."""
    source = harvest.get_source(session, actor=actor, source_id=peer.harvest_source_id)  # type: ignore[arg-type]
    data = SourceIn(name=peer.name, url=peer.base_url, kind=SourceKind(source.kind), database_id=source.database_id,
                    interval_minutes=source.interval_minutes, enabled=peer.enabled)  # fmt: skip
    harvest.update_source(session, actor=actor, source_id=source.id, data=data)


def refresh_keys(session: Session, *, actor: Actor, peer_id: uuid.UUID) -> Peer:
    """Take the peer's current keys in place of the pinned ones (after checking them with its administrator)."""
    require_admin(actor)
    peer = get_peer(session, actor=actor, peer_id=peer_id)
    if peer.kind != PeerKind.KETNOI:
        raise Invalid("Chỉ nút ketnoi có khoá ký để ghim.", fields={"kind": peer.kind})
    before = key_ids(peer)
    try:
        peer.keys = client.fetch_jwks(peer.base_url)
    except PeerError as exc:
        raise Invalid(
            "Không lấy được khoá công khai của nút: {error}", fields={"keys": exc.message}, values={"error": exc.message}
        ) from None
    peer.keys_fetched_at = utcnow()
    _record(session, actor, "update", peer, {"keys": [before, key_ids(peer)]})
    return peer


@dataclass(frozen=True)
class Listing:
    listed: int
    withdrawn: int


def list_services(session: Session, peer: Peer) -> Listing:
    """Read the peer's published services and keep them (upsert by code); one gone at the peer is
    marked withdrawn, its grants kept (they stop working: the gateway calls only listed services)."""
    now = utcnow()
    try:
        listed = client.fetch_services(peer.base_url)
    except PeerError as exc:
        peer.last_error = exc.message
        raise
    known = {s.code: s for s in session.scalars(select(PeerService).where(PeerService.peer_id == peer.id))}
    seen = set()
    for item in listed:
        code = str(item["code"])[:64]
        seen.add(code)
        row = known.get(code) or PeerService(peer_id=peer.id, code=code)
        row.name = nfc(str(item.get("name") or code))[:255]
        row.owner = nfc(str(item.get("owner_name") or ""))[:255] or None
        row.description = nfc(str(item["description"])) if item.get("description") else None
        row.sharing_form, row.method = _short(item.get("sharing_form")), _short(item.get("method"))
        row.data_items = [str(name) for name in item.get("data_items") or [] if isinstance(name, str)]
        row.status, row.fields, row.listed_at = str(item.get("status") or "published")[:16], item, now
        session.add(row)
    gone = [s for code, s in known.items() if code not in seen and s.status != WITHDRAWN]
    for row in gone:
        row.status = WITHDRAWN
    peer.last_listed_at, peer.last_error = now, None
    session.flush()
    return Listing(len(listed), len(gone))


def _short(value: object) -> str | None:
    return str(value)[:32] if value else None


def sync_services(session: Session, *, actor: Actor, peer_id: uuid.UUID) -> Listing:
    """ "Làm mới danh mục": a ketnoi node's services now; a catalog's harvest run queued."""
    require_admin(actor)
    peer = get_peer(session, actor=actor, peer_id=peer_id)
    if peer.harvest_source_id is not None:
        harvest.request_run(session, actor=actor, source_id=peer.harvest_source_id)
        return Listing(0, 0)
    return list_services(session, peer)
