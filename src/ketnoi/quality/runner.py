"""A quality run: every enabled rule of a dataset measured, scored and kept as history.

Table rules are measured in the datastore, table by table (quality.measure); the dataset's
timeliness, its metadata and the recorded sample reviews are read from the catalog. The run, one
result per rule, the scores and the dataset's summary row are written in the caller's
transaction. A critical rule that fails opens a quality incident (one per rule while it is open).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.datasets import get_dataset
from ketnoi.catalog.models import Dataset, Resource
from ketnoi.datastore import tables
from ketnoi.datastore.infer import field_of
from ketnoi.datastore.models import DatastoreVersion, VersionStatus
from ketnoi.kit.clock import utcnow
from ketnoi.kit.errors import Conflict
from ketnoi.org.service import current_focal_points
from ketnoi.portal.freshness import ALLOWED
from ketnoi.quality import measure
from ketnoi.quality.measure import Measured
from ketnoi.quality.models import (
    DatasetQuality,
    Incident,
    IncidentSource,
    IncidentStatus,
    Outcome,
    QualityResult,
    QualityRule,
    QualityRun,
    RunStatus,
)
from ketnoi.quality.score import RuleResult, dataset_score
from ketnoi.settings import get_settings

REVIEW_MAX_AGE = timedelta(days=365)
MIN_DESCRIPTION = 20  # characters: a description shorter than a sentence does not describe


def run_dataset(session: Session, *, actor: Actor, dataset_id: uuid.UUID, trigger: str = "manual") -> QualityRun:
    """Measure the dataset's enabled rules now (its unit's stewards, an administrator, the platform)."""
    dataset = get_dataset(session, actor=actor, dataset_id=dataset_id)
    authz.require(actor, Action.UPDATE, Kind.DATASET, owner_unit_id=dataset.owner_unit_id)
    rules = list(
        session.scalars(
            select(QualityRule).where(QualityRule.dataset_id == dataset.id, QualityRule.enabled.is_(True)).order_by(QualityRule.created_at)
        )
    )
    if not rules:
        raise Conflict("Bộ dữ liệu chưa có quy tắc chất lượng nào đang bật.")
    run = QualityRun(id=uuid.uuid4(), dataset_id=dataset.id, trigger=trigger, started_by_id=actor.user_id, started_at=utcnow())
    session.add(run)
    session.flush()  # the run's row before its results' (no relationship orders them; rules read from the catalog alone run no query)
    measured, rows = _measure(session, dataset, rules)
    results = [_result(run, rule, measured[rule.id]) for rule in rules]
    session.add_all(results)
    scored = dataset_score(
        RuleResult(r.dimension, r.severity, r.target, r.evaluated, r.failed, r.outcome in (Outcome.PASSED, Outcome.FAILED)) for r in results
    )
    run.row_count = rows
    run.score, run.capped, run.dimension_scores, run.covered = scored.score, scored.capped, scored.dimensions, scored.covered
    run.status = RunStatus.DONE
    run.finished_at = utcnow()
    summary = summary_of(session, dataset.id)
    summary.last_run_id, summary.last_run_at, summary.score, summary.covered = run.id, run.finished_at, run.score, len(run.covered)
    _open_incidents(session, dataset, rules, results)
    session.flush()
    return run


def summary_of(session: Session, dataset_id: uuid.UUID) -> DatasetQuality:
    summary = session.get(DatasetQuality, dataset_id)
    if summary is None:
        summary = DatasetQuality(dataset_id=dataset_id)
        session.add(summary)
    return summary


def _measure(session: Session, dataset: Dataset, rules: list[QualityRule]) -> tuple[dict[uuid.UUID, Measured], int | None]:
    out: dict[uuid.UUID, Measured] = {}
    by_table: dict[uuid.UUID, list[QualityRule]] = defaultdict(list)
    for rule in rules:
        if rule.resource_id is not None:
            by_table[rule.resource_id].append(rule)
        else:
            started = time.perf_counter()
            out[rule.id] = _catalog_rule(session, dataset, rule)
            out[rule.id].duration_ms = int((time.perf_counter() - started) * 1000)
    rows: int | None = None
    seconds = get_settings().quality_query_seconds
    for resource_id, table_rules in by_table.items():
        served = served_table(session, resource_id)
        if served is None:
            for rule in table_rules:
                out[rule.id] = Measured(error="Tài nguyên chưa có dữ liệu trong kho (chưa được nạp).")
            continue
        table, columns = served
        count, found = measure.measure_table(
            session, table, columns, table_rules, seconds=seconds, reference=lambda r, c: _reference(session, r, c), today=date.today()
        )
        out.update(found)
        rows = count if rows is None else rows + count
    return out, rows


def served_table(session: Session, resource_id: uuid.UUID | str) -> tuple[Table, dict[str, str]] | None:
    """The served version's table of a resource and its columns (name → type), or None if not loaded."""
    version = session.scalars(
        select(DatastoreVersion).where(
            DatastoreVersion.resource_id == uuid.UUID(str(resource_id)), DatastoreVersion.status == VersionStatus.ACTIVE
        )
    ).first()
    if version is None:
        return None
    fields = [field_of(d) for d in version.table_schema["fields"]]
    search = bool(version.table_schema.get("ketnoiSearch"))
    table = tables.table_for(session.connection(), version.table_name, fields, search=search)
    return table, {f.name: f.type for f in fields}


