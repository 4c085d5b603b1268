"""The registry of sharing services: what a unit offers, its lifecycle, and the publication time limit.

Lifecycle (Decree 47 art. 25): draft → ready → published → changed → published … → retired. A
unit writes its service and marks it ready; the platform (the IT Center, an administrator)
publishes it within 1 working day of "ready", and a change to a published service at once (by the
end of that working day). `publish_due_at` holds the limit, counted on the working-day calendar
(workcal), so the dashboard lists the services late or due today with one indexed query.

Who sees what: staff see every service; the public (and, later, other agencies' applications) see
the published ones. The focal point published with a service is its unit's current one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind, Visibility
from ketnoi.catalog.datasets import get_dataset
from ketnoi.catalog.models import DataItem, Dataset, SharingForm
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.org.models import FocalPoint, Organization
from ketnoi.org.service import current_focal_points
from ketnoi.sharing.models import ServiceStatus, SharingService
from ketnoi.sharing.schemas import ServiceIn
from ketnoi.workcal.service import VN, WorkingDays, last_day

PUBLISH_WITHIN = 1  # working days from "ready" (art. 25)
CHANGE_WITHIN = 0  # a change to a published service: by the end of the same working day
FIELDS = tuple(ServiceIn.model_fields)
_JSON_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "date": "string", "datetime": "string"}
_JSON_FORMATS = {"date": "date", "datetime": "date-time"}


@dataclass(frozen=True)
class ServiceView:
    service: SharingService
    owner: Organization
    focal_point: FocalPoint | None
    sla: str | None  # late | due_today | on_time while a publication is awaited


def sla_of(service: SharingService, now: datetime) -> str | None:
    if service.publish_due_at is None or service.status not in (ServiceStatus.READY, ServiceStatus.CHANGED):
        return None
    if now > service.publish_due_at:
        return "late"
    return "due_today" if now.astimezone(VN).date() == last_day(service.publish_due_at) else "on_time"


def _visible(actor: Actor) -> ColumnElement[bool]:
    match authz.visibility(actor, Kind.SERVICE):
        case Visibility.ALL:
            return true()
        case Visibility.PUBLIC:
            return SharingService.status.in_([ServiceStatus.PUBLISHED, ServiceStatus.CHANGED])
    return SharingService.id.is_(None)


def _views(session: Session, services: Sequence[SharingService], now: datetime) -> list[ServiceView]:
    owners = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_({s.owner_unit_id for s in services})))}
    focal = current_focal_points(session, list(owners))
    return [ServiceView(s, owners[s.owner_unit_id], focal.get(s.owner_unit_id), sla_of(s, now)) for s in services]


def list_services(session: Session, *, actor: Actor, sla: str | None = None, now: datetime | None = None) -> list[ServiceView]:
    """The services this actor may see, by name. `sla="waiting"`: those awaiting publication, the
    most urgent first; `"late"` or `"due_today"`: only those awaiting it so."""
    now = now or utcnow()
    query = select(SharingService).where(_visible(actor)).order_by(SharingService.name, SharingService.id)
    if sla is not None:
        if sla not in ("waiting", "late", "due_today"):
            raise Invalid("sla phải là «waiting», «late» hoặc «due_today».", fields={"sla": sla})
        query = query.order_by(None).order_by(SharingService.publish_due_at, SharingService.id)
        waiting = SharingService.status.in_([ServiceStatus.READY, ServiceStatus.CHANGED])
        query = query.where(waiting, SharingService.publish_due_at.is_not(None))
        if sla == "late":
            query = query.where(SharingService.publish_due_at < now)
    views = _views(session, list(session.scalars(query)), now)
    return [v for v in views if sla in (None, "waiting") or v.sla == sla]


def get_service(session: Session, *, actor: Actor, service_id: uuid.UUID) -> ServiceView:
    found = session.scalar(select(SharingService).where(SharingService.id == service_id, _visible(actor)))
    if found is None:
        raise NotFound("Không tìm thấy dịch vụ chia sẻ.")
    return _views(session, [found], utcnow())[0]


def create_service(session: Session, *, actor: Actor, data: ServiceIn) -> ServiceView:
    authz.require(actor, Action.CREATE, Kind.SERVICE, owner_unit_id=data.owner_unit_id)
    service = SharingService(id=uuid.uuid4(), status=ServiceStatus.DRAFT)
    _apply(session, actor, service, data)
    session.add(service)
    session.flush()
    _record(session, actor, "create", service, audit.diff({}, audit.snapshot(service, FIELDS)))
    return get_service(session, actor=actor, service_id=service.id)


def update_service(session: Session, *, actor: Actor, service_id: uuid.UUID, data: ServiceIn) -> ServiceView:
    service = _editable(session, actor, service_id)
    if data.owner_unit_id != service.owner_unit_id:
        authz.require(actor, Action.CREATE, Kind.SERVICE, owner_unit_id=data.owner_unit_id)
    before = audit.snapshot(service, FIELDS)
    _apply(session, actor, service, data)
    changes = audit.diff(before, audit.snapshot(service, FIELDS))
    if changes and service.status in (ServiceStatus.PUBLISHED, ServiceStatus.CHANGED):
        # What agencies read is now out of date: the change is to be published by the end of the day.
        changes["status"] = [service.status, ServiceStatus.CHANGED]
        service.status = ServiceStatus.CHANGED
        service.publish_due_at = WorkingDays(session).deadline(utcnow(), CHANGE_WITHIN)
    if changes:
        _record(session, actor, "update", service, changes)
        from ketnoi.national.tasks import on_change  # the national portal lists the published services: push after the commit

        on_change(session)
    return get_service(session, actor=actor, service_id=service.id)


def mark_ready(session: Session, *, actor: Actor, service_id: uuid.UUID, now: datetime | None = None) -> ServiceView:
    """The unit declares the service complete; the publication time limit starts (`now`: when, by default now)."""
    service = _editable(session, actor, service_id)
    if service.status != ServiceStatus.DRAFT:
        raise Invalid("Chỉ dịch vụ đang soạn mới chuyển sang «sẵn sàng công bố».", fields={"status": service.status})
    if service.dataset_id is not None and not service.data_items:
        raise Invalid("Hãy chọn ít nhất một trường dữ liệu trước khi công bố.", fields={"data_items": "Bắt buộc."})
    now = now or utcnow()
    service.status, service.ready_at = ServiceStatus.READY, now
    service.publish_due_at = WorkingDays(session).deadline(now, PUBLISH_WITHIN)
    _record(session, actor, "update", service, {"status": [ServiceStatus.DRAFT, ServiceStatus.READY]})
    from ketnoi.governance import plan  # the plan tracker reads the services: imported here, not at the top

    plan.on_service_ready(session, service=service)  # Plan II.6: publish within 1 working day
    return get_service(session, actor=actor, service_id=service.id)


def publish(session: Session, *, actor: Actor, service_id: uuid.UUID) -> ServiceView:
    """The platform publishes a ready or changed service in the catalog agencies read."""
    authz.require(actor, Action.UPDATE, Kind.SERVICE)  # no owner unit: the platform's own act (administrators)
    service = _find(session, service_id)
    if service.status not in (ServiceStatus.READY, ServiceStatus.CHANGED):
        raise Invalid("Chỉ công bố được dịch vụ «sẵn sàng» hoặc «đã thay đổi».", fields={"status": service.status})
    before = service.status
    service.status, service.published_at, service.publish_due_at = ServiceStatus.PUBLISHED, utcnow(), None
    _record(session, actor, "update", service, {"status": [before, ServiceStatus.PUBLISHED]})
    from ketnoi.national.tasks import on_change  # the national portal lists the published services: push after the commit

    on_change(session)
    return get_service(session, actor=actor, service_id=service.id)


def retire(session: Session, *, actor: Actor, service_id: uuid.UUID) -> ServiceView:
    service = _editable(session, actor, service_id)
    before = service.status
    service.status, service.publish_due_at = ServiceStatus.RETIRED, None
    _record(session, actor, "update", service, {"status": [before, ServiceStatus.RETIRED]})
    from ketnoi.national.tasks import on_change  # the national portal lists the published services: push after the commit

    on_change(session)
    return get_service(session, actor=actor, service_id=service.id)


@dataclass(frozen=True)
class FormChoices:
    units: list[Organization]  # the units the actor may offer services for
    datasets: list[Dataset]  # their datasets


def form_choices(session: Session, *, actor: Actor) -> FormChoices:
    units = authz.editable_units(actor)
    unit_query = select(Organization).order_by(Organization.name)
    dataset_query = select(Dataset).order_by(Dataset.name)
    if units is not None:
        unit_query = unit_query.where(Organization.id.in_(units))
        dataset_query = dataset_query.where(Dataset.owner_unit_id.in_(units))
    return FormChoices(list(session.scalars(unit_query)), list(session.scalars(dataset_query)))


def _find(session: Session, service_id: uuid.UUID) -> SharingService:
    service = session.get(SharingService, service_id)
    if service is None:
        raise NotFound("Không tìm thấy dịch vụ chia sẻ.")
    return service


def _editable(session: Session, actor: Actor, service_id: uuid.UUID) -> SharingService:
    service = get_service(session, actor=actor, service_id=service_id).service
    authz.require(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id)
    if service.status == ServiceStatus.RETIRED:
        raise Invalid("Dịch vụ đã ngừng cung cấp: không sửa được.", fields={"status": service.status})
    return service


def _apply(session: Session, actor: Actor, service: SharingService, data: ServiceIn) -> None:
    if (data.dataset_id is None) == (data.upstream_url is None):
        msg = "Dịch vụ cung cấp dữ liệu của một bộ dữ liệu, hoặc của API của hệ thống đơn vị (địa chỉ gốc): chọn một."
        raise Invalid(msg, fields={"dataset_id": msg})
    items: list[DataItem] = []
    if data.dataset_id is not None:
        dataset = get_dataset(session, actor=actor, dataset_id=data.dataset_id)
        if dataset.owner_unit_id != data.owner_unit_id:
            raise Invalid("Bộ dữ liệu phải thuộc đơn vị chủ quản của dịch vụ.", fields={"dataset_id": str(data.dataset_id)})
        by_name = {i.name: i for i in session.scalars(select(DataItem).where(DataItem.dataset_id == dataset.id))}
        unknown = [n for n in data.data_items if n not in by_name]
        if unknown:
            raise Invalid(
                "Bộ dữ liệu không có trường: {items}.", fields={"data_items": ", ".join(unknown)}, values={"items": ", ".join(unknown)}
            )
        items = [by_name[n] for n in dict.fromkeys(data.data_items)]
        closed = [i.name for i in items if i.sharing_form == SharingForm.NOT_SHARED]
        if closed:
            raise Invalid(
                "Trường không được chia sẻ: {items}.", fields={"data_items": ", ".join(closed)}, values={"items": ", ".join(closed)}
            )
    elif data.data_items:
        raise Invalid("Chỉ dịch vụ của một bộ dữ liệu mới chọn trường dữ liệu.", fields={"data_items": ", ".join(data.data_items)})
    _check_unique(session, service, data.code)
    for name, value in data.model_dump().items():
        setattr(service, name, value)
    service.data_items = [i.name for i in items]
    service.exchange_schema = exchange_schema(items)


def exchange_schema(items: Sequence[DataItem]) -> dict[str, Any]:
    """The JSON Schema of one exchanged record: the chosen data items, typed, with their titles."""
    properties: dict[str, Any] = {}
    for item in items:
        prop: dict[str, Any] = {"type": [_JSON_TYPES.get(item.data_type, "string"), "null"], "title": item.title}
        if item.data_type in _JSON_FORMATS:
            prop["format"] = _JSON_FORMATS[item.data_type]
        if item.description:
            prop["description"] = item.description
        if item.is_personal:
            prop["x-personal-data"] = True
        properties[item.name] = prop
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": properties}


def _check_unique(session: Session, service: SharingService, code: str) -> None:
    with session.no_autoflush:  # the service may hold the new code already: ask before it is written
        taken = session.scalar(select(SharingService.id).where(SharingService.code == code, SharingService.id != service.id))
    if taken is not None:
        raise Conflict("Mã dịch vụ «{code}» đã được dùng.", fields={"code": "Đã được dùng."}, values={"code": code})


def _record(session: Session, actor: Actor, action: str, service: SharingService, changes: dict[str, Any]) -> None:
    audit.record(
        session, actor=actor, action=action, entity_type="service", entity_id=service.id, entity_label=service.name, changes=changes
    )
