"""/api/v1/stats: the dashboard's counts as JSON (ketnoi.inventory)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ketnoi import inventory
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["stats"])


class DatabaseCounts(BaseModel):
    total: int
    by_class: dict[str, int] = Field(description="Theo phân loại CSDL (national, ministry_shared, sector_shared, internal)")


class DatasetCounts(BaseModel):
    total: int
    public: int


class StatsOut(BaseModel):
    organizations: int
    databases: DatabaseCounts
    datasets: DatasetCounts


@router.get("/stats", response_model=StatsOut, summary="Số liệu tổng quan của danh mục")
def stats(db: DB, actor: CurrentActor) -> StatsOut:
    """What the dashboard shows, counted over what the caller may see."""
    s = inventory.summary(db, actor=actor)
    return StatsOut(
        organizations=s.organizations,
        databases=DatabaseCounts(total=s.databases, by_class=s.databases_by_class),
        datasets=DatasetCounts(total=s.datasets, public=s.public_datasets),
    )
