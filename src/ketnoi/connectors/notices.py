"""Who hears of a failed sync: the stewards of the unit that owns the dataset, and who set the source up."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Role
from ketnoi.catalog.models import Dataset
from ketnoi.connectors.models import DataSource, SyncRun
from ketnoi.identity import system_actor
from ketnoi.notify.service import notify


def sync_failed(session: Session, source: DataSource, run: SyncRun) -> None:
    dataset = session.get(Dataset, source.dataset_id)
    recipients: set[uuid.UUID] = set()
    if dataset is not None:
        stewards = select(User.id).where(User.is_active.is_(True), User.role == Role.STEWARD, User.unit_id == dataset.owner_unit_id)
        recipients.update(session.scalars(stewards))
    if source.created_by_id is not None:
        recipients.add(source.created_by_id)
    if recipients:
        notify(
            session,
            actor=system_actor(),
            user_ids=sorted(recipients),
            subject=f"Đồng bộ nguồn «{source.name}» thất bại",
            body=f"{run.error or ''}\nBảng dữ liệu đang phục vụ vẫn giữ nguyên như lần đồng bộ thành công trước.",
            link=f"/sources/{source.id}",
        )
