"""Web pages of official catalogs as versioned decisions: the staff's pages under /catalogs (building,
the workflow, the diff) and the public's under /open/catalogs (published versions and their files).

A refused form is shown again on the same page with the values typed and each field's message.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ketnoi import files
from ketnoi.authz import PUBLIC, Actor
from ketnoi.governance import decisions, decisions_report
from ketnoi.governance import decisions_build as build
from ketnoi.governance.decisions_models import (
    ApproveIn,
    CatalogKind,
    CatalogVersion,
    EntryIn,
    HeaderIn,
    NoteIn,
    ReturnIn,
    VersionIn,
    VersionStatus,
)
from ketnoi.governance.labels_decisions import FIELD_LABELS, KIND_LABELS, SNAPSHOT_LABELS, STATUS_LABELS
from ketnoi.kit.errors import NotFound
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "snapshot_labels": SNAPSHOT_LABELS, "field_labels": FIELD_LABELS}


def _page(request: Request, template: str, context: dict[str, Any], form: forms.FormState | None = None) -> HTMLResponse:
    return render(request, template, {**LABELS, **context}, status_code=form.status if form else 200)


def _url(version_id: uuid.UUID) -> str:
    return f"/catalogs/{version_id}"


# ---- the list of kinds -----------------------------------------------------------------------------


def _list_page(request: Request, db: Session, actor: Actor, form: forms.FormState | None = None) -> HTMLResponse:
    pages.require_login(actor)
    context = {
        "kinds": decisions.kinds_view(db, actor=actor),
        "versions": decisions.list_versions(db, actor=actor),
        "can_manage": decisions.is_admin(actor),
        "form": form or forms.FormState(),
    }
    return _page(request, "governance/decision_list.html", context, form)


@router.get("/catalogs", response_class=HTMLResponse)
def catalog_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    return _list_page(request, db, actor)


@router.post("/catalogs", response_class=HTMLResponse)
def catalog_new(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor) -> Response:
    result = forms.submit(db, VersionIn, form, lambda data: decisions.new_version(db, actor=actor, kind=data.kind))
    if isinstance(result, forms.FormState):
        return _list_page(request, db, actor, result)
    return pages.redirect(_url(result.id), done="built")


# ---- a version -------------------------------------------------------------------------------------


def _detail_page(request: Request, db: Session, actor: Actor, version_id: uuid.UUID, **states: forms.FormState) -> HTMLResponse:
    pages.require_login(actor)
    version = decisions.get_version(db, actor=actor, version_id=version_id)
    admin = decisions.is_admin(actor)
    status = version.status
    context = {
        "version": version,
        "entries": decisions.entries(db, version),
        "fields": build.fields_of(version.kind),
        "previous": decisions.previous_published(db, version),
        "can_edit": admin and status == VersionStatus.DRAFT,
        "can_submit": admin and status == VersionStatus.DRAFT,
        "can_return": admin and status in (VersionStatus.SUBMITTED, VersionStatus.APPROVED),
        "can_approve": admin and status == VersionStatus.SUBMITTED,
        "can_publish": admin and status == VersionStatus.APPROVED,
        "header": states.get("header") or forms.prefill(version, decisions.HEADER_FIELDS),
        "entry_form": states.get("entry_form") or forms.FormState(),
        "approve_form": states.get("approve_form") or forms.prefill(decision_date=decisions.today()),
        "return_form": states.get("return_form") or forms.FormState(),
        "refused": states.get("refused"),
    }
    shown = next((s for s in states.values() if s is not None), None)
    return _page(request, "governance/decision_detail.html", context, shown)


@router.get("/catalogs/{version_id}", response_class=HTMLResponse)
def catalog_detail(request: Request, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> HTMLResponse:
    return _detail_page(request, db, actor, version_id)


@router.post("/catalogs/{version_id}/header", response_class=HTMLResponse)
def catalog_header(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    result = forms.submit(db, HeaderIn, form, lambda data: decisions.update_header(db, actor=actor, version_id=version_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, header=result)
    return pages.redirect(_url(version_id), done="saved")


@router.post("/catalogs/{version_id}/entries", response_class=HTMLResponse)
def catalog_add_entry(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    result = forms.submit(db, EntryIn, form, lambda data: decisions.add_entry(db, actor=actor, version_id=version_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, entry_form=result)
    return pages.redirect(f"{_url(version_id)}#entries-title", done="added")


@router.post("/catalogs/{version_id}/entries/{entry_id}/note", response_class=HTMLResponse)
def catalog_note(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID, entry_id: uuid.UUID
) -> Response:
    def save(data: NoteIn) -> object:
        return decisions.set_note(db, actor=actor, version_id=version_id, entry_id=entry_id, data=data)

    result = forms.submit(db, NoteIn, form, save)
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, refused=result)
    return pages.redirect(f"{_url(version_id)}#entry-{entry_id}", done="saved")


@router.post("/catalogs/{version_id}/entries/{entry_id}/delete", response_class=HTMLResponse)
def catalog_remove_entry(
    request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID, entry_id: uuid.UUID
) -> Response:
    result = forms.attempt(db, form, lambda: decisions.remove_entry(db, actor=actor, version_id=version_id, entry_id=entry_id))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, refused=result)
    return pages.redirect(f"{_url(version_id)}#entries-title", done="removed")


@router.post("/catalogs/{version_id}/submit", response_class=HTMLResponse)
def catalog_submit(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: decisions.submit(db, actor=actor, version_id=version_id))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, refused=result)
    return pages.redirect(_url(version_id), done="submitted")


@router.post("/catalogs/{version_id}/return", response_class=HTMLResponse)
def catalog_return(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    result = forms.submit(db, ReturnIn, form, lambda data: decisions.return_to_draft(db, actor=actor, version_id=version_id, data=data))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, return_form=result)
    return pages.redirect(_url(version_id), done="returned")


@router.post("/catalogs/{version_id}/approve", response_class=HTMLResponse)
def catalog_approve(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    upload = form.get("file")
    signed = (upload.filename, upload.file) if isinstance(upload, UploadFile) and upload.filename else None

    def approve(data: ApproveIn) -> object:
        return decisions.approve(db, actor=actor, version_id=version_id, data=data, upload=signed)

    result = forms.submit(db, ApproveIn, form, approve)
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, approve_form=result)
    return pages.redirect(_url(version_id), done="approved")


@router.post("/catalogs/{version_id}/publish", response_class=HTMLResponse)
def catalog_publish(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: decisions.publish(db, actor=actor, version_id=version_id))
    if isinstance(result, forms.FormState):
        return _detail_page(request, db, actor, version_id, refused=result)
    return pages.redirect(_url(version_id), done="published")


def _diff_page(request: Request, db: Session, actor: Actor, version_id: uuid.UUID, base: str) -> HTMLResponse:
    version, previous, diff = decisions.version_diff(db, actor=actor, version_id=version_id)
    context = {"version": version, "previous": previous, "diff": diff, "fields": build.fields_of(version.kind), "base": base}
    return _page(request, "governance/decision_diff.html", context)


@router.get("/catalogs/{version_id}/diff", response_class=HTMLResponse)
def catalog_diff(request: Request, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _diff_page(request, db, actor, version_id, "/catalogs")


# ---- files ---------------------------------------------------------------------------------------------


def download(db: Session, version: CatalogVersion, fmt: str) -> Response:
    name = decisions_report.filename(version, fmt)
    disposition = pages.attachment(name)
    if fmt == "docx":
        return Response(decisions_report.to_docx(db, version), media_type=DOCX, headers=disposition)
    if fmt == "xlsx":
        return Response(decisions_report.to_xlsx(db, version), media_type=XLSX, headers=disposition)
    if fmt == "json":
        return JSONResponse(decisions_report.version_json(db, version), headers=disposition)
    raise NotFound("Không có định dạng tải về này.")


def signed_file(version: CatalogVersion) -> Response:
    if not version.signed_file_key:
        raise NotFound("Phiên bản này chưa có tệp quyết định đã ký.")
    return FileResponse(files.path_of(version.signed_file_key), media_type="application/pdf", filename=version.signed_file_name or "qd.pdf")


@router.get("/catalogs/{version_id}/catalog.{fmt}")
def catalog_download(db: DB, actor: CurrentActor, version_id: uuid.UUID, fmt: str) -> Response:
    pages.require_login(actor)
    return download(db, decisions.get_version(db, actor=actor, version_id=version_id), fmt)


@router.get("/catalogs/{version_id}/signed.pdf")
def catalog_signed(db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    pages.require_login(actor)
    return signed_file(decisions.get_version(db, actor=actor, version_id=version_id))


# ---- the public's pages: published versions only ------------------------------------------------------


@router.get("/open/catalogs", response_class=HTMLResponse)
def public_list(request: Request, db: DB, actor: CurrentActor) -> HTMLResponse:
    published = decisions.list_versions(db, actor=PUBLIC)
    by_kind = {kind: [v for v in published if v.kind == kind] for kind in CatalogKind}
    return _page(request, "governance/decision_public_list.html", {"by_kind": by_kind})


@router.get("/open/catalogs/{version_id}", response_class=HTMLResponse)
def public_detail(request: Request, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> HTMLResponse:
    version = decisions.get_version(db, actor=PUBLIC, version_id=version_id)
    context = {"version": version, "entries": decisions.entries(db, version), "fields": build.fields_of(version.kind)}
    return _page(request, "governance/decision_public_detail.html", context)


@router.get("/open/catalogs/{version_id}/diff", response_class=HTMLResponse)
def public_diff(request: Request, db: DB, actor: CurrentActor, version_id: uuid.UUID) -> HTMLResponse:
    return _diff_page(request, db, PUBLIC, version_id, "/open/catalogs")


@router.get("/open/catalogs/{version_id}/catalog.{fmt}")
def public_download(db: DB, actor: CurrentActor, version_id: uuid.UUID, fmt: str) -> Response:
    return download(db, decisions.get_version(db, actor=PUBLIC, version_id=version_id), fmt)


@router.get("/open/catalogs/{version_id}/signed.pdf")
def public_signed(db: DB, actor: CurrentActor, version_id: uuid.UUID) -> Response:
    return signed_file(decisions.get_version(db, actor=PUBLIC, version_id=version_id))
