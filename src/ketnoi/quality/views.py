"""Web pages of data quality: a dataset's rules, runs and results; the ministry's overview by unit.

The dataset's quality page holds everything a steward does there: the score and its bars, the
latest results, the history, the rules with their forms (one per kind, in a <details> block, so
the page needs no script), "run now", the schedule, the metadata review, the YAML file. A refused
form is shown again on the same page, open, with the values typed and each field's message.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from ketnoi.authz import Actor
from ketnoi.kit.errors import Invalid
from ketnoi.kit.validation import parse
from ketnoi.org.models import Organization
from ketnoi.quality import anomalies, labels, overview, runner, score, service
from ketnoi.quality import rules as kinds
from ketnoi.quality.models import Dimension, QualityRule, Severity
from ketnoi.quality.schemas import RuleIn, ScheduleIn
from ketnoi.web import forms, pages
from ketnoi.web.deps import DB, CurrentActor
from ketnoi.web.templating import render

router = APIRouter(include_in_schema=False)
HISTORY = 20
# The parameters each kind's form sends (quality.rules reads them; lists come from multiple choices).
KIND_PARAMS: dict[str, tuple[str, ...]] = {
    "not_null": ("column",),
    "required_if": ("column", "when"),
    "type": ("column", "type"),
    "pattern": ("column", "regex"),
    "allowed": ("column", "values", "ref_resource_id", "ref_column"),
    "range": ("column", "min", "max"),
    "length": ("column", "min", "max"),
    "unique": ("columns",),
    "expression": ("expression",),
    "foreign_key": ("column", "ref_resource_id", "ref_column"),
    "date_freshness": ("column", "max_age_days"),
    "freshness": (),
    "review": ("checked", "correct", "reviewed_on", "source"),
    "metadata": ("fields",),
}
LISTS = ("columns", "fields")
# The column types each kind's column choice offers (the others would be refused).
COLUMN_TYPES = {
    "pattern": ("string",),
    "length": ("string",),
    "range": ("integer", "number", "date", "datetime"),
    "date_freshness": ("date", "datetime"),
}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def rule_input(form: FormData) -> RuleIn:
    """The rule a kind's form sends, parsed (each refusal names its field)."""
    kind = _text(form, "kind")
    data: dict[str, Any] = {
        name: value for name in ("name", "kind", "resource_id", "dimension", "severity", "target") if (value := _text(form, name))
    }
    params: dict[str, Any] = {}
    for name in KIND_PARAMS.get(kind, ()):
        if name in LISTS:
            params[name] = [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]
        elif value := _text(form, name):
            params[name] = value
    if "ref_resource_id" in params:  # the resource's id, or its page's address pasted whole
        found = _UUID.search(params["ref_resource_id"])
        params["ref_resource_id"] = found.group(0).lower() if found else params["ref_resource_id"]
    if kind == "metadata" and not params["fields"]:
        raise Invalid("Hãy chọn ít nhất một trường siêu dữ liệu.", fields={"fields": "Hãy chọn ít nhất một trường siêu dữ liệu."})
    enabled = forms.FormState(values=forms.typed_values(form)).checked("enabled") if "enabled" in form else True  # the edit form's switch
    return parse(RuleIn, {**data, "enabled": enabled, "params": params})


def _percent(value: float) -> str:
    return f"{value * 100:g}"


def rule_values(rule: QualityRule) -> dict[str, Any]:
    """What a rule's edit form shows."""
    params = {k: ("\n".join(str(x) for x in v) if k == "values" else v) for k, v in rule.params.items() if v is not None}
    base = {"kind": rule.kind, "name": rule.name, "resource_id": str(rule.resource_id or ""), "dimension": rule.dimension}
    return {**params, **base, "severity": rule.severity, "target": _percent(rule.target), "enabled": rule.enabled}


def new_rule_values(tables: list[service.TableColumns], kind: str) -> dict[str, Any]:
    first = str(tables[0].resource.id) if len(tables) == 1 else ""
    return {"kind": kind, "resource_id": first, "severity": "major", "target": "98", "fields": list(labels.METADATA_FIELDS)}


def meter(cut: tuple[tuple[str, float], ...]) -> dict[str, float]:
    """The <meter>'s low and high marks: the floor of the lowest passing band and of the second band."""
    floors = [floor for _name, floor in cut]
    return {"meter_low": floors[-2] if len(floors) > 1 else 0.0, "meter_high": floors[1] if len(floors) > 2 else floors[0]}


def _form_context(tables: list[service.TableColumns]) -> dict[str, Any]:
    return {
        "kinds": list(kinds.KINDS.values()),
        "kind_params": KIND_PARAMS,
        "column_types": COLUMN_TYPES,
        "tables": tables,
        "table_options": [(str(t.resource.id), t.resource.name) for t in tables],
        "labels": labels,
        "dimensions": [d.value for d in Dimension],
    }


# ---- a dataset's quality -----------------------------------------------------------------------


