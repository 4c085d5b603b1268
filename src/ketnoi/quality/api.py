"""JSON API of data quality: a dataset's rules (also as YAML), its runs and results, unit scores, DQV.

Staff read (a signed-in account); the dataset's unit (or an administrator) writes and runs. Every
route calls one service function; the shapes below are what the API promises.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.kit.errors import Invalid
from ketnoi.quality import anomalies, dqv, overview, runner, score, service
from ketnoi.quality.models import Dimension, QualityResult, QualityRun
from ketnoi.quality.schemas import RuleIn
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["quality"])
YAML = "text/yaml; charset=utf-8"


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dataset_id: uuid.UUID
    resource_id: uuid.UUID | None
    name: str
    kind: str
    dimension: str
    severity: str
    target: float
    params: dict[str, Any]
    enabled: bool
    origin: str
    created_at: datetime
    updated_at: datetime


class ResultOut(BaseModel):
    """One rule's measure: row ids of a sample of failing rows, never their values."""

    model_config = ConfigDict(from_attributes=True)

    rule_id: uuid.UUID | None
    rule_name: str
    kind: str
    dimension: str
    severity: str
    target: float
    outcome: str
    evaluated: int
    failed: int
    conformance: float | None
    score: float | None
    details: dict[str, Any]
    sample_ids: list[int]
    message: str | None
    duration_ms: int


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dataset_id: uuid.UUID
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    row_count: int | None
    score: float | None
    band: str | None = None
    capped: bool
    coverage: str = ""  # "5/7": dimensions with a measured rule / mandatory dimensions
    dimension_scores: dict[str, float]
    covered: list[str]
    error: str | None


class RunDetailOut(RunOut):
    results: list[ResultOut]


class AnomalyOut(BaseModel):
    """The latest run against the earlier ones: a warning, never part of the score."""

    measure: str  # row_count | null_share
    label: str
    value: float
    mean: float
    z: float | None  # None: the earlier runs never varied


class QualityOut(BaseModel):
    dataset_id: uuid.UUID
    dataset_name: str
    schedule: str
    score: float | None
    band: str | None
    coverage: str
    last_run_at: datetime | None
    metadata_reviewed_at: datetime | None
    open_incidents: int
    rules: int
    latest: RunDetailOut | None
    anomalies: list[AnomalyOut]


class UnitScoreOut(BaseModel):
    unit_id: uuid.UUID | None  # None: the whole ministry
    unit_name: str
    score: float | None
    datasets: int
    unmeasured: int
    median: float | None
    bands: dict[str, int]
    coverage: float | None


class BandOut(BaseModel):
    name: str
    floor: float


class UnitsOut(BaseModel):
    bands: list[BandOut]
    ministry: UnitScoreOut
    units: list[UnitScoreOut]


def run_out(run: QualityRun) -> RunOut:
    out = RunOut.model_validate(run)
    out.band, out.coverage = score.band(run.score, overview.bands()), f"{len(run.covered)}/{len(Dimension)}"
    return out


def run_detail(run: QualityRun, results: list[QualityResult]) -> RunDetailOut:
    return RunDetailOut(**run_out(run).model_dump(), results=[ResultOut.model_validate(r) for r in results])


def quality_out(session: Session, actor: Actor, dataset_id: uuid.UUID) -> QualityOut:
    dataset = service.readable_dataset(session, actor=actor, dataset_id=dataset_id)
    summary = overview.summary(session, dataset.id)
    latest = service.latest(session, actor=actor, dataset_id=dataset.id)
    return QualityOut(
        dataset_id=dataset.id,
        dataset_name=dataset.name,
        schedule=summary.schedule,
        score=summary.score,
        band=score.band(summary.score, overview.bands()),
        coverage=f"{summary.covered}/{len(Dimension)}",
        last_run_at=summary.last_run_at,
        metadata_reviewed_at=summary.metadata_reviewed_at,
        open_incidents=overview.open_incidents(session, dataset.id),
        rules=len(service.list_rules(session, actor=actor, dataset_id=dataset.id)),
        latest=run_detail(*latest) if latest else None,
        anomalies=[AnomalyOut(**vars(a)) for a in anomalies.anomalies(session, actor=actor, dataset_id=dataset.id)],
    )


