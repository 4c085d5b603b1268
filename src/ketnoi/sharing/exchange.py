"""What the gateway gives a consumer from a service: its grant applied to the service's table.

Deny by default: a published service, an active grant of the calling application, and the
operation among the grant's. The grant's allow-list decides the columns (a column is the data
item it holds, as in the data dictionary); a personal-data item not disclosed by the grant is
masked: its values are null, it is named in `masked`, and it can be neither filtered, sorted nor
searched on (a filter would reveal it). The grant's row filters are added to the consumer's own,
which cannot lift them.

Query modes (Circular 13/2017's "toàn bộ", "thay đổi", "tại thời điểm"): the current table in
keyset pages; `as_of=T`, the table as it was served at T (every load is kept as a version);
`changed_since=T`, the rows added and removed between the version served at T and the current one
(`_change: added | removed`; a changed row is its old value removed and its new value added,
since a table has no key the platform could trust).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Select, and_, literal, or_, select, union_all
from sqlalchemy.orm import Session, load_only

from ketnoi.catalog.models import Dataset, Resource
from ketnoi.datastore import access, history, query
from ketnoi.datastore.infer import Field, field_of
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import BadRequest, Conflict, DomainError, Forbidden, NotFound
from ketnoi.sharing import agreements, grants
from ketnoi.sharing.agreements import Agreement
from ketnoi.sharing.consumers import Consumer
from ketnoi.sharing.grants import Grant, GrantStatus
from ketnoi.sharing.models import ServiceStatus, SharingService
from ketnoi.sharing.notices import Notice, NoticeKind
from ketnoi.workcal.service import VN

MODES = {"changed_since": "changes", "as_of": "as_of"}
# The columns the gateway's hot path reads (load_only): long texts and JSON it does not read stay unparsed.
_SERVICE_COLUMNS = (
    SharingService.id, SharingService.code, SharingService.status, SharingService.dataset_id, SharingService.upstream_url,
    SharingService.data_items, SharingService.sharing_form, SharingService.owner_unit_id, SharingService.rate_limit_per_minute,
)  # fmt: skip
_VERSION_COLUMNS = (
    DatastoreVersion.id, DatastoreVersion.resource_id, DatastoreVersion.version, DatastoreVersion.table_name,
    DatastoreVersion.status, DatastoreVersion.table_schema, DatastoreVersion.row_count, DatastoreVersion.finished_at,
)  # fmt: skip
UPSTREAM_TIMEOUT = 10.0  # seconds a unit's own API has to answer
UPSTREAM_MAX_BYTES = 20 << 20
RESERVED = query.RESERVED | frozenset(MODES)


class NoGrant(Forbidden):
    type = "access_denied"


class AgreementRequired(NoGrant):
    type = "agreement_required"


class Maintenance(DomainError):
    status = 503
    type = "maintenance"
    fault = "provider"


class ServiceEnded(DomainError):
    status = 410
    type = "service_terminated"
    fault = "provider"


class ProviderFault(DomainError):
    """The service cannot answer: its unit's data or set-up is at fault, not the caller."""

    status = 503
    type = "provider_unavailable"
    fault = "provider"


@dataclass(frozen=True)
class Reading:
    mode: str  # records | changes | as_of
    body: dict[str, Any]
    row_count: int


