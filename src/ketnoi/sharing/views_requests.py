"""The page of one connection request, for the service's unit: the decision (approve with its terms,
or refuse with reasons), the art. 38 agreement's versions, and the grant with its revocation."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.models import SharingForm
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Invalid
from ketnoi.sharing import agreements, grants, registry, requests
from ketnoi.sharing.models import SharingService
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render
from ketnoi.workcal.service import last_day

router = APIRouter(include_in_schema=False)
REQUEST_STATUSES = {"submitted": "Chờ trả lời", "approved": "Đã chấp thuận", "refused": "Đã từ chối"}
AGREEMENT_STATUSES = {"proposed": "Chờ bên khai thác chấp thuận", "in_force": "Đang có hiệu lực", "superseded": "Đã được thay thế"}
OPERATIONS = {
    "records": "Lấy toàn bộ, theo trang",
    "changes": "Lấy phần thay đổi (changed_since), đăng ký nhận thông báo",
    "as_of": "Lấy dữ liệu tại một thời điểm (as_of)",
}
FREQUENCIES = {
    "realtime": "Theo thời gian thực",
    "daily": "Hằng ngày",
    "weekly": "Hằng tuần",
    "monthly": "Hằng tháng",
    "on_demand": "Khi cần",
}


def _service(db: DB, actor: Actor, service_id: uuid.UUID) -> SharingService:
    pages.require_login(actor)
    return registry.get_service(db, actor=actor, service_id=service_id).service


def _page(
    request: Request, db: DB, actor: Actor, service: SharingService, request_id: uuid.UUID, form: forms.FormState | None = None
) -> HTMLResponse:
    found = requests.connection(db, actor=actor, service=service, request_id=request_id)
    asked = found.request
    personal = sorted(grants.personal_items_of(db, service) & set(asked.data_items))
    context = {
        "service": service,
        "found": found,
        "overdue": asked.status == requests.RequestStatus.SUBMITTED and utcnow() > asked.due_at,
        "last_day": last_day(asked.due_at),
        "legal_basis": requests.LEGAL_BASIS,
        "personal": personal,
        "can_decide": authz.allowed(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=service.owner_unit_id),
        "grants": [g for g in grants.of_service(db, actor=actor, service=service) if g.request_id == asked.id],
        "needs_agreement": service.sharing_form not in (SharingForm.OPEN, SharingForm.DEFAULT_SHARED),
        "agreements": agreements.of_request(db, request_id=asked.id),
        "agreement_items": list(agreements.ITEMS.items()),
        "form": form or forms.FormState(),
        "request_statuses": REQUEST_STATUSES,
        "agreement_statuses": AGREEMENT_STATUSES,
        "frequencies": FREQUENCIES,
        "operations": OPERATIONS,
    }
    return render(request, "sharing/request.html", context, status_code=form.status if form else 200)


@router.get("/services/{service_id}/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, db: DB, actor: CurrentActor, service_id: uuid.UUID, request_id: uuid.UUID) -> HTMLResponse:
    return _page(request, db, actor, _service(db, actor, service_id), request_id)


def _optional_int(form: FormData, name: str) -> int | None:
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise Invalid("Hạn mức phải là số nguyên dương.", fields={name: "Số nguyên dương."})
    return int(text)


@router.post("/services/{service_id}/requests/{request_id}/decision", response_class=HTMLResponse)
def decide(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, service_id: uuid.UUID, request_id: uuid.UUID) -> Response:
    service = _service(db, actor, service_id)

    def answer() -> object:
        approve = form.get("decision") == "approve"
        terms = requests.Terms(
            personal_items=[str(v) for v in form.getlist("personal_items")],
            rate_per_minute=_optional_int(form, "rate_per_minute"),
            quota_per_day=_optional_int(form, "quota_per_day"),
            operations=[str(v) for v in form.getlist("operations")],
            row_filters=_row_filters(str(form.get("row_filters") or "")),
        )
        reason = str(form.get("reason") or "")
        return requests.decide(db, actor=actor, request_id=request_id, approve=approve, reason=reason, terms=terms if approve else None)

    result = forms.attempt(db, form, answer)
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, service, request_id, result)
    return pages.redirect(f"/services/{service_id}/requests/{request_id}", done="saved")


def _row_filters(text: str) -> list[list[str]]:
    """One filter per line, as in the data API's query string: `tinh_thanh=Hà Nội`, `nam__gte=2020`."""
    filters = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip() or not value.strip():
            raise Invalid(
                "Dòng {number} của điều kiện lọc phải có dạng tham_số=giá_trị.",
                fields={"row_filters": line[:100]},
                values={"number": number},
            )
        filters.append([name.strip(), value.strip()])
    return filters


def _date(form: FormData, name: str, *, required: bool) -> date | None:
    text = str(form.get(name) or "").strip()
    if not text:
        if required:
            raise Invalid("Hãy nhập ngày.", fields={name: "Bắt buộc."})
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("Ngày không hợp lệ.", fields={name: "Ngày không hợp lệ."}) from None


@router.post("/services/{service_id}/requests/{request_id}/agreement", response_class=HTMLResponse)
def propose(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, service_id: uuid.UUID, request_id: uuid.UUID) -> Response:
    service = _service(db, actor, service_id)

    def write() -> object:
        terms = {key: str(form.get(key) or "") for key in agreements.ITEMS}
        valid_from = _date(form, "valid_from", required=True)
        assert valid_from is not None
        valid_until = _date(form, "valid_until", required=False)
        return agreements.propose(db, actor=actor, request_id=request_id, terms=terms, valid_from=valid_from, valid_until=valid_until)

    result = forms.attempt(db, form, write)
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, service, request_id, result)
    return pages.redirect(f"/services/{service_id}/requests/{request_id}#agreement", done="created")


@router.post("/services/{service_id}/requests/{request_id}/grants/{grant_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, service_id: uuid.UUID, request_id: uuid.UUID, grant_id: uuid.UUID
) -> Response:
    service = _service(db, actor, service_id)
    result = forms.attempt(db, form, lambda: grants.revoke(db, actor=actor, grant_id=grant_id, reason=str(form.get("reason") or "")))
    if isinstance(result, forms.FormState):
        return _page(request, db, actor, service, request_id, result)
    return pages.redirect(f"/services/{service_id}/requests/{request_id}", done="revoked")
