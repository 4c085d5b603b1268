"""The demo's national registration: one successful push in the past, and no target configured
(a newcomer's `make run` sends nothing anywhere; the page shows what a push looks like)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from ketnoi.kit.clock import utcnow
from ketnoi.national import export
from ketnoi.national.models import NationalPush, PushStatus, PushTrigger

DEMO_TARGET = "https://cong-du-lieu-quoc-gia.example/api/dang-ky"  # an example address (.example): never called


def load_demo(session: Session) -> NationalPush:
    """Record the push of today's catalogs as made yesterday, taken by the portal (HTTP 202)."""
    made = export.bundle(session)
    record = NationalPush(
        id=uuid.uuid4(), at=utcnow() - timedelta(days=1), trigger=PushTrigger.CHANGE, target_url=DEMO_TARGET,
        fingerprint=made.fingerprint, status=PushStatus.OK, http_status=202, error=None, attempts=1,
        services=made.service_count, datasets=made.datasets,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return record