@router.get("/datasets/{dataset_id}/quality", response_model=QualityOut, summary="Chất lượng của bộ dữ liệu (điểm, lần kiểm tra gần nhất)")
def dataset_quality(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> QualityOut:
    return quality_out(db, actor, dataset_id)


@router.get("/datasets/{dataset_id}/quality/rules", response_model=list[RuleOut], summary="Các quy tắc chất lượng của bộ dữ liệu")
def list_rules(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in service.list_rules(db, actor=actor, dataset_id=dataset_id)]


@router.post("/datasets/{dataset_id}/quality/rules", response_model=RuleOut, status_code=201, summary="Thêm quy tắc chất lượng")
def create_rule(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, data: RuleIn) -> RuleOut:
    return RuleOut.model_validate(service.create_rule(db, actor=actor, dataset_id=dataset_id, data=data))


@router.get("/quality/rules/{rule_id}", response_model=RuleOut, summary="Chi tiết quy tắc chất lượng")
def get_rule(db: DB, actor: CurrentActor, rule_id: uuid.UUID) -> RuleOut:
    return RuleOut.model_validate(service.get_rule(db, actor=actor, rule_id=rule_id))


@router.put("/quality/rules/{rule_id}", response_model=RuleOut, summary="Sửa quy tắc chất lượng")
def update_rule(db: DB, actor: CurrentActor, rule_id: uuid.UUID, data: RuleIn) -> RuleOut:
    return RuleOut.model_validate(service.update_rule(db, actor=actor, rule_id=rule_id, data=data))


@router.delete("/quality/rules/{rule_id}", status_code=204, summary="Xoá quy tắc chất lượng")
def delete_rule(db: DB, actor: CurrentActor, rule_id: uuid.UUID) -> Response:
    service.delete_rule(db, actor=actor, rule_id=rule_id)
    return Response(status_code=204)


@router.post(
    "/datasets/{dataset_id}/quality/runs",
    response_model=RunDetailOut,
    status_code=201,
    summary="Chạy kiểm tra chất lượng ngay",
    description="Đo mọi quy tắc đang bật của bộ dữ liệu ngay trong yêu cầu này; trả về lần kiểm tra với kết quả từng quy tắc.",
)
def run_now(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> RunDetailOut:
    run = runner.run_dataset(db, actor=actor, dataset_id=dataset_id, trigger="manual")
    return run_detail(*service.get_run(db, actor=actor, run_id=run.id))


@router.get("/datasets/{dataset_id}/quality/runs", response_model=list[RunOut], summary="Lịch sử các lần kiểm tra chất lượng")
def list_runs(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[RunOut]:
    return [run_out(r) for r in service.runs(db, actor=actor, dataset_id=dataset_id, limit=limit)]


@router.get("/quality/runs/{run_id}", response_model=RunDetailOut, summary="Một lần kiểm tra chất lượng và kết quả của nó")
def get_run(db: DB, actor: CurrentActor, run_id: uuid.UUID) -> RunDetailOut:
    return run_detail(*service.get_run(db, actor=actor, run_id=run_id))


@router.get(
    "/datasets/{dataset_id}/quality/rules.yaml",
    summary="Tải các quy tắc chất lượng dạng YAML",
    response_class=Response,
    responses={200: {"content": {"text/yaml": {}}}},
)
def export_yaml(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    return Response(service.export_yaml(db, actor=actor, dataset_id=dataset_id), media_type=YAML)


async def bounded_body(request: Request, limit: int) -> bytes:
    """The request's body, refused past `limit` bytes before more is read."""
    declared = request.headers.get("content-length", "")
    too_big = Invalid("Tệp quy tắc lớn quá {limit} KB.", fields={"file": "Tệp quá lớn."}, values={"limit": limit // 1024})
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big
    return bytes(body)


@router.put(
    "/datasets/{dataset_id}/quality/rules.yaml",
    response_model=list[RuleOut],
    summary="Thay toàn bộ quy tắc chất lượng bằng tệp YAML",
    description="Thân yêu cầu là tệp YAML (`Content-Type: text/yaml`) như bản tải về; mọi quy tắc được thay cùng lúc, "
    "hoặc không quy tắc nào nếu một quy tắc sai (thông báo lỗi nêu quy tắc đó).",
    openapi_extra={"requestBody": {"required": True, "content": {"text/yaml": {"schema": {"type": "string"}}}}},
)
async def import_yaml(request: Request, db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> list[RuleOut]:
    body = await bounded_body(request, service.MAX_YAML_BYTES)
    rules = service.import_yaml(db, actor=actor, dataset_id=dataset_id, text=body)
    return [RuleOut.model_validate(r) for r in rules]


def _unit_out(unit_id: uuid.UUID | None, name: str, result: score.UnitScore) -> UnitScoreOut:
    return UnitScoreOut(unit_id=unit_id, unit_name=name, **vars(result))


@router.get(
    "/quality/units",
    response_model=UnitsOut,
    summary="Điểm chất lượng dữ liệu của các đơn vị",
    description="Điểm đơn vị U = Σ v·Q / Σ v (v theo phân loại của bộ dữ liệu), trung vị, số bộ dữ liệu theo hạng và độ bao phủ quy tắc.",
)
def unit_scores(db: DB, actor: CurrentActor, unit_id: uuid.UUID | None = None) -> UnitsOut:
    seen = overview.unit_scores(db, actor=actor, unit_id=unit_id)
    return UnitsOut(
        bands=[BandOut(name=n, floor=f) for n, f in seen.bands],
        ministry=_unit_out(None, "Toàn Bộ", seen.ministry),
        units=[_unit_out(u.unit_id, u.unit_name, u.result) for u in seen.units],
    )


@router.get(
    "/datasets/{dataset_id}/quality/dqv",
    summary="Kết quả đo chất lượng theo W3C DQV (JSON-LD)",
    description="`runs`: số lần kiểm tra gần nhất được xuất (mặc định 1, tối đa 50).",
    response_class=Response,
    responses={200: {"content": {"application/ld+json": {}}}},
)
def dqv_export(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, runs: Annotated[int, Query(ge=1, le=dqv.MAX_RUNS)] = 1) -> Response:
    return Response(dqv.jsonld(db, actor=actor, dataset_id=dataset_id, runs=runs), media_type="application/ld+json; charset=utf-8")
