"""Quality rules of a dataset: read by the ministry's staff, written by the dataset's unit.

Rules are kept in the database and exchanged as YAML (`rules.yaml` kept with the dataset: a
steward downloads it, edits it, uploads it back; the upload replaces every rule at once or none).
A rule that reads another dataset (a code list, a foreign key) is accepted only if its author may
read that dataset and the referenced column.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.audit import service as audit
from ketnoi.authz import Action, Actor, Kind, Role
from ketnoi.catalog.datasets import get_dataset
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.datastore import access
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import DomainError, Invalid, NotFound, Unauthenticated
from ketnoi.quality import rules as kinds
from ketnoi.quality.models import DatasetQuality, Dimension, QualityResult, QualityRule, QualityRun, Schedule, Severity
from ketnoi.quality.runner import served_table, summary_of
from ketnoi.quality.schemas import RuleIn

MAX_YAML_BYTES = 256 * 1024
MAX_RULES = 200
AUDITED = ("name", "kind", "dimension", "severity", "target", "params", "enabled", "resource_id")


@dataclass(frozen=True)
class TableColumns:
    resource: Resource
    columns: dict[str, str]  # name → Table Schema type, of the served version


def readable_dataset(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> Dataset:
    """Quality is the ministry's internal knowledge: signed-in staff who may see the dataset."""
    if actor.role is Role.PUBLIC:  # (the platform itself has no account but reads everything)
        raise Unauthenticated("Bạn cần đăng nhập để xem chất lượng dữ liệu.")
    return get_dataset(session, actor=actor, dataset_id=dataset_id)


def editable_dataset(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> Dataset:
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=dataset.owner_unit_id)
    return dataset


def can_edit(actor: Actor, dataset: Dataset) -> bool:
    return authz.allowed(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=dataset.owner_unit_id)


def tables_of(session: Session, dataset: Dataset) -> list[TableColumns]:
    """The dataset's resources loaded in the datastore, with their columns (what rules may read)."""
    out = []
    for resource in session.scalars(select(Resource).where(Resource.dataset_id == dataset.id).order_by(Resource.created_at)):
        served = served_table(session, resource.id)
        if served is not None:
            out.append(TableColumns(resource, served[1]))
    return out


def list_rules(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> list[QualityRule]:
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    return list(session.scalars(select(QualityRule).where(QualityRule.dataset_id == dataset.id).order_by(QualityRule.created_at)))


def get_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID) -> QualityRule:
    rule = session.get(QualityRule, rule_id)
    if rule is None:
        raise NotFound("Không tìm thấy quy tắc chất lượng.")
    readable_dataset(session, actor=actor, dataset_id=rule.dataset_id)
    return rule


def create_rule(session: Session, *, actor: Actor, dataset_id: uuid.UUID, data: RuleIn, origin: str = "manual") -> QualityRule:
    dataset = editable_dataset(session, actor=actor, dataset_id=dataset_id)
    rule = QualityRule(id=uuid.uuid4(), dataset_id=dataset.id, origin=origin, created_by_id=actor.user_id)
    _apply(session, actor, dataset, rule, data)
    session.add(rule)
    session.flush()
    audit.record(
        session, actor=actor, action="create", entity_type="quality_rule", entity_id=rule.id, entity_label=rule.name, changes=_state(rule)
    )
    return rule


def update_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID, data: RuleIn) -> QualityRule:
    rule = get_rule(session, actor=actor, rule_id=rule_id)
    dataset = editable_dataset(session, actor=actor, dataset_id=rule.dataset_id)
    before = _state(rule)
    _apply(session, actor, dataset, rule, data)
    session.flush()
    changes = {k: [before[k][1], v[1]] for k, v in _state(rule).items() if v[1] != before[k][1]}
    if changes:
        audit.record(
            session, actor=actor, action="update", entity_type="quality_rule", entity_id=rule.id, entity_label=rule.name, changes=changes
        )
    return rule


def delete_rule(session: Session, *, actor: Actor, rule_id: uuid.UUID) -> None:
    rule = get_rule(session, actor=actor, rule_id=rule_id)
    editable_dataset(session, actor=actor, dataset_id=rule.dataset_id)
    audit.record(session, actor=actor, action="delete", entity_type="quality_rule", entity_id=rule.id, entity_label=rule.name, changes={})
    session.delete(rule)
    session.flush()


def _state(rule: QualityRule) -> dict[str, list[Any]]:
    return {k: [None, str(v) if isinstance(v, uuid.UUID) else v] for k in AUDITED for v in [getattr(rule, k)]}


