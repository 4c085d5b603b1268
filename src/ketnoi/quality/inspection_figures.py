"""The measured figures of the yearly inspection, from the quality history (QUALITY.md, "The score").

For a unit and a year (1 January to 31 December, Vietnam's time), over the datasets the unit owns
itself or through its sub-units, each dataset gives:

- its year-end score: the last finished run of the year with a score, with its coverage and
  whether a critical rule failed (the critical rules that failed in that run are named);
- its yearly score: the last run of each month averaged, "insufficient evidence" under 6 months
  (score.yearly_score);
- the incidents opened in the year and those resolved in the year;
- its weight in the unit's score, from its class (score.dataset_weight).

The unit's figures are score.unit_score over the year-end scores (with the datasets per band, the
median and the coverage), and the change on last year when last year has a score too (the same
computation on last year's runs). A report keeps these figures as a JSON snapshot
(`UnitFigures.to_json`): the page, the DOCX and the XLSX all read that one snapshot, so the numbers
are the same everywhere; the ministry's figures are added up from the units' snapshots.

Reporting units: a unit directly under the ministry reports for itself and every unit below it; a
unit at the top of the tree (the ministry, or a unit with no parent) reports for the datasets it
owns itself. So each dataset is counted in exactly one report.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.catalog.models import Database, Dataset
from ketnoi.kit.clock import utcnow
from ketnoi.kit.vn import fold
from ketnoi.org.models import Organization, OrgKind
from ketnoi.quality.models import Dimension, Incident, IncidentStatus, Outcome, QualityResult, QualityRun, RunStatus, Severity
from ketnoi.quality.score import UnitScore, dataset_weight, parse_bands, unit_score, yearly_score
from ketnoi.quality.score import band as band_of
from ketnoi.settings import get_settings
from ketnoi.workcal.service import VN

MANDATORY = len(Dimension)
Bands = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class DatasetFigures:
    id: str
    name: str
    database: str
    owner: str  # the unit that owns it (the reporting unit or one of its sub-units)
    weight: int
    score: float | None  # the year-end score: the last run of the year; None when not measured in the year
    measured_at: str | None  # when that run started (ISO, UTC)
    covered: int  # dimensions with a measured rule in that run
    capped: bool
    failed_critical: list[str]  # critical rules that failed in that run
    yearly: float | None  # None: fewer than 6 months of evidence
    months: int  # months of the year with a run
    incidents_opened: int
    incidents_resolved: int
    previous: float | None  # last year's year-end score
    band: str | None

    @property
    def coverage(self) -> str:
        return f"{self.covered}/{MANDATORY}" if self.score is not None else "—"


@dataclass(frozen=True)
class Summary:
    """score.UnitScore of a set of datasets, with last year's score and the incidents."""

    score: float | None
    measured: int
    unmeasured: int
    median: float | None
    bands: dict[str, int]
    coverage: float | None  # mean share of the mandatory dimensions covered (0-1)
    previous: float | None
    incidents_opened: int
    incidents_resolved: int
    failed_critical: int  # datasets whose year-end run failed a critical rule
    sufficient: int  # datasets with a yearly score (6 months or more)

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return round(self.score - self.previous, 1)

    @property
    def datasets(self) -> int:
        return self.measured + self.unmeasured


def summarize(datasets: Sequence[DatasetFigures], bands: Bands) -> Summary:
    now: UnitScore = unit_score([(d.weight, d.score, d.covered) for d in datasets], bands, MANDATORY)
    before = [(d.weight, d.previous, 0) for d in datasets if d.previous is not None]
    return Summary(
        score=now.score,
        measured=now.datasets,
        unmeasured=now.unmeasured,
        median=now.median,
        bands=now.bands,
        coverage=now.coverage,
        previous=unit_score(before, bands, MANDATORY).score if before else None,
        incidents_opened=sum(d.incidents_opened for d in datasets),
        incidents_resolved=sum(d.incidents_resolved for d in datasets),
        failed_critical=sum(1 for d in datasets if d.failed_critical),
        sufficient=sum(1 for d in datasets if d.yearly is not None),
    )


