"""Organizations (ministry units and external agencies) and their focal points."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Row, Select, and_, bindparam, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind
from ketnoi.kit.errors import Conflict, Invalid, NotFound
from ketnoi.kit.pagination import Page, keyset_page
from ketnoi.kit.search import matches, search_text
from ketnoi.kit.slug import unique_slug
from ketnoi.org.models import FocalPoint, Organization
from ketnoi.org.schemas import FocalPointIn, OrganizationIn, OrganizationPatch

ORG_FIELDS = ("name", "short_name", "kind", "parent_id", "agency_code", "email", "phone", "website", "address", "description")
FOCAL_FIELDS = ("full_name", "position", "phone", "email", "appointment_document", "started_on", "ended_on")


def _subtree_query() -> Select[tuple[uuid.UUID]]:
    tree = select(Organization.id).where(Organization.id == bindparam("unit_id")).cte("tree", recursive=True)
    tree = tree.union(select(Organization.id).where(Organization.parent_id == tree.c.id))
    return select(tree.c.id)


# Built once: every signed-in request asks for its actor's units (identity.actor_for).
_SUBTREE = _subtree_query()


def unit_subtree(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """The unit and every unit below it (recursive CTE; UNION so a cycle cannot recurse forever)."""
    return list(session.scalars(_SUBTREE, {"unit_id": unit_id}))


def list_organizations(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    kind: str | None = None,
    parent_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Organization]:
    authz.require(actor, Action.VIEW, Kind.ORGANIZATION, public=True)
    query = select(Organization).where(matches(Organization.search_text, q))
    if kind:
        query = query.where(Organization.kind == kind)
    if parent_id:
        query = query.where(Organization.parent_id == parent_id)
    return keyset_page(session, query, [Organization.name, Organization.id], cursor=cursor, limit=limit)


def all_units(session: Session) -> list[Row[tuple[uuid.UUID, str, uuid.UUID | None]]]:
    """Every organization's id, name and parent, for choice lists and names in lists.

    Plain rows, not ORM objects: every list page asks for these (a ministry has tens to hundreds),
    and building mapped instances cost more than the page's own query.
    """
    query = select(Organization.id, Organization.name, Organization.parent_id).order_by(Organization.name)
    return list(session.execute(query).all())


def get_organization(session: Session, *, actor: Actor, org_id: uuid.UUID) -> Organization:
    authz.require(actor, Action.VIEW, Kind.ORGANIZATION, public=True)
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("Không tìm thấy tổ chức.")
    return org


def _check_parent(session: Session, org_id: uuid.UUID | None, parent_id: uuid.UUID | None) -> None:
    """Called before the new parent is assigned, so the hierarchy in the database has no cycle yet."""
    if parent_id is None:
        return
    if session.get(Organization, parent_id) is None:
        raise Invalid("Dữ liệu không hợp lệ.", fields={"parent_id": "Đơn vị cấp trên không tồn tại."})
    if org_id is not None and parent_id in unit_subtree(session, org_id):
        raise Invalid("Dữ liệu không hợp lệ.", fields={"parent_id": "Đơn vị cấp trên không được là chính nó hoặc đơn vị cấp dưới."})


def _check(session: Session, org: Organization) -> None:
    if org.agency_code:
        taken = select(Organization.id).where(Organization.agency_code == org.agency_code, Organization.id != org.id)
        with session.no_autoflush:  # check the pending value before it reaches the unique index
            clash = session.scalar(taken)
        if clash:
            msg = "Mã định danh điện tử này đã được dùng cho tổ chức khác."
            raise Conflict(msg, fields={"agency_code": msg})


def _refresh_search(org: Organization) -> None:
    org.search_text = search_text(org.name, org.short_name, org.agency_code)


def _slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None


def create_organization(session: Session, *, actor: Actor, data: OrganizationIn) -> Organization:
    authz.require(actor, Action.CREATE, Kind.ORGANIZATION, owner_unit_id=data.parent_id)
    _check_parent(session, None, data.parent_id)
    org = Organization(id=uuid.uuid4(), **data.model_dump())
    org.slug = unique_slug(org.short_name or org.name, lambda slug: _slug_taken(session, slug), fallback="don-vi")
    _check(session, org)
    _refresh_search(org)
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="organization",
        entity_id=org.id,
        entity_label=org.name,
        changes=audit.diff({}, audit.snapshot(org, ORG_FIELDS)),
    )
    return org


def update_organization(session: Session, *, actor: Actor, org_id: uuid.UUID, patch: OrganizationPatch) -> Organization:
    org = get_organization(session, actor=actor, org_id=org_id)
    authz.require(actor, Action.UPDATE, Kind.ORGANIZATION, owner_unit_id=org.id)
    values = patch.model_dump(include=patch.model_fields_set)
    for required in ("name", "kind"):
        if required in values and values[required] is None:
            raise Invalid("Dữ liệu không hợp lệ.", fields={required: "Trường này là bắt buộc."})
    if "parent_id" in values and values["parent_id"] != org.parent_id:
        # Moving a unit changes whose stewards may edit it: that is the administrator's call.
        authz.require(actor, Action.CREATE, Kind.ORGANIZATION)
        _check_parent(session, org.id, values["parent_id"])
    before = audit.snapshot(org, ORG_FIELDS)
    for name, value in values.items():
        setattr(org, name, value)
    _check(session, org)
    _refresh_search(org)
    changes = audit.diff(before, audit.snapshot(org, ORG_FIELDS))
    if changes:
        audit.record(
            session, actor=actor, action="update", entity_type="organization", entity_id=org.id, entity_label=org.name, changes=changes
        )
    return org


def delete_organization(session: Session, *, actor: Actor, org_id: uuid.UUID) -> None:
    org = get_organization(session, actor=actor, org_id=org_id)
    authz.require(actor, Action.DELETE, Kind.ORGANIZATION, owner_unit_id=org.id)
    from ketnoi.auth.models import User  # users belong to units; checked here, not by a cascade

    if session.scalar(select(exists().where(Organization.parent_id == org.id))):
        raise Conflict("Không thể xoá: tổ chức còn đơn vị trực thuộc.")
    if session.scalar(select(exists().where(User.unit_id == org.id))):
        raise Conflict("Không thể xoá: tổ chức còn tài khoản người dùng.")
    if _owns_records(session, org.id):
        raise Conflict("Không thể xoá: tổ chức còn cơ sở dữ liệu hoặc bộ dữ liệu.")
    audit.record(
        session,
        actor=actor,
        action="delete",
        entity_type="organization",
        entity_id=org.id,
        entity_label=org.name,
        changes=audit.diff(audit.snapshot(org, ORG_FIELDS), dict.fromkeys(ORG_FIELDS)),
    )
    session.delete(org)


def _owns_records(session: Session, org_id: uuid.UUID) -> bool:
    # The catalog sits above org in the import order, so its tables are looked up by name.
    from sqlalchemy import column, table

    for name in ("databases", "datasets"):
        owned = table(name, column("owner_unit_id"))
        if session.scalar(select(literal(1)).select_from(owned).where(owned.c.owner_unit_id == org_id).limit(1)):
            return True
    return False


def focal_points(session: Session, *, actor: Actor, org_id: uuid.UUID) -> list[FocalPoint]:
    """Current focal point first, then the earlier appointments (the history)."""
    get_organization(session, actor=actor, org_id=org_id)
    authz.require(actor, Action.VIEW, Kind.FOCAL_POINT, public=True)
    query = (
        select(FocalPoint)
        .where(FocalPoint.organization_id == org_id)
        .order_by(FocalPoint.ended_on.is_not(None), FocalPoint.started_on.desc(), FocalPoint.id)
    )
    return list(session.scalars(query))


def current_focal_points(session: Session, org_ids: list[uuid.UUID]) -> dict[uuid.UUID, FocalPoint]:
    query = select(FocalPoint).where(FocalPoint.organization_id.in_(org_ids), FocalPoint.ended_on.is_(None))
    return {fp.organization_id: fp for fp in session.scalars(query)}


def appoint_focal_point(session: Session, *, actor: Actor, org_id: uuid.UUID, data: FocalPointIn) -> FocalPoint:
    """Appoint a new focal point; the previous one's appointment ends the day before."""
    org = get_organization(session, actor=actor, org_id=org_id)
    authz.require(actor, Action.CREATE, Kind.FOCAL_POINT, owner_unit_id=org.id)
    current = current_focal_points(session, [org.id]).get(org.id)
    if current is not None:
        if data.started_on <= current.started_on:
            msg = f"Ngày bắt đầu phải sau ngày bắt đầu của đầu mối hiện tại ({current.started_on:%d/%m/%Y})."
            raise Invalid("Dữ liệu không hợp lệ.", fields={"started_on": msg})
        before = audit.snapshot(current, FOCAL_FIELDS)
        current.ended_on = data.started_on - timedelta(days=1)
        audit.record(
            session,
            actor=actor,
            action="update",
            entity_type="focal_point",
            entity_id=current.id,
            entity_label=current.full_name,
            changes=audit.diff(before, audit.snapshot(current, FOCAL_FIELDS)),
        )
    point = FocalPoint(id=uuid.uuid4(), organization_id=org.id, **data.model_dump())
    session.add(point)
    session.flush()
    changes = audit.diff({}, audit.snapshot(point, FOCAL_FIELDS))
    audit.record(
        session, actor=actor, action="create", entity_type="focal_point", entity_id=point.id, entity_label=point.full_name, changes=changes
    )
    audit.record(
        session,
        actor=actor,
        action="appoint_focal_point",
        entity_type="organization",
        entity_id=org.id,
        entity_label=org.name,
        changes={"focal_point": [current.full_name if current else None, point.full_name]},
    )
    _announce_focal_point(session, actor, org, point)
    return point


def _announce_focal_point(session: Session, actor: Actor, org: Organization, point: FocalPoint) -> None:
    """Plan II.7: a unit's new focal point is reported to the IT Center (the administrators)
    and to the unit's own stewards, in the app and by e-mail."""
    from ketnoi.auth.models import User
    from ketnoi.notify.service import notify

    recipients = select(User.id).where(
        User.is_active.is_(True),
        or_(User.role == "admin", and_(User.role == "steward", User.unit_id == org.id)),
    )
    user_ids = [uid for uid in session.scalars(recipients) if uid != actor.user_id]
    if not user_ids:
        return
    notify(
        session,
        actor=actor,
        user_ids=user_ids,
        subject=f"{org.name} cử đầu mối mới: {point.full_name}",
        body=(
            f"Đơn vị {org.name} đã cử {point.full_name}"
            + (f" ({point.position})" if point.position else "")
            + f" làm đầu mối quản lý, chia sẻ dữ liệu từ ngày {point.started_on:%d/%m/%Y}."
            + (f" Văn bản: {point.appointment_document}." if point.appointment_document else "")
        ),
        link=f"/organizations/{org.id}",
    )


def count_organizations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Organization)) or 0