def granted(session: Session, consumer: Consumer, code: str) -> tuple[SharingService, Grant]:
    """The published service and the calling application's active grant on it (one query); refused without one."""
    now = utcnow()
    latest_grant = and_(Grant.service_id == SharingService.id, Grant.app_id == consumer.app.id, Grant.status == GrantStatus.ACTIVE)
    paused = and_(  # a maintenance window open now, or a termination passed (sharing.notices)
        Notice.service_id == SharingService.id,
        Notice.kind.in_((NoticeKind.MAINTENANCE, NoticeKind.TERMINATION)),
        Notice.starts_at <= now,
        or_(Notice.ends_at.is_(None), Notice.ends_at > now),
    )
    found = session.execute(
        select(SharingService, Grant, Notice.kind, Notice.ends_at)
        .outerjoin(Grant, latest_grant)
        .outerjoin(Notice, paused)
        .where(SharingService.code == code, SharingService.status.in_((ServiceStatus.PUBLISHED, ServiceStatus.CHANGED)))
        .order_by(Grant.granted_at.desc())
        .limit(1)
        .options(load_only(*_SERVICE_COLUMNS))  # not the texts nor the exchange schema: every call reads this
    ).first()
    if found is None:
        raise NotFound("Không có dịch vụ đã công bố mã «{code}».", values={"code": code})
    service, grant, notice, until = found
    if notice == NoticeKind.TERMINATION:
        raise ServiceEnded("Dịch vụ {code} đã ngừng cung cấp (xem /x/notices).", values={"code": code})
    if notice == NoticeKind.MAINTENANCE:
        assert until is not None
        wait = max(1, int((until - now).total_seconds()))
        raise Maintenance(
            "Dịch vụ {code} đang bảo trì theo kế hoạch đã báo, đến {until:%H:%M %d/%m/%Y}.",
            retry_after=wait,
            values={"code": code, "until": until.astimezone(VN)},
        )
    if grant is None:
        raise NoGrant(
            "Ứng dụng chưa được cấp quyền khai thác dịch vụ {code}: hãy gửi yêu cầu kết nối (/x/connection-requests).",
            values={"code": code},
        )
    if grant.agreement_required:
        agreement = session.get(Agreement, grant.agreement_id) if grant.agreement_id else None
        if agreement is None or not agreements.in_force_on(agreement, now.astimezone(VN).date()):
            message = "Dịch vụ {code} chia sẻ theo yêu cầu riêng: chưa có thỏa thuận (Điều 38) còn hiệu lực, hai bên đã chấp thuận."
            raise AgreementRequired(message, values={"code": code})
    return service, grant


def read(session: Session, *, service: SharingService, grant: Grant, params: Sequence[tuple[str, str]]) -> Reading:
    """One answer of the service to the grant's holder."""
    if service.upstream_url:
        return proxied(service, grant, params)
    options = {name: value for name, value in params if name in MODES}
    if len(options) > 1:
        raise BadRequest("Chỉ dùng một trong changed_since và as_of.", fields=dict.fromkeys(options, "Chọn một."))
    mode = MODES[next(iter(options))] if options else "records"
    if mode not in grant.operations:
        raise NoGrant("Quyền khai thác không gồm thao tác «{mode}».", values={"mode": mode})
    at = _instant(*next(iter(options.items()))) if options else None
    version, resource, dataset = current_version(session, service)
    hidden = grants.personal_items_of(session, service) - set(grant.personal_items)  # masked in every version

    def as_granted(shown: DatastoreVersion) -> Granted:
        return _as_granted(service, grant, hidden, shown, resource, dataset)

    asked = [(name, value) for name, value in params if name not in MODES]
    filters = [(name, value) for name, value in grant.row_filters]
    if mode == "changes":
        assert at is not None
        then_version = _version_at(session, resource, at)
        then = None if then_version is None else as_granted(then_version)
        return _changes(session, service, as_granted(version), then, filters, asked, at)
    if mode == "as_of":
        assert at is not None
        then_version = _version_at(session, resource, at)
        if then_version is None:
            raise NotFound("Dịch vụ chưa có dữ liệu vào thời điểm {at:%d/%m/%Y %H:%M}.", values={"at": at.astimezone(VN)})
        version = then_version
    now = as_granted(version)
    page = query.read_page(session, _selection(session, now, filters, asked), asked)
    masked = now.masked_names
    items = [row | dict.fromkeys(masked) for row in page.rows]
    body = {
        "service": service.code,
        "mode": mode,
        "version": page.version.version,
        "loaded_at": _iso(page.version.finished_at),
        "fields": [f.descriptor() for f in page.fields] + [f.descriptor() | {"masked": True} for f in now.masked],
        "masked": masked,
        "items": items,
        "next_cursor": page.next_cursor,
    }
    if at is not None:
        body["as_of"] = at.isoformat()
    if page.total is not None:
        body |= {"total": page.total, "total_exact": page.total_exact}
    return Reading(mode, body, len(items))