@dataclass(frozen=True)
class UnitFigures:
    """What a unit's report states, as measured when the snapshot was taken."""

    year: int
    computed_at: str  # ISO, UTC
    bands: Bands
    datasets: list[DatasetFigures] = field(default_factory=list)

    @property
    def summary(self) -> Summary:
        return summarize(self.datasets, self.bands)

    @property
    def computed(self) -> datetime:
        return datetime.fromisoformat(self.computed_at)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], year: int) -> UnitFigures:
        if not data:
            return cls(year, utcnow().isoformat(), current_bands())
        bands = tuple((str(name), float(floor)) for name, floor in data.get("bands") or current_bands())
        rows = [DatasetFigures(**{**row, "failed_critical": list(row.get("failed_critical") or [])}) for row in data.get("datasets", [])]
        return cls(int(data.get("year", year)), str(data["computed_at"]), bands, rows)


@dataclass(frozen=True)
class UnitLine:
    """A unit's row in the ministry's figures."""

    unit_id: uuid.UUID
    unit_name: str
    status: str
    figures: UnitFigures

    @property
    def summary(self) -> Summary:
        return self.figures.summary


@dataclass(frozen=True)
class MinistryFigures:
    year: int
    bands: Bands
    units: list[UnitLine]

    @property
    def datasets(self) -> list[DatasetFigures]:
        return [d for line in self.units for d in line.figures.datasets]

    @property
    def summary(self) -> Summary:
        return summarize(self.datasets, self.bands)


def current_bands() -> Bands:
    return parse_bands(get_settings().quality_bands)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """1 January 00:00 to the next 1 January 00:00, Vietnam's time."""
    return datetime(year, 1, 1, tzinfo=VN), datetime(year + 1, 1, 1, tzinfo=VN)


# ---- reporting units -----------------------------------------------------------------------------


def reporting_unit_map(session: Session) -> dict[uuid.UUID, uuid.UUID]:
    """Every ministry unit → the unit that reports for it (see the module's docstring)."""
    rows = session.execute(select(Organization.id, Organization.parent_id).where(Organization.kind == OrgKind.UNIT)).tuples().all()
    parent = dict(rows)
    out: dict[uuid.UUID, uuid.UUID] = {}
    for unit_id in parent:
        chain = [unit_id]
        while (up := parent.get(chain[-1])) is not None and up not in chain and len(chain) < 64:
            chain.append(up)
        out[unit_id] = chain[-2] if len(chain) >= 2 else unit_id
    return out


