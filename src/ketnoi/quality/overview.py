"""The ministry's quality at a glance: each unit's score U, its datasets per band, the lowest-scored datasets.

Reads each dataset's summary row (quality_datasets: the score and coverage of its latest run)
beside the dataset's class (its database's class and its data class, score.dataset_weight), so
the page costs one query over the catalog, never one per dataset or a read of any run's results.
A dataset never measured counts as "not measured" and stays out of U, the median and the bands.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi import authz
from ketnoi.authz import Action, Actor, Kind
from ketnoi.catalog.models import Database, Dataset
from ketnoi.kit.errors import Forbidden, Unauthenticated
from ketnoi.org.models import Organization
from ketnoi.quality import score
from ketnoi.quality.models import DatasetQuality, Incident, IncidentStatus, Schedule
from ketnoi.quality.score import UnitScore
from ketnoi.settings import get_settings

LOWEST = 20


@dataclass(frozen=True)
class DatasetRow:
    dataset_id: uuid.UUID
    name: str
    unit_id: uuid.UUID
    unit_name: str
    weight: int
    score: float | None
    covered: int
    band: str | None
    last_run_at: datetime | None


@dataclass(frozen=True)
class UnitRow:
    unit_id: uuid.UUID
    unit_name: str
    result: UnitScore
    band: str | None  # the band U falls in


@dataclass(frozen=True)
class Overview:
    bands: tuple[tuple[str, float], ...]
    ministry: UnitScore  # every dataset shown, as if the ministry were one unit
    ministry_band: str | None
    units: list[UnitRow]  # by name
    lowest: list[DatasetRow]  # the LOWEST lowest-scored measured datasets
    unit_id: uuid.UUID | None  # the filter, if any
    unit_choices: list[tuple[uuid.UUID, str]]  # units owning datasets (the filter's options)


def bands() -> tuple[tuple[str, float], ...]:
    return score.parse_bands(get_settings().quality_bands)


def _require_staff(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise Unauthenticated("Bạn cần đăng nhập để xem chất lượng dữ liệu.")
    if not authz.allowed(actor, Action.VIEW, Kind.DATASET):  # every dataset, internal ones too
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")


def dataset_scores(session: Session, *, actor: Actor, unit_id: uuid.UUID | None = None) -> list[DatasetRow]:
    """Every dataset (of `unit_id` if given) with its latest score and its weight in its unit's score."""
    _require_staff(actor)
    cut = bands()
    query = (
        select(
            Dataset.id,
            Dataset.name,
            Dataset.owner_unit_id,
            Organization.name,
            Database.db_class,
            Dataset.data_class,
            DatasetQuality.score,
            DatasetQuality.covered,
            DatasetQuality.last_run_at,
        )
        .join(Database, Database.id == Dataset.database_id)
        .join(Organization, Organization.id == Dataset.owner_unit_id)
        .outerjoin(DatasetQuality, DatasetQuality.dataset_id == Dataset.id)
        .order_by(Organization.name, Dataset.name, Dataset.id)
    )
    if unit_id is not None:
        query = query.where(Dataset.owner_unit_id == unit_id)
    return [
        DatasetRow(
            dataset_id=row[0],
            name=row[1],
            unit_id=row[2],
            unit_name=row[3],
            weight=score.dataset_weight(row[4], row[5]),
            score=row[6],
            covered=row[7] or 0,
            band=score.band(row[6], cut),
            last_run_at=row[8],
        )
        for row in session.execute(query)
    ]


def unit_scores(session: Session, *, actor: Actor, unit_id: uuid.UUID | None = None) -> Overview:
    """U per unit (QUALITY.md: U = Σ v·Q / Σ v, with the median, the bands and the rule coverage)."""
    everything = dataset_scores(session, actor=actor)
    shown = [d for d in everything if unit_id is None or d.unit_id == unit_id]
    cut = bands()
    by_unit: dict[uuid.UUID, list[DatasetRow]] = defaultdict(list)
    for dataset in shown:
        by_unit[dataset.unit_id].append(dataset)
    units = []
    for unit, rows in by_unit.items():
        result = score.unit_score([(d.weight, d.score, d.covered) for d in rows], cut)
        units.append(UnitRow(unit, rows[0].unit_name, result, score.band(result.score, cut)))
    units.sort(key=lambda u: (u.unit_name, str(u.unit_id)))
    measured = sorted((d for d in shown if d.score is not None), key=lambda d: (d.score or 0.0, d.name))
    choices = sorted({(d.unit_id, d.unit_name) for d in everything}, key=lambda c: (c[1], str(c[0])))
    ministry = score.unit_score([(d.weight, d.score, d.covered) for d in shown], cut)
    return Overview(
        bands=cut,
        ministry=ministry,
        ministry_band=score.band(ministry.score, cut),
        units=units,
        lowest=measured[:LOWEST],
        unit_id=unit_id,
        unit_choices=choices,
    )


def summary(session: Session, dataset_id: uuid.UUID) -> DatasetQuality:
    """The dataset's summary row, or (never measured) an unsaved one with the defaults: reading adds no row."""
    found = session.get(DatasetQuality, dataset_id)
    if found is not None:
        return found
    return DatasetQuality(dataset_id=dataset_id, schedule=Schedule.WEEKLY, covered=0)


def open_incidents(session: Session, dataset_id: uuid.UUID) -> int:
    """The dataset's incidents not closed yet (open or being investigated)."""
    found = session.scalar(
        select(func.count()).where(
            Incident.dataset_id == dataset_id, Incident.status.in_((IncidentStatus.OPEN, IncidentStatus.INVESTIGATING))
        )
    )
    return int(found or 0)