def proxied(service: SharingService, grant: Grant, params: Sequence[tuple[str, str]]) -> Reading:
    """A unit's own API behind the gateway: the query passed on, the JSON answer passed back (within
    the gateway's envelope). The unit's API decides its fields; the gateway authenticates, checks
    the grant and its limits, logs and signs, as for any service."""
    assert service.upstream_url is not None
    try:
        with httpx.Client(timeout=UPSTREAM_TIMEOUT, follow_redirects=False) as client:
            answer = client.get(service.upstream_url, params=list(params), headers={"x-ketnoi-grant": str(grant.id)})
    except httpx.HTTPError as exc:
        raise ProviderFault("Hệ thống của đơn vị cung cấp không trả lời ({error}).", values={"error": type(exc).__name__}) from None
    if not answer.is_success:
        raise ProviderFault("Hệ thống của đơn vị cung cấp trả lời HTTP {status}.", values={"status": answer.status_code})
    if len(answer.content) > UPSTREAM_MAX_BYTES or "json" not in answer.headers.get("content-type", ""):
        raise ProviderFault("Hệ thống của đơn vị cung cấp không trả JSON (hoặc trả quá lớn).")
    try:
        data = answer.json()
    except ValueError:
        raise ProviderFault("Hệ thống của đơn vị cung cấp trả JSON không hợp lệ.") from None
    listed = data if isinstance(data, list) else data.get("items") if isinstance(data, dict) else None
    rows = len(listed) if isinstance(listed, list) else 1
    return Reading("proxied", {"service": service.code, "mode": "proxied", "data": data}, rows)


def current_version(session: Session, service: SharingService) -> tuple[DatastoreVersion, Resource, Dataset]:
    """The served version of the service's table: the dataset's first loaded resource holding its items."""
    if service.dataset_id is None:
        raise ProviderFault(
            "Dịch vụ {code} chuyển tiếp đến hệ thống của đơn vị: không có bảng dữ liệu trong kho.", values={"code": service.code}
        )
    found = session.execute(
        select(DatastoreVersion, Resource, Dataset)
        .join(Resource, Resource.id == DatastoreVersion.resource_id)
        .join(Dataset, Dataset.id == Resource.dataset_id)
        .where(Resource.dataset_id == service.dataset_id, DatastoreVersion.status == VersionStatus.ACTIVE)
        .order_by(Resource.created_at, Resource.id)
        .options(load_only(*_VERSION_COLUMNS), load_only(Resource.id, Resource.dataset_id), load_only(Dataset.id, Dataset.name))
    ).tuples()
    for version, resource, dataset in found:
        if any(f.get("ketnoiItem") in service.data_items for f in version.table_schema["fields"]):
            return version, resource, dataset
    raise ProviderFault("Dịch vụ {code} chưa có dữ liệu trong kho: đơn vị cung cấp chưa nạp dữ liệu.", values={"code": service.code})


def version_by_id(session: Session, version_id: uuid.UUID | None) -> DatastoreVersion | None:
    return session.get(DatastoreVersion, version_id) if version_id else None


def _version_at(session: Session, resource: Resource, at: datetime) -> DatastoreVersion | None:
    """The version served at `at`: the last one made active by then."""
    served_then = (
        select(DatastoreVersion)
        .where(
            DatastoreVersion.resource_id == resource.id,
            DatastoreVersion.status.in_((VersionStatus.ACTIVE, VersionStatus.SUPERSEDED)),
            DatastoreVersion.finished_at <= at,
        )
        .order_by(DatastoreVersion.finished_at.desc())
        .limit(1)
    )
    version = session.scalar(served_then)
    if version is not None:
        history.require_built(version)  # replaced by an incremental sync a moment ago: its own table is on its way
    return version


@dataclass(frozen=True)
class Granted:
    served: access.Served
    masked: list[Field]

    @property
    def masked_names(self) -> list[str]:
        return [f.name for f in self.masked]


def _as_granted(
    service: SharingService, grant: Grant, hidden: set[str], version: DatastoreVersion, resource: Resource, dataset: Dataset
) -> Granted:
    """A version's columns as the grant sees them: its allow-list, the personal items it does not disclose (`hidden`) masked."""
    fields = [field_of(d) for d in version.table_schema["fields"]]
    allowed = set(grant.data_items) & set(service.data_items)
    shown = [f for f in fields if f.item in allowed and f.item not in hidden]
    masked = [f for f in fields if f.item in allowed and f.item in hidden]
    return Granted(access.Served(resource, dataset, version, fields, shown, editable=False), masked)


