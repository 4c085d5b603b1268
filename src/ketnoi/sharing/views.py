"""Pages of the sharing-service registry: the catalog with what awaits publication, a service, its form."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog import codelists
from ketnoi.catalog.models import SharingForm
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Forbidden
from ketnoi.sharing import registry, requests
from ketnoi.sharing.models import ServiceMethod, ServiceStatus
from ketnoi.sharing.schemas import ServiceIn
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
STATUSES = {
    ServiceStatus.DRAFT.value: "Đang soạn",
    ServiceStatus.READY.value: "Sẵn sàng, chờ công bố",
    ServiceStatus.PUBLISHED.value: "Đã công bố",
    ServiceStatus.CHANGED.value: "Đã thay đổi, chờ công bố lại",
    ServiceStatus.RETIRED.value: "Ngừng cung cấp",
}
METHODS = {
    ServiceMethod.LIVE_CALL.value: "Gọi trực tuyến",
    ServiceMethod.SYNCHRONISATION.value: "Đồng bộ dữ liệu",
    ServiceMethod.FILE_PACKAGE.value: "Gói tệp dữ liệu",
}
SLA = {"late": "Trễ hạn công bố", "due_today": "Đến hạn công bố hôm nay", "on_time": "Trong hạn công bố"}
FORM_FIELDS = tuple(ServiceIn.model_fields)


def _labels() -> dict[str, object]:
    forms_shared = {k: v for k, v in codelists.SHARING_FORMS.items() if k != SharingForm.NOT_SHARED}
    return {"statuses": STATUSES, "methods": METHODS, "sla_labels": SLA, "sharing_forms": forms_shared}


@router.get("/services", response_class=HTMLResponse)
def service_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    context: dict[str, object] = {"services": registry.list_services(db, actor=actor), **_labels()}
    if actor.is_authenticated:  # what awaits publication, most urgent first: the IT Center's to-do list
        context["waiting"] = registry.list_services(db, actor=actor, sla="waiting")
    context["can_create"] = authz.editable_units(actor) != frozenset()
    context["can_manage_consumers"] = authz.allowed(actor, Action.VIEW, Kind.CONSUMER)
    return render(request, "sharing/list.html", context)


def _form_page(request: Request, db: DB, actor: Actor, form: forms.FormState, service_id: uuid.UUID | None) -> HTMLResponse:
    choices = registry.form_choices(db, actor=actor)
    context = {
        "form": form,
        "service_id": service_id,
        "unit_choices": [(u.id, u.name) for u in choices.units],
        "dataset_choices": [(d.id, d.name) for d in choices.datasets],
        **_labels(),
    }
    return render(request, "sharing/form.html", context, status_code=form.status)


@router.get("/services/new", response_class=HTMLResponse)
def new_service(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    pages.require_login(actor)
    if authz.editable_units(actor) == frozenset():
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")
    prefill = forms.prefill(sharing_form=SharingForm.DEFAULT_SHARED, method=ServiceMethod.LIVE_CALL)
    return _form_page(request, db, actor, prefill, None)


@router.post("/services/new", response_class=HTMLResponse)
def create_service(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, ServiceIn, form, lambda data: registry.create_service(db, actor=actor, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, None)
    return pages.redirect(f"/services/{result.service.id}", done="created")


@router.get("/services/{service_id}", response_class=HTMLResponse)
def service_detail(request: Request, db: DB, actor: CurrentActor, service_id: uuid.UUID) -> HTMLResponse:
    view = registry.get_service(db, actor=actor, service_id=service_id)
    owner = view.service.owner_unit_id
    context = {
        "view": view,
        "can_edit": view.service.status != ServiceStatus.RETIRED and authz.allowed(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=owner),
        "can_publish": authz.allowed(actor, Action.UPDATE, Kind.SERVICE),
        "connections": requests.of_service(db, actor=actor, service=view.service) if requests.can_watch(actor, view.service) else None,
        "now": utcnow(),
        **_labels(),
    }
    return render(request, "sharing/detail.html", context)


@router.get("/services/{service_id}/edit", response_class=HTMLResponse)
def edit_service(request: Request, db: DB, actor: CurrentActor, service_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    view = registry.get_service(db, actor=actor, service_id=service_id)
    authz.require(actor, Action.UPDATE, Kind.SERVICE, owner_unit_id=view.service.owner_unit_id)
    return _form_page(request, db, actor, forms.prefill(view.service, FORM_FIELDS), service_id)


@router.post("/services/{service_id}/edit", response_class=HTMLResponse)
def update_service(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, service_id: uuid.UUID) -> Response:
    result = forms.submit(db, ServiceIn, form, lambda data: registry.update_service(db, actor=actor, service_id=service_id, data=data))
    if isinstance(result, forms.FormState):
        return _form_page(request, db, actor, result, service_id)
    return pages.redirect(f"/services/{service_id}", done="saved")


@router.post("/services/{service_id}/{step}")
def lifecycle(form: forms.UserForm, db: DB, actor: CurrentActor, service_id: uuid.UUID, step: str) -> Response:
    steps = {"ready": registry.mark_ready, "publish": registry.publish, "retire": registry.retire}
    if step not in steps:
        return Response(status_code=404)
    steps[step](db, actor=actor, service_id=service_id)
    return pages.redirect(f"/services/{service_id}", done="saved")
