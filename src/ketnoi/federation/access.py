"""Getting at a peer's services: our connection requests there, and which of our apps may call them.

A request (Decree 47 art. 35) is filled by a staff member who may offer services for a unit (a
steward, an administrator) and sent by our node, as our application at the peer, to the peer's
/x/connection-requests; the peer's answer (approved at once by policy, or later by its unit) is
read back by `refresh_requests`. Which of OUR consumer applications may call a peer's service
through our gateway is our administrator's decision (a PeerGrant); none may by default.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.audit import service as audit
from ketnoi.authz import Actor
from ketnoi.federation import client
from ketnoi.federation.client import PeerError
from ketnoi.federation.models import WITHDRAWN, Peer, PeerGrant, PeerKind, PeerRequest, PeerRequestStatus, PeerService
from ketnoi.federation.schemas import AccessIn
from ketnoi.federation.service import get_peer, may_request, require_admin, require_staff
from ketnoi.identity import system_actor
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ketnoi.sharing.consumers import get_app
from ketnoi.sharing.exchange import NoGrant


class PeerDisabled(DomainError):
    status = 503
    type = "peer_disabled"
    fault = "platform"


def peer_service(session: Session, *, actor: Actor, peer_service_id: uuid.UUID) -> tuple[Peer, PeerService]:
    require_staff(actor)
    found = session.get(PeerService, peer_service_id)
    if found is None:
        raise NotFound("Không tìm thấy dịch vụ của nút ngang hàng.")
    return session.get_one(Peer, found.peer_id), found


def _callable(peer: Peer) -> None:
    if not peer.enabled:
        raise PeerDisabled("Kết nối với nút «{peer}» đang tạm dừng.", values={"peer": peer.name})
    if peer.kind != PeerKind.KETNOI:
        raise Invalid("Danh mục CKAN hoặc DCAT chỉ cung cấp siêu dữ liệu, không có dịch vụ để kết nối.", fields={"kind": peer.kind})


def request_access(session: Session, *, actor: Actor, peer_service_id: uuid.UUID, data: AccessIn) -> PeerRequest:
    """Send our connection request to the peer and keep its id and first answer."""
    if not may_request(actor):
        raise Forbidden("Chỉ cán bộ đầu mối của đơn vị hoặc quản trị viên được gửi yêu cầu kết nối.")
    peer, service = peer_service(session, actor=actor, peer_service_id=peer_service_id)
    _callable(peer)
    if service.status == WITHDRAWN:
        raise Invalid("Nút ngang hàng không còn công bố dịch vụ này.", fields={"service": service.code})
    unknown = [name for name in data.data_items if name not in service.data_items]
    if unknown:
        message = f"Dịch vụ không có trường: {', '.join(unknown)}."
        raise Invalid(message, fields={"data_items": message})
    body = {"service": service.code, "purpose": data.purpose, "data_items": data.data_items, "frequency": data.frequency,
            "expected_records": data.expected_records}  # fmt: skip
    answer = client.as_app(peer, "POST", "/x/connection-requests", json=body)
    if answer.status in (404, 422):
        refused = {"status": answer.status, "reason": answer.reason()}
        raise Invalid("Nút ngang hàng không nhận yêu cầu (HTTP {status}).{reason}", values=refused).on_field("purpose")
    made = client.checked(answer, "gửi yêu cầu kết nối").json()
    request = PeerRequest(peer_id=peer.id, service_code=service.code, purpose=data.purpose, data_items=list(data.data_items),
                          frequency=data.frequency, expected_records=data.expected_records, submitted_by=actor.label,
                          submitted_at=utcnow(), remote_id=str(made.get("id"))[:64], checked_at=utcnow())  # fmt: skip
    _apply_answer(request, made)
    session.add(request)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="peer_request", entity_id=request.id,
                 entity_label=f"{peer.code}/{service.code}", changes={"status": [None, request.status]})  # fmt: skip
    return request


def _apply_answer(request: PeerRequest, answer: dict[str, object]) -> bool:
    """Take the peer's status, decision time and reason; whether the status changed."""
    status = str(answer.get("status") or "")
    if status not in tuple(PeerRequestStatus):
        return False
    changed = status != request.status
    request.status = status
    decided = answer.get("decided_at")
    request.decided_at = datetime.fromisoformat(decided) if isinstance(decided, str) else None
    request.reason = str(answer["reason"]) if answer.get("reason") else None
    return changed


