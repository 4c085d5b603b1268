"""Anomalies in a dataset's quality history: warnings, never part of the score (../../docs/quality.md).

The latest run is compared with the runs before it: its row count, and the share of empty cells each
not-null rule found. A value more than Z_LIMIT standard deviations from the mean of the earlier
values (at least MIN_HISTORY of them) is an anomaly — a load that lost half the rows, a column that
suddenly came empty — worth a look even when every rule still passes.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.quality.models import QualityResult, QualityRun, RunStatus
from ketnoi.quality.service import readable_dataset

Z_LIMIT = 3.0
MIN_HISTORY = 5  # earlier runs needed before a value can be called unusual
WINDOW = 30  # runs read, the latest included


@dataclass(frozen=True)
class Anomaly:
    measure: str  # "row_count" or "null_share"
    label: str  # what was measured: the table, or the not-null rule's name
    value: float
    mean: float
    z: float | None  # signed: below (negative) or above the usual; None when the history never varied


def z_score(value: float, history: Sequence[float]) -> float | None:
    """How many standard deviations `value` lies from the mean of `history`; None without spread."""
    spread = statistics.pstdev(history) if len(history) > 1 else 0.0
    return None if spread == 0 else (value - statistics.fmean(history)) / spread


def unusual(value: float, history: Sequence[float]) -> bool:
    """Beyond Z_LIMIT, once there is enough history; with no spread at all, any different value."""
    if len(history) < MIN_HISTORY:
        return False
    z = z_score(value, history)
    return value != statistics.fmean(history) if z is None else abs(z) > Z_LIMIT


def anomalies(session: Session, *, actor: Actor, dataset_id: uuid.UUID) -> list[Anomaly]:
    """The latest finished run's anomalies against the earlier runs of the dataset."""
    dataset = readable_dataset(session, actor=actor, dataset_id=dataset_id)
    runs = list(
        session.scalars(
            select(QualityRun)
            .where(QualityRun.dataset_id == dataset.id, QualityRun.status == RunStatus.DONE)
            .order_by(QualityRun.started_at.desc())
            .limit(WINDOW)
        )
    )
    if len(runs) <= MIN_HISTORY:
        return []
    latest, earlier = runs[0], runs[1:]
    found = []
    counts = [float(r.row_count) for r in earlier if r.row_count is not None]
    if latest.row_count is not None and unusual(float(latest.row_count), counts):
        value = float(latest.row_count)
        found.append(Anomaly("row_count", "Số dòng", value, statistics.fmean(counts), z_score(value, counts)))
    found.extend(_null_shares(session, latest, earlier))
    return found


def _null_shares(session: Session, latest: QualityRun, earlier: list[QualityRun]) -> list[Anomaly]:
    rows = session.execute(
        select(QualityResult.run_id, QualityResult.rule_id, QualityResult.rule_name, QualityResult.evaluated, QualityResult.failed).where(
            QualityResult.run_id.in_([latest.id, *(r.id for r in earlier)]),
            QualityResult.kind == "not_null",
            QualityResult.evaluated > 0,
        )
    ).all()
    shares: dict[uuid.UUID | None, list[float]] = {}
    now: dict[uuid.UUID | None, tuple[str, float]] = {}
    for run_id, rule_id, name, evaluated, failed in rows:
        share = failed / evaluated
        if run_id == latest.id:
            now[rule_id] = (name, share)
        else:
            shares.setdefault(rule_id, []).append(share)
    found = []
    for rule_id, (name, share) in now.items():
        history = shares.get(rule_id, [])
        if unusual(share, history):
            found.append(Anomaly("null_share", name, share, statistics.fmean(history), z_score(share, history)))
    return found