def _quality_page(
    request: Request,
    db: DB,
    actor: Actor,
    dataset_id: uuid.UUID,
    *,
    rule_form: forms.FormState | None = None,
    yaml_form: forms.FormState | None = None,
    refused: forms.FormState | None = None,
) -> HTMLResponse:
    dataset = service.readable_dataset(db, actor=actor, dataset_id=dataset_id)
    summary = overview.summary(db, dataset.id)
    latest = service.latest(db, actor=actor, dataset_id=dataset.id)
    rules = service.list_rules(db, actor=actor, dataset_id=dataset.id)
    tables = service.tables_of(db, dataset)
    cut = overview.bands()
    ran = _ran(db, actor, request.query_params.get("ran"))
    shown_kind = str(rule_form.values.get("kind")) if rule_form else None
    context = {
        **_form_context(tables),
        "dataset": dataset,
        "owner": db.get(Organization, dataset.owner_unit_id),
        "summary": summary,
        **meter(cut),
        "band": score.band(latest[0].score, cut) if latest else None,
        "mandatory": len(Dimension),
        "run": latest[0] if latest else None,
        "results": latest[1] if latest else [],
        "rule_resource": {r.id: r.resource_id for r in rules},
        "history": service.runs(db, actor=actor, dataset_id=dataset.id, limit=HISTORY),
        "rules": rules,
        "table_names": {t.resource.id: t.resource.name for t in tables},
        "can_edit": service.can_edit(actor, dataset),
        "incidents": overview.open_incidents(db, dataset.id),
        "anomalies": anomalies.anomalies(db, actor=actor, dataset_id=dataset.id),
        "forms_by_kind": {
            k: (rule_form if k == shown_kind and rule_form else forms.FormState(values=new_rule_values(tables, k))) for k in kinds.KINDS
        },
        "shown_kind": shown_kind,
        "yaml_form": yaml_form or forms.FormState(),
        "refused": refused,
        "ran": ran,
        "ran_band": score.band(ran.score, cut) if ran else None,
        "schedules": labels.SCHEDULE_LABELS,
        "imported": request.query_params.get("imported"),
        "reviewed": request.query_params.get("reviewed") == "1",
    }
    status = next((f.status for f in (rule_form, yaml_form, refused) if f is not None), 200)
    return render(request, "quality/dataset_quality.html", context, status_code=status)


def _ran(db: DB, actor: Actor, raw: str | None) -> Any:
    """The run "run now" just made (its score goes in the notice), if the address names one."""
    run_id = pages.opt_uuid(raw, "ran")
    return service.get_run(db, actor=actor, run_id=run_id)[0] if run_id else None


