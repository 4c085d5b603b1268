"""CKAN's Action API, the read half: what harvesters, the national portal and `ckanapi` call.

Each action is a function of the session and the parameters, registered by name; its docstring
is what `help_show` answers. Everything is read as the public reads it: public datasets, and in
the datastore only the columns the public may see (datastore.access). The errors are CKAN's
(ckan_api turns them into its envelope): NotFound → "Not Found Error" 404, ParameterError →
"Validation Error" 409, QueryError → "Search Query Error" 400.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi import __version__
from ketnoi.catalog import codelists as cl
from ketnoi.catalog.models import Dataset, DatasetTag, Resource, Visibility
from ketnoi.kit.errors import Invalid, NotFound
from ketnoi.org.models import Organization, OrgKind
from ketnoi.portal import ckan_datastore, published, search
from ketnoi.portal import ckan_dicts as dicts
from ketnoi.portal import ckan_params as p
from ketnoi.settings import get_settings

Params = Mapping[str, Any]
Action = Callable[[Session, Params], Any]
ACTIONS: dict[str, Action] = {}
CKAN_VERSION = "2.10.4"  # the API we answer as: the fields and behaviour of that release
MAX_ROWS = 1000
MAX_LIST = 100_000


def action(function: Action) -> Action:
    ACTIONS[function.__name__] = function
    return function


def _public() -> Any:
    return Dataset.visibility == Visibility.PUBLIC


@action
def status_show(session: Session, params: Params) -> dict[str, Any]:
    """Thông tin về cổng dữ liệu: tên, địa chỉ, phiên bản API CKAN tương thích."""
    settings = get_settings()
    return {
        "site_title": "Cổng dữ liệu mở — ketnoi",
        "site_description": "Dữ liệu mở của Bộ theo Nghị định 47/2020/NĐ-CP",
        "site_url": settings.base_url.rstrip("/"),
        "ckan_version": CKAN_VERSION,
        "ketnoi_version": __version__,
        "error_emails_to": None,
        "locale_default": "vi",
        "extensions": ["datastore", "dcat", "ketnoi"],
    }


@action
def site_read(session: Session, params: Params) -> bool:
    """Cổng có cho đọc không (luôn đúng: dữ liệu mở không cần đăng nhập)."""
    return True


@action
def package_list(session: Session, params: Params) -> list[str]:
    """Tên (slug) các bộ dữ liệu công khai, theo thứ tự tên. Tham số: limit, offset."""
    limit = p.integer(params, "limit", MAX_LIST, high=MAX_LIST)
    offset = p.integer(params, "offset", 0)
    query = select(Dataset.slug).where(_public()).order_by(Dataset.slug).offset(offset).limit(limit)
    return list(session.scalars(query))


@action
def package_show(session: Session, params: Params) -> dict[str, Any]:
    """Một bộ dữ liệu công khai, theo id (UUID) hoặc tên (slug). Tham số: id."""
    return dicts.packages(session, [published.public_dataset(session, p.required(params, "id"))])[0]


@action
def package_search(session: Session, params: Params) -> dict[str, Any]:
    """Tìm bộ dữ liệu công khai. Tham số: q (có hoặc không dấu), fq (organization:, -organization:,
    groups:, tags:, res_format:, license_id:, metadata_modified:[từ TO đến]), rows (≤ 1000), start,
    sort (metadata_modified desc, name asc, title_string asc…), facet.field, facet.limit, fl."""
    criteria = p.criteria(p.text(params, "q"), p.text(params, "fq"))
    for extra in p.string_list(params, "fq_list"):
        criteria = _merged(criteria, p.criteria(None, extra))
    facet_fields = tuple(p.string_list(params, "facet.field"))
    facet_limit = p.integer(params, "facet.limit", search.FACET_LIMIT, low=-1)
    try:
        found = search.search(
            session,
            criteria,
            start=p.integer(params, "start", 0),
            rows=p.integer(params, "rows", 10, high=MAX_ROWS),
            sort=p.text(params, "sort"),
            facet_fields=facet_fields,
            facet_limit=MAX_ROWS if facet_limit < 0 else facet_limit,
        )
    except Invalid as exc:
        name = next(iter(exc.fields), "q")
        raise p.ParameterError(name, exc.message) from exc
    results = dicts.packages(session, found.rows)
    wanted = p.string_list(params, "fl")
    if wanted and wanted != ["*"]:
        results = [{key: package.get(key) for key in wanted} for package in results]
    return {
        "count": found.count,
        "sort": found.sort,
        "results": results,
        "facets": {name: {item.name: item.count for item in items} for name, items in found.facets.items()},
        "search_facets": {
            name: {"title": name, "items": [{"name": i.name, "display_name": i.display_name, "count": i.count} for i in items]}
            for name, items in found.facets.items()
        },
    }


def _merged(first: search.Criteria, second: search.Criteria) -> search.Criteria:
    for target, source in ((first.include, second.include), (first.exclude, second.exclude)):
        for name, values in source.items():
            target.setdefault(name, []).extend(v for v in values if v not in target.get(name, []))
    first.modified_since = second.modified_since or first.modified_since
    first.modified_until = second.modified_until or first.modified_until
    return first


def _publishers(session: Session) -> Any:
    return select(Organization).where(Organization.kind == OrgKind.UNIT)


def _listed(params: Params, names: list[str], dicts_of: Callable[[], list[dict[str, Any]]]) -> list[Any]:
    offset = p.integer(params, "offset", 0)
    limit = p.integer(params, "limit", MAX_ROWS, high=MAX_ROWS)
    if p.boolean(params, "all_fields", False):
        return dicts_of()[offset : offset + limit]
    return names[offset : offset + limit]


def _sorted_by(params: Params, items: list[Any], name: Callable[[Any], str], count: Callable[[Any], int]) -> list[Any]:
    order = " ".join((p.text(params, "sort") or "name asc").split()).lower()
    if order.startswith("package_count"):
        return sorted(items, key=lambda item: (count(item), name(item)), reverse=order.endswith("desc"))
    if order.split()[0] not in ("name", "title"):
        raise p.ParameterError("sort", "Chỉ sắp xếp được theo name hoặc package_count.")
    return sorted(items, key=name, reverse=order.endswith("desc"))


@action
def organization_list(session: Session, params: Params) -> list[Any]:
    """Các đơn vị công bố dữ liệu. Tham số: all_fields, sort (name asc, package_count desc), limit, offset."""
    counts = published.public_counts(session, Dataset.owner_unit_id)
    orgs = _sorted_by(params, list(session.scalars(_publishers(session))), lambda o: o.slug, lambda o: counts.get(o.id, 0))
    return _listed(params, [o.slug for o in orgs], lambda: [dicts.organization_dict(o, counts.get(o.id, 0)) for o in orgs])


def _with_datasets(session: Session, params: Params, found: dict[str, Any], condition: Any) -> dict[str, Any]:
    if p.boolean(params, "include_datasets", False):
        limit = p.integer(params, "limit", MAX_ROWS, high=MAX_ROWS)
        rows = session.execute(select(*search.LIST_COLUMNS).where(condition, _public()).order_by(Dataset.slug).limit(limit))
        found["packages"] = dicts.packages(session, rows)
    return found


@action
def organization_show(session: Session, params: Params) -> dict[str, Any]:
    """Một đơn vị, theo id hoặc tên. Tham số: id, include_datasets."""
    org = published.publishing_unit(session, p.required(params, "id"))
    count = session.scalar(select(func.count()).select_from(Dataset).where(Dataset.owner_unit_id == org.id, _public())) or 0
    return _with_datasets(session, params, dicts.organization_dict(org, count), Dataset.owner_unit_id == org.id)


@action
def group_list(session: Session, params: Params) -> list[Any]:
    """Các nhóm (lĩnh vực) dữ liệu. Tham số: all_fields, sort, limit, offset."""
    counts = published.public_counts(session, Dataset.topic)
    topics = _sorted_by(params, list(cl.TOPICS), lambda t: t, lambda t: counts.get(t, 0))
    return _listed(params, topics, lambda: [dicts.group_dict(t, counts.get(t, 0)) for t in topics])


@action
def group_show(session: Session, params: Params) -> dict[str, Any]:
    """Một nhóm (lĩnh vực), theo tên. Tham số: id, include_datasets."""
    topic = p.required(params, "id")
    if topic not in cl.TOPICS:
        raise NotFound("Không tìm thấy nhóm.")
    count = session.scalar(select(func.count()).select_from(Dataset).where(Dataset.topic == topic, _public())) or 0
    return _with_datasets(session, params, dicts.group_dict(topic, count), Dataset.topic == topic)


@action
def tag_list(session: Session, params: Params) -> list[Any]:
    """Các từ khoá của dữ liệu công khai. Tham số: query (phần đầu của từ khoá), all_fields."""
    query = select(DatasetTag.tag).join(Dataset, Dataset.id == DatasetTag.dataset_id).where(_public()).distinct().order_by(DatasetTag.tag)
    prefix = p.text(params, "query")
    if prefix:
        query = query.where(DatasetTag.tag.startswith(prefix.strip().lower(), autoescape=True))
    tags = list(session.scalars(query))
    return [dicts.tag_dict(t) for t in tags] if p.boolean(params, "all_fields", False) else tags


@action
def license_list(session: Session, params: Params) -> list[dict[str, Any]]:
    """Các giấy phép dùng cho dữ liệu."""
    return dicts.license_dicts()


def _resource(session: Session, ref: str) -> tuple[published.PublicResource, int]:
    """A resource the public is offered (portal.published decides), and its position in its dataset."""
    try:
        resource_id = uuid.UUID(ref)
    except ValueError:
        raise NotFound("Không tìm thấy tài nguyên.") from None
    dataset_id = session.scalar(select(Resource.dataset_id).where(Resource.id == resource_id))
    ds = session.scalar(select(Dataset).where(Dataset.id == dataset_id, _public())) if dataset_id else None
    offered = published.load(session, [ds]).resources_of(ds) if ds else []
    for position, candidate in enumerate(offered):
        if candidate.resource.id == resource_id:
            return candidate, position
    raise NotFound("Không tìm thấy tài nguyên.")


@action
def resource_show(session: Session, params: Params) -> dict[str, Any]:
    """Một tài nguyên của bộ dữ liệu công khai. Tham số: id."""
    offered, position = _resource(session, p.required(params, "id"))
    return dicts.resource_dict(offered.resource, position, offered.table is not None)


@action
def resource_view_list(session: Session, params: Params) -> list[dict[str, Any]]:
    """Các cách xem một tài nguyên: bảng dữ liệu khi tài nguyên đã nạp vào kho. Tham số: id."""
    offered, _ = _resource(session, p.required(params, "id"))
    resource = offered.resource
    if offered.table is None:
        return []
    view = {
        "id": f"{resource.id}-bang",
        "resource_id": str(resource.id),
        "package_id": str(resource.dataset_id),
        "view_type": "datatables_view",
        "title": "Bảng dữ liệu",
        "description": "",
    }
    return [view]


@action
def datastore_search(session: Session, params: Params) -> dict[str, Any]:
    """Đọc các dòng của một tài nguyên trong kho dữ liệu. Tham số: resource_id (hoặc id), filters, q,
    fields, sort, limit, offset, include_total."""
    return ckan_datastore.search(session, params)


@action
def datastore_search_sql(session: Session, params: Params) -> dict[str, Any]:
    """Truy vấn SQL chỉ đọc trên các bảng mở (tắt, trừ khi KETNOI_CKAN_DATASTORE_SQL bật). Tham số: sql."""
    return ckan_datastore.search_sql(session, params)


@action
def help_show(session: Session, params: Params) -> str:
    """Hướng dẫn của một hàm API. Tham số: name."""
    name = p.required(params, "name")
    if name not in ACTIONS:
        raise NotFound("Không có hàm «{name}».", values={"name": name})
    return " ".join((ACTIONS[name].__doc__ or "").split())