def _reference(session: Session, resource_id: str, column: str) -> tuple[Table, str] | None:
    served = served_table(session, resource_id)
    if served is None or column not in served[1]:
        return None
    return served[0], column


def _catalog_rule(session: Session, dataset: Dataset, rule: QualityRule) -> Measured:
    if rule.kind == "freshness":
        allowed = ALLOWED.get(dataset.update_frequency or "")
        last = last_update(session, dataset)
        if allowed is None:
            return Measured(details={"last_update": last.isoformat(), "frequency": dataset.update_frequency})
        overdue = utcnow() > last + allowed
        return Measured(evaluated=1, failed=int(overdue), details={"last_update": last.isoformat(), "due_by": (last + allowed).isoformat()})
    if rule.kind == "review":
        p = rule.params
        return Measured(evaluated=p["checked"], failed=p["checked"] - p["correct"], details={"reviewed_on": p["reviewed_on"]})
    missing = missing_metadata(session, dataset, rule.params["fields"])
    return Measured(evaluated=len(rule.params["fields"]), failed=len(missing), details={"missing": missing})


def last_update(session: Session, dataset: Dataset) -> datetime:
    """When the dataset's data last changed: its latest load, a resource's change, or the record itself."""
    loaded = session.scalar(
        select(func.max(DatastoreVersion.finished_at))
        .join(Resource, Resource.id == DatastoreVersion.resource_id)
        .where(Resource.dataset_id == dataset.id, DatastoreVersion.status == VersionStatus.ACTIVE)
    )
    changed = session.scalar(select(func.max(Resource.updated_at)).where(Resource.dataset_id == dataset.id))
    return max(t for t in (dataset.updated_at, loaded, changed) if t is not None)


def missing_metadata(session: Session, dataset: Dataset, fields: list[str]) -> list[str]:
    """The metadata fields (rules.METADATA_FIELDS) the dataset lacks."""
    missing = []
    summary = session.get(DatasetQuality, dataset.id)
    present = {
        "owner": dataset.owner_unit_id is not None,
        "focal_point": dataset.owner_unit_id in current_focal_points(session, [dataset.owner_unit_id]),
        "description": len((dataset.description or "").strip()) >= MIN_DESCRIPTION,
        "license": bool(dataset.license_id),
        "review": bool(summary and summary.metadata_reviewed_at and utcnow() - summary.metadata_reviewed_at <= REVIEW_MAX_AGE),
    }
    for name in fields:
        if not present.get(name, False):
            missing.append(name)
    return missing


def _result(run: QualityRun, rule: QualityRule, found: Measured) -> QualityResult:
    scored = RuleResult(rule.dimension, rule.severity, rule.target, found.evaluated, found.failed, found.error is None)
    if found.error is not None:
        outcome = Outcome.ERROR
    elif scored.conformance is None:
        outcome = Outcome.SKIPPED
    else:
        outcome = Outcome.PASSED if scored.passed else Outcome.FAILED
    return QualityResult(
        run_id=run.id,
        rule_id=rule.id,
        rule_name=rule.name,
        kind=rule.kind,
        dimension=rule.dimension,
        severity=rule.severity,
        target=rule.target,
        outcome=outcome,
        evaluated=found.evaluated,
        failed=found.failed,
        conformance=scored.conformance,
        score=scored.score,
        details=found.details,
        sample_ids=found.sample_ids,
        message=found.error,
        duration_ms=found.duration_ms,
    )


def _open_incidents(session: Session, dataset: Dataset, rules: list[QualityRule], results: list[QualityResult]) -> None:
    failing = {r.rule_id for r in results if r.outcome == Outcome.FAILED and r.severity == "critical"}
    if not failing:
        return
    already = set(
        session.scalars(
            select(Incident.rule_id).where(
                Incident.dataset_id == dataset.id,
                Incident.rule_id.in_(failing),
                Incident.status.in_((IncidentStatus.OPEN, IncidentStatus.INVESTIGATING)),
            )
        )
    )
    for result in results:
        if result.rule_id in failing and result.rule_id not in already:
            share = f"{(result.failed / result.evaluated):.2%}" if result.evaluated else ""
            session.add(
                Incident(
                    dataset_id=dataset.id,
                    source=IncidentSource.RULE,
                    title=f"Quy tắc nghiêm trọng không đạt: {result.rule_name}"[:255],
                    body=f"{result.failed} / {result.evaluated} ({share}) không đạt; ngưỡng {result.target:.0%}.",
                    rule_id=result.rule_id,
                )
            )
