"""The demo ministry's official catalogs, built through the real services with the demo's administrator.

`load_examples(session)` runs after the demo inventory is loaded. The open-data catalog has a
published version 1 (decided seven months ago, so its six-monthly review is overdue: /catalogs
flags it) that left out the last dataset of the list, and a draft version 2 built from the inventory
as it is now, without the first dataset of the list (proposed for removal, with a note): the diff of
version 2 shows one dataset added and one removed. Present when an open-data version exists: a
second run adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketnoi.auth.models import User
from ketnoi.authz import Actor
from ketnoi.governance import decisions
from ketnoi.governance.decisions_models import ApproveIn, CatalogEntry, CatalogKind, CatalogVersion, ReturnIn
from ketnoi.identity import actor_for, system_actor

REMOVAL_NOTE = "Đơn vị chủ quản đề nghị đưa ra khỏi danh mục dữ liệu mở do đang chuẩn hóa lại dữ liệu."


def _admin(session: Session) -> Actor:
    user = session.scalar(select(User).where(User.username == "admin", User.is_active.is_(True)))
    return actor_for(session, user) if user else system_actor()


def load_examples(session: Session, *, today: date | None = None) -> tuple[int, int]:
    """Create the open-data catalog's two versions when missing; (created, already present)."""
    present = session.scalar(select(func.count()).select_from(CatalogVersion).where(CatalogVersion.kind == CatalogKind.OPEN_DATA)) or 0
    if present:
        return 0, present
    admin = _admin(session)
    day = today or decisions.today()
    first = decisions.new_version(session, actor=admin, kind=CatalogKind.OPEN_DATA)
    listed = decisions.entries(session, first)
    if len(listed) < 2:  # an inventory without open data: nothing to show
        return 1, 0
    decisions.remove_entry(session, actor=admin, version_id=first.id, entry_id=listed[-1].id)
    decisions.submit(session, actor=admin, version_id=first.id)
    decided = day - timedelta(days=213)  # about seven months ago
    approval = ApproveIn(
        decision_number=f"{1000 + decided.timetuple().tm_yday}/QĐ-BKHCN",
        decision_date=decided,
        signer_name="Hoàng Minh",
        signer_title="KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG",
    )
    decisions.approve(session, actor=admin, version_id=first.id, data=approval)
    decisions.publish(session, actor=admin, version_id=first.id)
    second = decisions.new_version(session, actor=admin, kind=CatalogKind.OPEN_DATA)
    drop = session.scalar(select(CatalogEntry).where(CatalogEntry.version_id == second.id, CatalogEntry.position == 1))
    if drop is not None:
        decisions.remove_entry(session, actor=admin, version_id=second.id, entry_id=drop.id)
    decisions.submit(session, actor=admin, version_id=second.id)
    decisions.return_to_draft(session, actor=admin, version_id=second.id, data=ReturnIn(note=REMOVAL_NOTE))
    session.flush()
    return 2, 0