def _selection(session: Session, granted: Granted, filters: list[tuple[str, str]], asked: list[tuple[str, str]]) -> query.Selection:
    """The consumer's query (on the columns it may see) with the grant's row filters added (on any
    column of the table: the consumer cannot vary them, so they reveal nothing); a filter the table
    cannot take is the provider's fault."""
    selection = query.select_served(session, granted.served, asked, RESERVED)
    if not filters:
        return selection
    whole = replace(granted.served, shown=granted.served.fields)
    try:
        limited = query.select_served(session, whole, filters)
    except DomainError as exc:
        raise ProviderFault(
            "Điều kiện lọc dòng của quyền khai thác không áp dụng được cho bảng: {error}", values={"error": exc.message}
        ) from None
    assert limited.query.whereclause is not None and limited.table is selection.table  # one Table object per table (tables._table)
    return replace(selection, query=selection.query.where(limited.query.whereclause))


def _changes(
    session: Session,
    service: SharingService,
    now: Granted,
    then: Granted | None,
    filters: list[tuple[str, str]],
    asked: list[tuple[str, str]],
    at: datetime,
) -> Reading:
    names = [f.name for f in now.served.shown]
    options = dict(p for p in asked if p[0] in query.RESERVED)
    unsupported = sorted(set(options) - {"limit", "cursor"}) + [name for name, _ in asked if name not in query.RESERVED]
    if unsupported:
        raise BadRequest("Với changed_since chỉ dùng limit và cursor.", fields=dict.fromkeys(unsupported, "Không dùng với changed_since."))
    limit, offset = query.page_limit(options.get("limit")), _offset(options.get("cursor"))
    if then is not None and [(f.name, f.type) for f in then.served.shown] != [(f.name, f.type) for f in now.served.shown]:
        raise Conflict(
            "Cấu trúc bảng đã thay đổi từ phiên bản {version}: hãy lấy lại toàn bộ (không dùng changed_since).",
            fields={"changed_since": "Cấu trúc đã đổi."},
            values={"version": then.served.version.version},
        )
    current = _values(session, now, filters, names)
    if then is None:
        changed: Select[Any] = select(literal("added").label("_change"), *current.subquery().c)
    elif then.served.version.id == now.served.version.id:
        changed = select(literal("added").label("_change"), *current.subquery().c).where(literal(False))
    else:
        earlier = _values(session, then, filters, names)
        added, removed = current.except_(earlier).subquery(), earlier.except_(current).subquery()
        changed = (
            union_all(select(literal("added").label("_change"), *added.c), select(literal("removed").label("_change"), *removed.c))
            .subquery()
            .select()
        )
    ordered = changed.order_by(*changed.selected_columns).offset(offset).limit(limit + 1)
    rows = [{k: query.jsonable_value(v) for k, v in row._mapping.items()} for row in session.execute(ordered)]
    more = len(rows) > limit
    rows = rows[:limit]
    masked = now.masked_names
    body = {
        "service": service.code,
        "mode": "changes",
        "changed_since": at.isoformat(),
        "from_version": then.served.version.version if then else None,
        "version": now.served.version.version,
        "fields": [f.descriptor() for f in now.served.shown],
        "masked": masked,
        "items": [row | dict.fromkeys(masked) for row in rows],
        "next_cursor": _encode_offset(offset + limit) if more else None,
    }
    return Reading("changes", body, len(rows))


def _values(session: Session, granted: Granted, filters: list[tuple[str, str]], names: list[str]) -> Select[Any]:
    selection = _selection(session, granted, filters, [])
    return selection.query.with_only_columns(*(selection.table.c[name] for name in names))


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict) or not isinstance(value.get("offset"), int) or value["offset"] < 0:
        raise BadRequest("Con trỏ phân trang không hợp lệ.", fields={"cursor": "Không hợp lệ."})
    return int(value["offset"])


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _instant(name: str, text: str) -> datetime:
    """An ISO 8601 moment, in UTC as stored; without a zone it is Vietnam's time (the consumers' and the ministry's)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(
            "Thời điểm «{text}» không đúng ISO 8601 (ví dụ 2026-11-20T08:00:00+07:00).", fields={name: text}, values={"text": text}
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=VN)).astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
