"""Ingestion as a background job: an upload from the web or the API is loaded by the worker."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from ketnoi import files
from ketnoi.auth.models import User
from ketnoi.datastore import tables
from ketnoi.datastore.infer import field_of
from ketnoi.datastore.ingest import IngestOptions, ingest
from ketnoi.identity import actor_for
from ketnoi.jobs.models import Job
from ketnoi.jobs.queue import job, report_progress
from ketnoi.kit.errors import Forbidden

INGEST = "datastore.ingest"
SEARCH_INDEX = "datastore.search_index"
ANALYZE = "datastore.analyze"


@job(INGEST)
def ingest_upload(
    session: Session,
    job: Job,
    *,
    resource_id: str,
    key: str,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    bad_rows: str = "reject",
    fields: list[dict[str, Any]] | None = None,
) -> None:
    """Load a stored file as the resource's next version, as the person who asked (their rights now)."""
    user = session.get(User, job.created_by_id) if job.created_by_id else None
    if user is None or not user.is_active:
        raise Forbidden("Tài khoản yêu cầu nạp dữ liệu không còn hoạt động.")
    schema = [field_of(d) for d in fields] if fields else None  # the steward's edited dictionary
    options = IngestOptions(format=format, encoding=encoding, sheet=sheet, bad_rows=bad_rows, fields=schema)
    version = ingest(
        session,
        actor=actor_for(session, user),
        resource_id=uuid.UUID(resource_id),
        path=files.path_of(key),
        options=options,
        original=files.stored(key),  # already in the store: not copied again
        progress=lambda done: report_progress(job.id, done),
    )
    job.total = job.progress = version.row_count
    rows = f"{version.row_count:,}".replace(",", ".")
    bad = f"; {version.bad_row_count} dòng lỗi được tách riêng" if version.bad_row_count else ""
    job.message = f"Đã nạp {rows} dòng (phiên bản {version.version}, bảng mã {version.encoding}){bad}."


@job(SEARCH_INDEX)
def index_search(session: Session, job: Job, *, table_name: str) -> None:
    """PostgreSQL: the word-search index of a table just loaded (see tables.index_search)."""
    built = tables.index_search(session.connection(), table_name)
    job.message = "Đã lập chỉ mục tìm kiếm." if built else "Bảng đã được thay bằng phiên bản khác: không cần chỉ mục."


@job(ANALYZE)
def analyze(session: Session, job: Job, *, table_name: str) -> None:
    """The planner's statistics of a table just loaded (see tables.analyze), on a connection of its own."""
    done = tables.analyze(session.get_bind().engine, table_name)
    job.message = "Đã cập nhật thống kê của bảng." if done else "Bảng đã được thay bằng phiên bản khác: không cần thống kê."


REBUILD_HISTORY = "datastore.rebuild_history"


@job(REBUILD_HISTORY)
def rebuild_history(session: Session, job: Job, *, version_id: str) -> None:
    """The table of a version an incremental sync changed in place (see datastore.history)."""
    from ketnoi.datastore import history

    done = history.rebuild_by_id(session, uuid.UUID(version_id))
    job.message = "Đã dựng lại bảng của phiên bản trước." if done else "Không còn gì để dựng lại."