def _apply(session: Session, actor: Actor, dataset: Dataset, rule: QualityRule, data: RuleIn) -> None:
    kind = kinds.KINDS.get(data.kind)
    if kind is None:
        raise Invalid("Loại quy tắc không hợp lệ.", fields={"kind": "Loại quy tắc không hợp lệ."})
    columns: dict[str, str] = {}
    resource_id: uuid.UUID | None = None
    if kind.on_table:
        table = _table(session, dataset, data.resource_id)
        columns, resource_id = table.columns, table.resource.id
    params = kinds.normalize(data.kind, data.params, columns, lambda r, c: _readable_column(session, actor, r, c))
    rule.name = data.name or _default_name(kind, params)
    rule.kind, rule.resource_id, rule.params = data.kind, resource_id, params
    rule.dimension = data.dimension or kind.dimension
    rule.severity, rule.target, rule.enabled = data.severity, data.target, data.enabled


def _table(session: Session, dataset: Dataset, resource_id: uuid.UUID | None) -> TableColumns:
    loaded = tables_of(session, dataset)
    if not loaded:
        raise Invalid(
            "Bộ dữ liệu chưa có bảng nào trong kho dữ liệu: hãy nạp dữ liệu trước khi đặt quy tắc cho cột.",
            fields={"resource_id": "Chưa có bảng dữ liệu."},
        )
    if resource_id is None:
        if len(loaded) > 1:
            raise Invalid("Hãy chọn bảng dữ liệu.", fields={"resource_id": "Hãy chọn bảng dữ liệu."})
        return loaded[0]
    for table in loaded:
        if table.resource.id == resource_id:
            return table
    raise Invalid("Bảng dữ liệu không thuộc bộ dữ liệu này hoặc chưa được nạp.", fields={"resource_id": "Bảng dữ liệu không hợp lệ."})


def _readable_column(session: Session, actor: Actor, resource_id: str, column: str) -> str:
    """The type of a referenced column the actor may read (kinds.RefResolver)."""
    refused = "Bạn không được đọc bộ dữ liệu được tham chiếu, hoặc nó chưa có dữ liệu trong kho."
    try:
        reading = access.served(session, actor=actor, resource_id=uuid.UUID(resource_id))
    except (ValueError, DomainError):
        raise Invalid(refused, fields={"ref_resource_id": refused}) from None
    for field in reading.shown:
        if field.name == column:
            return field.type
    raise Invalid("Bảng được tham chiếu không có cột «{column}» mà bạn được xem.", values={"column": column}).on_field("ref_column")


def _default_name(kind: kinds.Kind, params: dict[str, Any]) -> str:
    target = params.get("column") or ", ".join(params.get("columns") or []) or params.get("expression") or ""
    return f"{kind.label}: {target}" if target else kind.label


# ---- schedule and metadata review --------------------------------------------------------------


def set_schedule(session: Session, *, actor: Actor, dataset_id: uuid.UUID, schedule: str) -> None:
    dataset = editable_dataset(session, actor=actor, dataset_id=dataset_id)
    if schedule not in set(Schedule):
        raise Invalid("Lịch kiểm tra không hợp lệ.", fields={"schedule": "Lịch kiểm tra không hợp lệ."})
    summary = summary_of(session, dataset.id)
    if summary.schedule != schedule:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity_type="quality_schedule",
            entity_id=dataset.id,
            entity_label=dataset.name,
            changes={"schedule": [summary.schedule, schedule]},
        )
        summary.schedule = schedule


