"""JSON API of a table's profile and the rules it suggests."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ketnoi.kit.validation import Input
from ketnoi.quality import profile, suggest
from ketnoi.quality.api import RuleOut
from ketnoi.quality.schemas import RuleIn
from ketnoi.quality.service import MAX_RULES
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["quality"])


class ValueOut(BaseModel):
    value: Any
    count: int


class PatternOut(BaseModel):
    shape: str = Field(description="9 một chữ số, A một chữ in hoa, a một chữ thường; ký tự khác giữ nguyên")
    count: int
    share: float = Field(description="Tỉ lệ trên các giá trị có trong mẫu")


class ColumnOut(BaseModel):
    name: str
    title: str
    type: str
    personal: bool = Field(description="Trường dữ liệu cá nhân hoặc nhạy cảm: không có giá trị nào được trả về")
    rows: int
    nulls: int
    null_share: float
    distinct: int
    min: Any = Field(default=None, description="Số hoặc ngày; không có với cột cá nhân")
    max: Any = None
    min_length: int | None = Field(default=None, description="Cột văn bản: độ dài ngắn nhất (ký tự)")
    max_length: int | None = None
    top: list[ValueOut] | None = None
    top_skipped: str | None = Field(default=None, description="personal | near_unique | time_limit | empty")
    patterns: list[PatternOut]
    sampled: int = Field(description="Số giá trị trong mẫu mà mẫu hình được tính trên đó")
    patterns_skipped: str | None = Field(default=None, description="not_text | time_limit | empty")


class TableRefOut(BaseModel):
    resource_id: uuid.UUID
    name: str


class ProfileOut(BaseModel):
    dataset_id: uuid.UUID
    resource_id: uuid.UUID
    resource_name: str
    rows: int
    hidden_columns: int = Field(description="Số cột người đọc không được xem (không có trong hồ sơ)")
    sample_rows: int = Field(description="Mẫu hình được tính trên tối đa chừng này dòng đầu tiên (theo _id)")
    tables: list[TableRefOut]
    columns: list[ColumnOut]


class SuggestionOut(BaseModel):
    key: str
    kind: str
    label: str
    column: str | None
    reason: str
    detail: str
    rule: RuleIn


class ProfileAnswer(BaseModel):
    profile: ProfileOut
    suggestions: list[SuggestionOut]
    can_accept: bool = Field(description="Người gọi được thêm các quy tắc được gợi ý")


class AcceptIn(Input):
    keys: list[str] = Field(max_length=MAX_RULES, description="Khoá (key) của các gợi ý muốn thêm")


def _column_out(c: profile.ColumnProfile) -> ColumnOut:
    return ColumnOut(
        name=c.name,
        title=c.title,
        type=c.type,
        personal=c.personal,
        rows=c.rows,
        nulls=c.nulls,
        null_share=c.null_share,
        distinct=c.distinct,
        min=profile.as_json(c.minimum),
        max=profile.as_json(c.maximum),
        min_length=c.min_length,
        max_length=c.max_length,
        top=None if c.top is None else [ValueOut(value=profile.as_json(v.value), count=v.count) for v in c.top],
        top_skipped=c.top_skipped,
        patterns=[PatternOut(shape=p.shape, count=p.count, share=p.share) for p in c.patterns],
        sampled=c.sampled,
        patterns_skipped=profile.patterns_skipped(c),
    )


def answer(found: profile.TableProfile, suggestions: list[suggest.Suggestion]) -> ProfileAnswer:
    out = ProfileOut(
        dataset_id=found.dataset_id,
        resource_id=found.resource_id,
        resource_name=found.resource_name,
        rows=found.rows,
        hidden_columns=found.hidden,
        sample_rows=found.sample_rows,
        tables=[TableRefOut(resource_id=t.resource_id, name=t.name) for t in found.tables],
        columns=[_column_out(c) for c in found.columns],
    )
    shown = [
        SuggestionOut(key=s.key, kind=s.kind, label=s.label, column=s.column, reason=s.reason, detail=s.detail, rule=s.rule)
        for s in suggestions
    ]
    return ProfileAnswer(profile=out, suggestions=shown, can_accept=found.editable)


@router.get(
    "/datasets/{dataset_id}/quality/profile",
    response_model=ProfileAnswer,
    summary="Hồ sơ một bảng dữ liệu và các quy tắc chất lượng được gợi ý",
)
def get_profile(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, resource_id: uuid.UUID | None = None) -> ProfileAnswer:
    found = profile.profile_table(db, actor=actor, dataset_id=dataset_id, resource_id=resource_id)
    return answer(found, suggest.suggest(db, actor=actor, dataset_id=dataset_id, profile=found))


@router.post(
    "/datasets/{dataset_id}/quality/suggestions",
    response_model=list[RuleOut],
    status_code=201,
    summary="Thêm các quy tắc được gợi ý đã chọn",
)
def accept_suggestions(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, data: AcceptIn) -> list[RuleOut]:
    created = suggest.accept(db, actor=actor, dataset_id=dataset_id, keys=data.keys)
    return [RuleOut.model_validate(rule) for rule in created]