def covered_units(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """The units whose datasets the unit's report covers."""
    return [owner for owner, reporter in reporting_unit_map(session).items() if reporter == unit_id]


def reporting_units(session: Session) -> list[uuid.UUID]:
    """The units that report: those that own at least one dataset, themselves or through a sub-unit."""
    mapping = reporting_unit_map(session)
    owners = session.scalars(select(Dataset.owner_unit_id).distinct())
    return sorted({mapping[o] for o in owners if o in mapping}, key=str)


# ---- measuring -------------------------------------------------------------------------------------


class _Run(NamedTuple):
    id: uuid.UUID
    started: datetime
    score: float
    covered: int
    capped: bool


@dataclass
class _History:
    year_runs: dict[uuid.UUID, list[_Run]]  # runs of the year, in time order
    previous: dict[uuid.UUID, float]  # last year's year-end score


def _history(session: Session, dataset_ids: list[uuid.UUID], year: int) -> _History:
    history = _History(defaultdict(list), {})
    if not dataset_ids:
        return history
    start, end = year_bounds(year)
    last_start, _ = year_bounds(year - 1)
    query = (
        select(QualityRun.id, QualityRun.dataset_id, QualityRun.started_at, QualityRun.score, QualityRun.covered, QualityRun.capped)
        .where(
            QualityRun.dataset_id.in_(dataset_ids),
            QualityRun.status == RunStatus.DONE,
            QualityRun.score.is_not(None),
            QualityRun.started_at >= last_start,
            QualityRun.started_at < end,
        )
        .order_by(QualityRun.started_at, QualityRun.id)
    )
    for run_id, dataset_id, started, score, covered, capped in session.execute(query).tuples():
        if score is None:
            continue
        if started >= start:
            history.year_runs[dataset_id].append(_Run(run_id, started, float(score), len(covered or []), bool(capped)))
        else:
            history.previous[dataset_id] = float(score)  # in time order: the last one of last year stays
    return history


def _failed_critical(session: Session, run_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    wanted = list(run_ids)
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not wanted:
        return out
    query = (
        select(QualityResult.run_id, QualityResult.rule_name)
        .where(QualityResult.run_id.in_(wanted), QualityResult.severity == Severity.CRITICAL, QualityResult.outcome == Outcome.FAILED)
        .order_by(QualityResult.id)
    )
    for run_id, name in session.execute(query).tuples():
        out[run_id].append(name)
    return out


def _incidents(session: Session, dataset_ids: list[uuid.UUID], year: int) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    if not dataset_ids:
        return {}, {}
    start, end = year_bounds(year)
    opened = select(Incident.dataset_id, func.count()).where(
        Incident.dataset_id.in_(dataset_ids), Incident.created_at >= start, Incident.created_at < end
    )
    resolved = select(Incident.dataset_id, func.count()).where(
        Incident.dataset_id.in_(dataset_ids),
        Incident.status == IncidentStatus.RESOLVED,
        Incident.resolved_at >= start,
        Incident.resolved_at < end,
    )
    return (
        dict(session.execute(opened.group_by(Incident.dataset_id)).tuples().all()),
        dict(session.execute(resolved.group_by(Incident.dataset_id)).tuples().all()),
    )


def measure_unit(session: Session, unit_id: uuid.UUID, year: int, bands: Bands | None = None) -> UnitFigures:
    """The figures of the unit's report for `year`, measured now from the quality history."""
    bands = bands or current_bands()
    owners = covered_units(session, unit_id) or [unit_id]
    query = (
        select(Dataset.id, Dataset.name, Dataset.data_class, Database.name, Database.db_class, Organization.name)
        .join(Database, Database.id == Dataset.database_id)
        .join(Organization, Organization.id == Dataset.owner_unit_id)
        .where(Dataset.owner_unit_id.in_(owners))
    )
    rows = sorted(session.execute(query).tuples().all(), key=lambda row: (fold(row[1]), str(row[0])))  # the same order on every database
    ids = [row[0] for row in rows]
    history = _history(session, ids, year)
    latest = {dataset_id: runs[-1] for dataset_id, runs in history.year_runs.items() if runs}
    failed = _failed_critical(session, (run.id for run in latest.values()))
    opened, resolved = _incidents(session, ids, year)
    datasets = []
    for dataset_id, name, data_class, database, db_class, owner in rows:
        last = latest.get(dataset_id)
        months = {run.started.astimezone(VN).month: run.score for run in history.year_runs.get(dataset_id, [])}  # the month's last run
        yearly = yearly_score(months)
        datasets.append(
            DatasetFigures(
                id=str(dataset_id),
                name=name,
                database=database,
                owner=owner,
                weight=dataset_weight(db_class, data_class),
                score=last.score if last else None,
                measured_at=last.started.isoformat() if last else None,
                covered=last.covered if last else 0,
                capped=last.capped if last else False,
                failed_critical=failed.get(last.id, []) if last else [],
                yearly=yearly.score,
                months=yearly.months,
                incidents_opened=int(opened.get(dataset_id, 0)),
                incidents_resolved=int(resolved.get(dataset_id, 0)),
                previous=history.previous.get(dataset_id),
                band=band_of(last.score if last else None, bands),
            )
        )
    return UnitFigures(year, utcnow().isoformat(), tuple(bands), datasets)


def ministry(year: int, lines: Sequence[UnitLine], bands: Bands | None = None) -> MinistryFigures:
    """The ministry's figures: each unit's snapshot, and the totals over all their datasets."""
    return MinistryFigures(year, bands or (lines[0].figures.bands if lines else current_bands()), list(lines))


# ---- how numbers are written (the page and the DOCX write them alike) -------------------------------


def fmt(value: float | None, *, signed: bool = False) -> str:
    """87.5 → "87,5" (a Vietnamese decimal comma); None → "—"; `signed`: "+2,5" / "-1,0"."""
    if value is None:
        return "—"
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    return text.replace(".", ",")


def fmt_share(value: float | None) -> str:
    """0.571 → "57,1%" (the coverage of a unit)."""
    return "—" if value is None else f"{100 * value:.1f}%".replace(".", ",")


def fmt_yearly(row: DatasetFigures) -> str:
    if row.yearly is not None:
        return fmt(row.yearly)
    return f"Chưa đủ dữ liệu ({row.months}/12 tháng)" if row.months else "Chưa được đo"