def confirm_metadata_review(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> None:
    """The steward confirms the dataset's description is current (the metadata rule's review date)."""
    dataset = editable_dataset(session, actor=actor, dataset_id=dataset_id)
    summary = summary_of(session, dataset.id)
    summary.metadata_reviewed_at, summary.metadata_reviewed_by_id = utcnow(), actor.user_id
    audit.record(
        session, actor=actor, action="review", entity_type="dataset_metadata", entity_id=dataset.id, entity_label=dataset.name, changes={}
    )


# ---- runs and their results ----------------------------------------------------------------------


def runs(session: Session, *, actor: Actor, dataset_id: uuid.UUID, limit: int = 50) -> list[QualityRun]:
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    return list(
        session.scalars(select(QualityRun).where(QualityRun.dataset_id == dataset.id).order_by(QualityRun.started_at.desc()).limit(limit))
    )


def get_run(session: Session, *, actor: Actor, run_id: uuid.UUID) -> tuple[QualityRun, list[QualityResult]]:
    run = session.get(QualityRun, run_id)
    if run is None:
        raise NotFound("Không tìm thấy lượt kiểm tra.")
    readable_dataset(session, actor=actor, dataset_id=run.dataset_id)
    results = list(session.scalars(select(QualityResult).where(QualityResult.run_id == run.id).order_by(QualityResult.id)))
    return run, results


def latest(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> tuple[QualityRun, list[QualityResult]] | None:
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    summary = session.get(DatasetQuality, dataset.id)
    if summary is None or summary.last_run_id is None:
        return None
    return get_run(session, actor=actor, run_id=summary.last_run_id)


# ---- rules as YAML -------------------------------------------------------------------------------

_RULE_KEYS = ("name", "kind", "resource", "dimension", "severity", "target", "enabled")


def export_yaml(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> str:
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    names = {t.resource.id: t.resource.name for t in tables_of(session, dataset)}
    out = []
    for rule in list_rules(session, actor=actor, dataset_id=dataset.id):
        entry: dict[str, Any] = {"name": rule.name, "kind": rule.kind}
        if rule.resource_id is not None:
            entry["resource"] = names.get(rule.resource_id, str(rule.resource_id))
        entry |= {"dimension": rule.dimension, "severity": rule.severity, "target": rule.target}
        if not rule.enabled:
            entry["enabled"] = False
        entry |= rule.params
        out.append(entry)
    header = f"# Quy tắc chất lượng dữ liệu: {dataset.name}\n# ketnoi quality rules; tải lên lại để thay toàn bộ quy tắc.\n"
    body: str = yaml.safe_dump({"dataset": str(dataset.id), "rules": out}, allow_unicode=True, sort_keys=False, width=120)
    return header + body


def import_yaml(session: Session, *, actor: Actor, dataset_id: uuid.UUID, text: str | bytes) -> list[QualityRule]:
    """Replace every rule of the dataset by those of the file: all or nothing, each error naming its rule."""
    dataset = editable_dataset(session, actor=actor, dataset_id=dataset_id)
    entries = _parse_yaml(text)
    by_name = {t.resource.name: t.resource.id for t in tables_of(session, dataset)}
    incoming = [_rule_in(i, entry, by_name) for i, entry in enumerate(entries, start=1)]
    session.execute(delete(QualityRule).where(QualityRule.dataset_id == dataset.id))
    created = []
    for i, data in enumerate(incoming, start=1):
        try:
            created.append(create_rule(session, actor=actor, dataset_id=dataset.id, data=data, origin="yaml"))
        except Invalid as error:
            raise _at_rule(i, data.name, error) from None
    return created


def _parse_yaml(text: str | bytes) -> list[dict[str, Any]]:
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_YAML_BYTES:
        raise Invalid("Tệp quy tắc lớn quá {limit} KB.", fields={"file": "Tệp quá lớn."}, values={"limit": MAX_YAML_BYTES // 1024})
    try:
        loaded = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Invalid("Tệp quy tắc phải mã hóa UTF-8.", fields={"file": "Tệp không phải UTF-8."}) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}" if mark is not None else ""
        raise Invalid("Tệp YAML sai cú pháp{where}.", fields={"file": f"Sai cú pháp YAML{where}."}, values={"where": where}) from None
    entries = loaded.get("rules") if isinstance(loaded, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Invalid("Tệp quy tắc phải có mục «rules:» là một danh sách quy tắc.", fields={"file": "Thiếu danh sách rules."})
    if len(entries) > MAX_RULES:
        raise Invalid("Tối đa {limit} quy tắc cho một bộ dữ liệu.", fields={"file": "Quá nhiều quy tắc."}, values={"limit": MAX_RULES})
    return entries


def _rule_in(index: int, entry: dict[str, Any], resources: dict[str, uuid.UUID]) -> RuleIn:
    resource = entry.get("resource")
    resource_id = resources.get(str(resource)) if resource is not None else None
    if resource is not None and resource_id is None:
        try:
            resource_id = uuid.UUID(str(resource))
        except ValueError:
            raise _at_rule(
                index, entry.get("name"), Invalid("Không có bảng dữ liệu «{resource}».", values={"resource": resource})
            ) from None
    params = {k: v for k, v in entry.items() if k not in _RULE_KEYS}
    fields = {k: entry[k] for k in ("name", "kind", "dimension", "severity", "target", "enabled") if k in entry}
    try:
        return RuleIn.model_validate({**fields, "resource_id": resource_id, "params": params})
    except ValueError as error:
        raise _at_rule(index, entry.get("name"), Invalid(str(error).splitlines()[-1] if str(error) else "Không hợp lệ.")) from None


def _at_rule(index: int, name: Any, error: Invalid) -> Invalid:
    detail = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) if error.fields else error.message
    if name:
        return Invalid("Quy tắc {index} («{name}»): {detail}", values={"index": index, "name": name, "detail": detail}).on_field("file")
    return Invalid("Quy tắc {index}: {detail}", values={"index": index, "detail": detail}).on_field("file")


SEVERITIES = tuple(Severity)
DIMENSIONS = tuple(Dimension)
