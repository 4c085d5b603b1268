"""The quality score of ../../docs/quality.md, as pure functions of measured results.

rule:      conformance c = passing / evaluated; score s = min(1, c / target)
dimension: D = Σ w·s / Σ w over its rules, w by severity (critical 3, major 2, minor 1)
dataset:   Q = 100 × mean of the dimensions that have a measured rule; a failed critical rule caps Q at 69
coverage:  dimensions with a measured rule / mandatory dimensions, always shown beside Q
unit:      U = Σ v·Q / Σ v, v by the dataset's class; with the share of datasets per band, the median
yearly:    the last run of each month, averaged over the months; under 6 months is insufficient evidence
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ketnoi.quality.models import Dimension, Severity

WEIGHTS = {Severity.CRITICAL: 3, Severity.MAJOR: 2, Severity.MINOR: 1}
CRITICAL_CAP = 69.0
MIN_MONTHS = 6
# A dataset's weight in its unit's score, by its class: the class of its database
# (catalog.models.DatabaseClass) or its data class (DataClass, Law on Data art. 13), the higher.
DATABASE_WEIGHTS = {"national": 3, "ministry_shared": 2, "sector_shared": 2, "internal": 1}
DATA_CLASS_WEIGHTS = {"core": 3, "important": 2, "other": 1}
DEFAULT_BANDS = (("A", 95.0), ("B", 85.0), ("C", 70.0), ("D", 0.0))


@dataclass(frozen=True)
class RuleResult:
    dimension: str
    severity: str
    target: float
    evaluated: int
    failed: int
    measured: bool = True  # False: an error; the rule stays out of the score

    @property
    def conformance(self) -> float | None:
        if not self.measured or self.evaluated <= 0:
            return None
        return (self.evaluated - self.failed) / self.evaluated

    @property
    def score(self) -> float | None:
        c = self.conformance
        if c is None:
            return None
        return 1.0 if self.target <= 0 else min(1.0, c / self.target)

    @property
    def passed(self) -> bool | None:
        c = self.conformance
        return None if c is None else c >= self.target


@dataclass(frozen=True)
class DatasetScore:
    score: float | None  # None: nothing measured
    dimensions: dict[str, float]  # 0-1 per dimension with a measured rule
    capped: bool
    covered: list[str]

    def coverage(self, mandatory: int = len(Dimension)) -> str:
        return f"{len(self.covered)}/{mandatory}"


def dataset_score(results: Iterable[RuleResult]) -> DatasetScore:
    sums: dict[str, list[float]] = {}
    capped = False
    for r in results:
        s = r.score
        if s is None:
            continue
        w = WEIGHTS.get(Severity(r.severity), 1)
        acc = sums.setdefault(r.dimension, [0.0, 0.0])
        acc[0] += w * s
        acc[1] += w
        capped = capped or (r.severity == Severity.CRITICAL and r.passed is False)
    dimensions = {d: total / weight for d, (total, weight) in sums.items() if weight}
    if not dimensions:
        return DatasetScore(None, {}, False, [])
    q = 100.0 * sum(dimensions.values()) / len(dimensions)
    if capped:
        q = min(q, CRITICAL_CAP)
    order = [d.value for d in Dimension]
    covered = sorted(dimensions, key=lambda d: order.index(d) if d in order else len(order))
    return DatasetScore(round(q, 1), {d: round(v, 4) for d, v in dimensions.items()}, capped, covered)


def band(score: float | None, bands: Sequence[tuple[str, float]] = DEFAULT_BANDS) -> str | None:
    if score is None:
        return None
    for name, floor in bands:
        if score >= floor:
            return name
    return bands[-1][0]


def parse_bands(text: str) -> tuple[tuple[str, float], ...]:
    """'A:95,B:85,C:70' (settings) → the bands, the lowest reaching 0; ValueError if malformed."""
    bands: list[tuple[str, float]] = []
    for part in text.split(","):
        name, _, floor = part.strip().partition(":")
        if not name or not floor:
            raise ValueError(f"band {part!r}: expected NAME:FLOOR")
        bands.append((name.strip(), float(floor)))
    bands.sort(key=lambda b: -b[1])
    if any(b[1] < 0 or b[1] > 100 for b in bands):
        raise ValueError("band floors lie between 0 and 100")
    lowest = bands[-1][0]
    return (*bands[:-1], (lowest, 0.0))


@dataclass(frozen=True)
class UnitScore:
    score: float | None
    datasets: int  # with a score
    unmeasured: int  # without one
    median: float | None
    bands: dict[str, int]  # datasets per band
    coverage: float | None  # mean share of the mandatory dimensions covered


def dataset_weight(database_class: str | None, data_class: str | None) -> int:
    return max(DATABASE_WEIGHTS.get(database_class or "", 1), DATA_CLASS_WEIGHTS.get(data_class or "", 1))


def unit_score(
    datasets: Sequence[tuple[int, float | None, int]],
    bands: Sequence[tuple[str, float]] = DEFAULT_BANDS,
    mandatory: int = len(Dimension),
) -> UnitScore:
    """datasets: (weight, Q or None, dimensions covered) of each of the unit's datasets."""
    scored = [(c, q, n) for c, q, n in datasets if q is not None]
    counts = {name: 0 for name, _ in bands}
    for _c, q, _n in scored:
        counts[band(q, bands) or bands[-1][0]] += 1
    if not scored:
        return UnitScore(None, 0, len(datasets), None, counts, None)
    weights = [w for w, _q, _n in scored]
    total = sum(w * (q or 0.0) for w, (_c, q, _n) in zip(weights, scored, strict=True))
    return UnitScore(
        round(total / sum(weights), 1),
        len(scored),
        len(datasets) - len(scored),
        round(statistics.median(q or 0.0 for _c, q, _n in scored), 1),
        counts,
        round(sum(n for _c, _q, n in scored) / (len(scored) * mandatory), 3),
    )


@dataclass(frozen=True)
class YearlyScore:
    score: float | None  # None: fewer than MIN_MONTHS months of evidence
    months: int


def yearly_score(month_scores: Mapping[int, float]) -> YearlyScore:
    """The last run's score of each month of the year (month → Q), averaged."""
    months = len(month_scores)
    if months < MIN_MONTHS:
        return YearlyScore(None, months)
    return YearlyScore(round(sum(month_scores.values()) / months, 1), months)