@router.get("/datasets/{dataset_id}/quality", response_class=HTMLResponse)
def dataset_quality(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _quality_page(request, db, actor, dataset_id)


@router.post("/datasets/{dataset_id}/quality/rules", response_class=HTMLResponse)
def add_rule(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: service.create_rule(db, actor=actor, dataset_id=dataset_id, data=rule_input(form)))
    if isinstance(result, forms.FormState):
        result.values.setdefault("kind", _text(form, "kind"))
        return _quality_page(request, db, actor, dataset_id, rule_form=result)
    return pages.redirect(f"/datasets/{dataset_id}/quality#rules", done="created")


@router.post("/datasets/{dataset_id}/quality/run", response_class=HTMLResponse)
def run_now(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    result = forms.attempt(db, form, lambda: runner.run_dataset(db, actor=actor, dataset_id=dataset_id, trigger="manual"))
    if isinstance(result, forms.FormState):
        return _quality_page(request, db, actor, dataset_id, refused=result)
    return pages.redirect(f"/datasets/{dataset_id}/quality?ran={result.id}")


@router.post("/datasets/{dataset_id}/quality/schedule", response_class=HTMLResponse)
def set_schedule(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    result = forms.submit(
        db, ScheduleIn, form, lambda data: service.set_schedule(db, actor=actor, dataset_id=dataset_id, schedule=data.schedule)
    )
    if isinstance(result, forms.FormState):
        return _quality_page(request, db, actor, dataset_id, refused=result)
    return pages.redirect(f"/datasets/{dataset_id}/quality#settings", done="saved")


@router.post("/datasets/{dataset_id}/quality/review", response_class=HTMLResponse)
def confirm_review(form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    service.confirm_metadata_review(db, actor=actor, dataset_id=dataset_id)
    return pages.redirect(f"/datasets/{dataset_id}/quality?reviewed=1#settings")


@router.get("/datasets/{dataset_id}/quality/rules.yaml")
def download_yaml(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    pages.require_login(actor)
    text = service.export_yaml(db, actor=actor, dataset_id=dataset_id)
    dataset = service.readable_dataset(db, actor=actor, dataset_id=dataset_id)
    headers = pages.attachment(f"quy-tac-chat-luong-{dataset.slug}.yaml")
    return Response(text, media_type="text/yaml; charset=utf-8", headers=headers)


@router.post("/datasets/{dataset_id}/quality/rules.yaml", response_class=HTMLResponse)
def upload_yaml(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    upload = form.get("file")

    def replace() -> list[QualityRule]:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("Hãy chọn tệp quy tắc YAML.", fields={"file": "Hãy chọn tệp quy tắc YAML."})
        body = upload.file.read(service.MAX_YAML_BYTES + 1)  # the service refuses a larger file by this extra byte
        return service.import_yaml(db, actor=actor, dataset_id=dataset_id, text=body)

    result = forms.attempt(db, form, replace)
    if isinstance(result, forms.FormState):
        return _quality_page(request, db, actor, dataset_id, yaml_form=result)
    return pages.redirect(f"/datasets/{dataset_id}/quality?imported={len(result)}#rules")


# ---- one rule ----------------------------------------------------------------------------------


def _edit_page(request: Request, db: DB, actor: Actor, rule_id: uuid.UUID, form: forms.FormState | None = None) -> HTMLResponse:
    rule = service.get_rule(db, actor=actor, rule_id=rule_id)
    dataset = service.editable_dataset(db, actor=actor, dataset_id=rule.dataset_id)
    context = {
        **_form_context(service.tables_of(db, dataset)),
        "dataset": dataset,
        "rule": rule,
        "kind": kinds.KINDS[rule.kind],
        "form": form or forms.FormState(values=rule_values(rule)),
    }
    return render(request, "quality/dq_rule_edit.html", context, status_code=form.status if form else 200)


@router.get("/quality/rules/{rule_id}/edit", response_class=HTMLResponse)
def edit_rule(request: Request, db: DB, actor: CurrentActor, rule_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    return _edit_page(request, db, actor, rule_id)


@router.post("/quality/rules/{rule_id}/edit", response_class=HTMLResponse)
def update_rule(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, rule_id: uuid.UUID) -> Response:
    rule = service.get_rule(db, actor=actor, rule_id=rule_id)
    dataset_id, kind = rule.dataset_id, rule.kind
    result = forms.attempt(db, form, lambda: service.update_rule(db, actor=actor, rule_id=rule_id, data=rule_input(form)))
    if isinstance(result, forms.FormState):
        result.values["kind"] = kind
        return _edit_page(request, db, actor, rule_id, result)
    return pages.redirect(f"/datasets/{dataset_id}/quality#rules", done="saved")


@router.post("/quality/rules/{rule_id}/toggle", response_class=HTMLResponse)
def toggle_rule(request: Request, form: forms.UserForm, db: DB, actor: CurrentActor, rule_id: uuid.UUID) -> Response:
    rule = service.get_rule(db, actor=actor, rule_id=rule_id)
    dataset_id = rule.dataset_id
    data = RuleIn(
        name=rule.name,
        kind=rule.kind,
        resource_id=rule.resource_id,
        dimension=Dimension(rule.dimension),
        severity=Severity(rule.severity),
        target=rule.target,
        enabled=not rule.enabled,
        params=dict(rule.params),
    )
    result = forms.attempt(db, form, lambda: service.update_rule(db, actor=actor, rule_id=rule_id, data=data))
    if isinstance(result, forms.FormState):
        return _quality_page(request, db, actor, dataset_id, refused=result)
    return pages.redirect(f"/datasets/{dataset_id}/quality#rules", done="saved")


@router.post("/quality/rules/{rule_id}/delete", response_class=HTMLResponse)
def delete_rule(form: forms.UserForm, db: DB, actor: CurrentActor, rule_id: uuid.UUID) -> Response:
    dataset_id = service.get_rule(db, actor=actor, rule_id=rule_id).dataset_id
    service.delete_rule(db, actor=actor, rule_id=rule_id)
    return pages.redirect(f"/datasets/{dataset_id}/quality#rules", done="deleted")


# ---- one run, and the ministry's overview --------------------------------------------------------


@router.get("/quality/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, db: DB, actor: CurrentActor, run_id: uuid.UUID) -> HTMLResponse:
    pages.require_login(actor)
    run, results = service.get_run(db, actor=actor, run_id=run_id)
    dataset = service.readable_dataset(db, actor=actor, dataset_id=run.dataset_id)
    rules = {r.id: r for r in service.list_rules(db, actor=actor, dataset_id=dataset.id)}
    context = {
        "dataset": dataset,
        "run": run,
        "results": results,
        "rule_resource": {rule_id: rule.resource_id for rule_id, rule in rules.items()},
        **meter(overview.bands()),
        "band": score.band(run.score, overview.bands()),
        "mandatory": len(Dimension),
        "labels": labels,
        "dimensions": [d.value for d in Dimension],
    }
    return render(request, "quality/run.html", context)


@router.get("/quality", response_class=HTMLResponse)
def ministry_overview(request: Request, db: DB, actor: CurrentActor, unit_id: str | None = None) -> HTMLResponse:
    pages.require_login(actor)
    seen = overview.unit_scores(db, actor=actor, unit_id=pages.opt_uuid(unit_id, "unit_id"))
    return render(request, "quality/overview.html", {"view": seen, "mandatory": len(Dimension)})
