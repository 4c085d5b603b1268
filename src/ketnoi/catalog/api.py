"""JSON API of databases, datasets, data items and resources."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse

from ketnoi import files
from ketnoi.catalog import databases, datasets, items
from ketnoi.catalog.models import DatabaseClass, DatabaseStatus, DataClass, Visibility
from ketnoi.catalog.schemas import (
    DatabaseIn,
    DatabaseOut,
    DatabasePatch,
    DataItemIn,
    DataItemOut,
    DatasetDetailOut,
    DatasetIn,
    DatasetOut,
    DatasetPatch,
    ResourceOut,
)
from ketnoi.datastore import access
from ketnoi.settings import get_settings
from ketnoi.web.api_common import Cursor, Limit, PageOut, json_page
from ketnoi.web.deps import DB, CurrentActor

router = APIRouter(tags=["catalog"])


@router.get("/databases", response_model=PageOut[DatabaseOut], summary="Danh sách cơ sở dữ liệu")
def list_databases(
    db: DB,
    actor: CurrentActor,
    q: str | None = None,
    owner_unit_id: uuid.UUID | None = None,
    db_class: DatabaseClass | None = None,
    status: DatabaseStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> PageOut[DatabaseOut]:
    page = databases.list_databases(
        db,
        actor=actor,
        q=q,
        owner_unit_id=owner_unit_id,
        db_class=db_class,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return PageOut(items=[DatabaseOut.model_validate(d) for d in page.items], next_cursor=page.next_cursor)


@router.post("/databases", response_model=DatabaseOut, status_code=201, summary="Tạo cơ sở dữ liệu")
def create_database(db: DB, actor: CurrentActor, data: DatabaseIn) -> DatabaseOut:
    return DatabaseOut.model_validate(databases.create_database(db, actor=actor, data=data))


@router.get("/databases/{database_id}", response_model=DatabaseOut, summary="Chi tiết cơ sở dữ liệu")
def get_database(db: DB, actor: CurrentActor, database_id: uuid.UUID) -> DatabaseOut:
    return DatabaseOut.model_validate(databases.get_database(db, actor=actor, database_id=database_id))


@router.patch("/databases/{database_id}", response_model=DatabaseOut, summary="Sửa cơ sở dữ liệu")
def update_database(db: DB, actor: CurrentActor, database_id: uuid.UUID, patch: DatabasePatch) -> DatabaseOut:
    return DatabaseOut.model_validate(databases.update_database(db, actor=actor, database_id=database_id, patch=patch))


@router.delete("/databases/{database_id}", status_code=204, summary="Xoá cơ sở dữ liệu")
def delete_database(db: DB, actor: CurrentActor, database_id: uuid.UUID) -> Response:
    databases.delete_database(db, actor=actor, database_id=database_id)
    return Response(status_code=204)


def _dataset_out(view: datasets.DatasetView) -> DatasetDetailOut:
    out = DatasetDetailOut.model_validate(view.dataset)
    out.tags = view.tags
    out.items = [DataItemOut.model_validate(i) for i in view.items]
    out.resources = [ResourceOut.model_validate(r) for r in view.resources]
    return out


@router.get("/datasets", response_model=PageOut[DatasetOut], summary="Tìm kiếm bộ dữ liệu")
def list_datasets(
    db: DB,
    actor: CurrentActor,
    q: Annotated[str | None, Query(description="Từ khoá, có hoặc không dấu", max_length=200)] = None,
    organization_id: uuid.UUID | None = None,
    database_id: uuid.UUID | None = None,
    topic: str | None = None,
    tag: str | None = None,
    license_id: str | None = None,
    data_class: DataClass | None = None,
    update_frequency: str | None = None,
    visibility: Visibility | None = None,
    cursor: Cursor = None,
    limit: Limit = 25,
    include_total: bool = False,
) -> Response:
    filters = datasets.DatasetFilters(
        q=q,
        organization_id=organization_id,
        database_id=database_id,
        topic=topic,
        tag=tag,
        license_id=license_id,
        data_class=data_class,
        update_frequency=update_frequency,
        visibility=visibility,
    )
    page = datasets.list_datasets(db, actor=actor, filters=filters, cursor=cursor, limit=limit)
    out = [DatasetOut.model_validate(d) for d in page.items]
    total = datasets.count_datasets(db, actor=actor, filters=filters) if include_total else None
    return json_page(PageOut[DatasetOut](items=out, next_cursor=page.next_cursor, total=total))


@router.post("/datasets", response_model=DatasetDetailOut, status_code=201, summary="Tạo bộ dữ liệu")
def create_dataset(db: DB, actor: CurrentActor, data: DatasetIn) -> DatasetDetailOut:
    return _dataset_out(datasets.create_dataset(db, actor=actor, data=data))


@router.get("/datasets/{dataset_id}", response_model=DatasetDetailOut, summary="Chi tiết bộ dữ liệu")
def get_dataset(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> DatasetDetailOut:
    return _dataset_out(datasets.dataset_view(db, actor=actor, dataset_id=dataset_id))


@router.patch("/datasets/{dataset_id}", response_model=DatasetDetailOut, summary="Sửa bộ dữ liệu")
def update_dataset(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, patch: DatasetPatch) -> DatasetDetailOut:
    datasets.update_dataset(db, actor=actor, dataset_id=dataset_id, patch=patch)
    return _dataset_out(datasets.dataset_view(db, actor=actor, dataset_id=dataset_id))


@router.delete("/datasets/{dataset_id}", status_code=204, summary="Xoá bộ dữ liệu")
def delete_dataset(db: DB, actor: CurrentActor, dataset_id: uuid.UUID) -> Response:
    datasets.delete_dataset(db, actor=actor, dataset_id=dataset_id)
    return Response(status_code=204)


@router.post("/datasets/{dataset_id}/items", response_model=DataItemOut, status_code=201, summary="Thêm trường dữ liệu")
def add_item(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, data: DataItemIn) -> DataItemOut:
    return DataItemOut.model_validate(items.add_item(db, actor=actor, dataset_id=dataset_id, data=data))


@router.put("/datasets/{dataset_id}/items/{item_id}", response_model=DataItemOut, summary="Sửa trường dữ liệu")
def update_item(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, item_id: uuid.UUID, data: DataItemIn) -> DataItemOut:
    return DataItemOut.model_validate(items.update_item(db, actor=actor, dataset_id=dataset_id, item_id=item_id, data=data))


@router.delete("/datasets/{dataset_id}/items/{item_id}", status_code=204, summary="Xoá trường dữ liệu")
def delete_item(db: DB, actor: CurrentActor, dataset_id: uuid.UUID, item_id: uuid.UUID) -> Response:
    items.delete_item(db, actor=actor, dataset_id=dataset_id, item_id=item_id)
    return Response(status_code=204)


@router.post("/datasets/{dataset_id}/resources", response_model=ResourceOut, status_code=201, summary="Tải lên tài nguyên")
def add_resource(
    db: DB,
    actor: CurrentActor,
    dataset_id: uuid.UUID,
    file: Annotated[UploadFile, File()],
    name: Annotated[str | None, Form(max_length=255)] = None,
    description: Annotated[str | None, Form(max_length=5000)] = None,
) -> ResourceOut:
    resource = items.add_resource(
        db,
        actor=actor,
        dataset_id=dataset_id,
        name=name,
        description=description,
        filename=file.filename or "tep",
        stream=file.file,
        max_bytes=get_settings().max_upload_mb << 20,
    )
    return ResourceOut.model_validate(resource)


@router.get("/resources/{resource_id}", response_model=ResourceOut, summary="Chi tiết tài nguyên")
def get_resource(db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> ResourceOut:
    return ResourceOut.model_validate(items.get_resource(db, actor=actor, resource_id=resource_id))


@router.get("/resources/{resource_id}/download", summary="Tải tệp của tài nguyên")
def download_resource(db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> FileResponse:
    resource = items.get_resource(db, actor=actor, resource_id=resource_id)
    access.require_whole(db, actor=actor, resource=resource)  # a served table's hidden columns are in the file too
    path = files.path_of(resource.storage_key or "")
    return FileResponse(path, media_type=resource.media_type, filename=resource.original_filename)


@router.delete("/resources/{resource_id}", status_code=204, summary="Xoá tài nguyên")
def delete_resource(db: DB, actor: CurrentActor, resource_id: uuid.UUID) -> Response:
    items.delete_resource(db, actor=actor, resource_id=resource_id)
    return Response(status_code=204)