def refresh_requests(session: Session, peer: Peer) -> int:
    """Read our requests' answers at the peer (GET /x/connection-requests); how many changed status."""
    open_ = list(session.scalars(select(PeerRequest).where(PeerRequest.peer_id == peer.id, PeerRequest.remote_id.is_not(None))))
    if not open_ or peer.kind != PeerKind.KETNOI or not peer.client_id:
        return 0
    listed = client.checked(client.as_app(peer, "GET", "/x/connection-requests", retries=client.RETRIES), "đọc các yêu cầu kết nối").json()
    items = listed.get("items") if isinstance(listed, dict) else None
    if not isinstance(items, list):
        raise PeerError("Danh sách yêu cầu kết nối của nút ngang hàng không đúng dạng.")
    by_id = {str(item.get("id")): item for item in items if isinstance(item, dict)}
    changed, now = 0, utcnow()
    for request in open_:
        found = by_id.get(request.remote_id or "")
        if found is None:
            continue
        before = request.status
        if _apply_answer(request, found):
            changed += 1
            audit.record(session, actor=system_actor(), action="update", entity_type="peer_request", entity_id=request.id,
                         entity_label=f"{peer.code}/{request.service_code}", changes={"status": [before, request.status]})  # fmt: skip
        request.checked_at = now
    return changed


def sync_requests(session: Session, *, actor: Actor, peer_id: uuid.UUID) -> int:
    require_admin(actor)
    return refresh_requests(session, get_peer(session, actor=actor, peer_id=peer_id))


# -- grants to our applications ------------------------------------------------------------------------


def grant(session: Session, *, actor: Actor, peer_service_id: uuid.UUID, app_id: uuid.UUID) -> PeerGrant:
    require_admin(actor)
    peer, service = peer_service(session, actor=actor, peer_service_id=peer_service_id)
    app = get_app(session, app_id)
    taken = select(PeerGrant.id).where(PeerGrant.peer_service_id == service.id, PeerGrant.app_id == app.id)
    if session.scalar(taken) is not None:
        raise Conflict("Ứng dụng này đã được phép gọi dịch vụ.", fields={"app_id": "Đã được phép."})
    made = PeerGrant(peer_service_id=service.id, app_id=app.id, granted_by=actor.label, granted_at=utcnow())
    session.add(made)
    session.flush()
    audit.record(session, actor=actor, action="create", entity_type="peer_grant", entity_id=made.id,
                 entity_label=f"{peer.code}/{service.code} · {app.name}", changes={"app": [None, app.name]})  # fmt: skip
    return made


def revoke(session: Session, *, actor: Actor, grant_id: uuid.UUID) -> PeerGrant:
    require_admin(actor)
    found = session.get(PeerGrant, grant_id)
    if found is None:
        raise NotFound("Không tìm thấy quyền gọi dịch vụ.")
    service = session.get_one(PeerService, found.peer_service_id)
    audit.record(session, actor=actor, action="delete", entity_type="peer_grant", entity_id=found.id,
                 entity_label=service.code, changes={"app_id": [str(found.app_id), None]})  # fmt: skip
    session.delete(found)
    return found


@dataclass(frozen=True)
class Target:
    peer: Peer
    service: PeerService


def granted_call(session: Session, *, app_id: uuid.UUID, peer_code: str, service_code: str) -> Target:
    """What the gateway forwards a call to: a listed service of an enabled peer, granted to the calling app."""
    found = session.execute(
        select(Peer, PeerService)
        .join(PeerService, PeerService.peer_id == Peer.id)
        .where(Peer.code == peer_code, PeerService.code == service_code, PeerService.status != WITHDRAWN)
    ).first()
    if found is None:
        raise NotFound(
            "Không có dịch vụ «{service_code}» của nút «{peer_code}».", values={"service_code": service_code, "peer_code": peer_code}
        )
    peer, service = found
    _callable(peer)
    allowed = select(PeerGrant.id).where(PeerGrant.peer_service_id == service.id, PeerGrant.app_id == app_id)
    if session.scalar(allowed) is None:
        raise NoGrant(
            "Ứng dụng chưa được phép gọi dịch vụ {service_code} của nút {peer_code} qua nút này.",
            values={"service_code": service_code, "peer_code": peer_code},
        )
    return Target(peer, service)
