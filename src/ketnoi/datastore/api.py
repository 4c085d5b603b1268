"""The data API: rows of a resource's served table, filtered, sorted and paged."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ketnoi.datastore import export, query
from ketnoi.datastore import ingest as ingest_service
from ketnoi.datastore import sql as sql_service
from ketnoi.datastore.ingest import IngestOptions
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["datastore"])


class RowsOut(BaseModel):
    resource_id: uuid.UUID
    version: int
    fields: list[dict[str, Any]] = Field(description="Table Schema của các cột trả về")
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    total: int | None = Field(default=None, description="Với count=exact|estimate: số dòng khớp")
    total_exact: bool = Field(default=True, description="false: total là giới hạn dưới (count=estimate dừng đếm)")


@router.get(
    "/resources/{resource_id}/rows",
    response_model=RowsOut,
    summary="Dữ liệu của tài nguyên (lọc, sắp xếp, phân trang)",
    description=(
        "Lọc: `cot=giá_trị`, `cot__gt`, `cot__gte`, `cot__lt`, `cot__lte`, `cot__in=a,b`, `cot__contains` (văn bản). "
        "`sort=cot` hoặc `sort=-cot`; `fields=cot1,cot2`; `limit` (mặc định 100, tối đa 10.000); `cursor` = `next_cursor` "
        "của trang trước; `count=exact|estimate` thêm số dòng khớp; `q=` tìm từ không dấu. "
        "Giá trị đọc theo kiểu của cột (số kiểu Việt Nam, ngày dd/mm/yyyy)."
    ),
)
def rows(request: Request, db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> Response:
    page = query.read_rows(db, actor=actor, resource_id=resource_id, params=list(request.query_params.multi_items()))
    # Straight to JSON: the rows are plain values already (query.jsonable_row), and validating
    # 10,000 rows against `RowsOut` would cost more than reading them. The OpenAPI keeps RowsOut.
    body = {
        "resource_id": str(resource_id),
        "version": page.version.version,
        "fields": [f.descriptor() for f in page.fields],
        "items": page.rows,
        "next_cursor": page.next_cursor,
    }
    if page.total is not None:
        body |= {"total": page.total, "total_exact": page.total_exact}
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


@router.get(
    "/resources/{resource_id}/export",
    summary="Tải dữ liệu của tài nguyên (CSV, JSON, XLSX, Parquet)",
    description="`format=csv|json|xlsx|parquet` và các tham số lọc, `fields`, `sort` như `/rows`. Trong CSV và XLSX, ô văn bản "
    "bắt đầu bằng = + - @ được ghi sao cho bảng tính không chạy nó như công thức. Parquet có cột theo kiểu của "
    "Table Schema (kèm trong siêu dữ liệu `table_schema`).",
    response_class=StreamingResponse,
)
def export_rows(request: Request, db: DB, actor: CurrentActor, resource_id: uuid.UUID, format: str = "csv") -> StreamingResponse:
    params = list(request.query_params.multi_items())
    made = export.export(db, actor=actor, resource_id=resource_id, fmt=format, params=params)

    def chunks() -> Iterator[bytes]:
        with made.file:
            while block := made.file.read(1 << 16):
                yield block

    headers = {"Content-Disposition": f'attachment; filename="{made.filename}"'}
    return StreamingResponse(chunks(), media_type=made.media_type, headers=headers)


class IngestQueued(BaseModel):
    job_id: uuid.UUID
    status: str


@router.post(
    "/resources/{resource_id}/ingest",
    response_model=IngestQueued,
    status_code=202,
    summary="Nạp dữ liệu của tài nguyên (công việc nền)",
    description="Gửi `file` (multipart) để thay dữ liệu, hoặc không gửi để nạp lại tệp hiện có. Theo dõi ở `/api/v1/jobs/{job_id}`.",
)
def ingest_resource(
    db: DB,
    actor: CurrentActor,
    resource_id: uuid.UUID,
    file: Annotated[UploadFile | None, File()] = None,
    encoding: Annotated[str | None, Form(max_length=32)] = None,
    format: Annotated[str | None, Form(max_length=16)] = None,
    sheet: Annotated[str | None, Form(max_length=255)] = None,
    bad_rows: Annotated[str, Form(max_length=16)] = "reject",
) -> IngestQueued:
    queued = ingest_service.queue_ingest(
        db,
        actor=actor,
        resource_id=resource_id,
        upload=(file.filename or "tep", file.file) if file else None,
        options=IngestOptions(format=format, encoding=encoding, sheet=sheet, bad_rows=bad_rows),
    )
    return IngestQueued(job_id=queued.id, status=queued.status)


class SqlIn(BaseModel):
    sql: str = Field(max_length=sql_service.MAX_SQL, description="Một câu lệnh SELECT (hoặc WITH … SELECT) trên các bảng dữ liệu mở")
    limit: int | None = Field(default=None, ge=1, description="Số dòng tối đa (không vượt cấu hình KETNOI_SQL_MAX_ROWS)")


class SqlOut(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="true: câu lệnh cho nhiều dòng hơn giới hạn; chỉ trả các dòng đầu")


class OpenTableOut(BaseModel):
    table_name: str = Field(description="Tên bảng dùng trong câu lệnh SQL (đổi khi tài nguyên được nạp phiên bản mới)")
    resource_id: str
    resource_name: str
    dataset_id: str
    dataset_name: str
    columns: list[dict[str, Any]] = Field(description="Table Schema của các cột")


SQL_DESCRIPTION = (
    "Chỉ đọc: một câu lệnh SELECT trên các bảng dữ liệu mở (xem `/api/v1/sql/tables`), có giới hạn thời gian và số dòng. "
    "Câu lệnh ghi, nhiều câu lệnh, bảng khác hoặc cột không mở đều bị từ chối với lỗi rõ ràng."
)


@router.get("/sql/tables", response_model=list[OpenTableOut], summary="Các bảng dữ liệu mở truy vấn được bằng SQL")
def sql_tables(db: DB) -> list[OpenTableOut]:
    return [OpenTableOut.model_validate(t, from_attributes=True) for t in sql_service.open_tables(db)]


@router.get("/sql", response_model=SqlOut, summary="Truy vấn SQL chỉ đọc trên dữ liệu mở", description=SQL_DESCRIPTION)
def sql_get(db: DB, sql: Annotated[str, Query(max_length=sql_service.MAX_SQL)], limit: Annotated[int | None, Query(ge=1)] = None) -> SqlOut:
    result = sql_service.run(db, sql=sql, max_rows=limit)
    return SqlOut(columns=result.columns, rows=result.rows, truncated=result.truncated)


@router.post("/sql", response_model=SqlOut, summary="Truy vấn SQL chỉ đọc (câu lệnh trong thân JSON)", description=SQL_DESCRIPTION)
def sql_post(db: DB, body: SqlIn) -> SqlOut:
    result = sql_service.run(db, sql=body.sql, max_rows=body.limit)
    return SqlOut(columns=result.columns, rows=result.rows, truncated=result.truncated)
