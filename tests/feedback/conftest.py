"""A unit with a public and an internal dataset, its steward and focal point, another unit's steward,
an administrator; the senders of feedback; the rate-limit counters emptied around each test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset
from ketnoi.feedback import antispam
from ketnoi.feedback.antispam import Client
from ketnoi.feedback.schemas import FeedbackIn, RequestIn
from ketnoi.identity import actor_for, system_actor
from ketnoi.kit.validation import parse
from ketnoi.org import service as org
from ketnoi.org.models import Organization
from ketnoi.org.schemas import FocalPointIn
from ketnoi.sharing.limiter import storage
from tests import factories as f

FOCAL_EMAIL = "daumoi.shtt@most.gov.vn"
AUTHOR_EMAIL = "nguoi.gui@example.vn"
VISITOR = Client("203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
OTHER_VISITOR = Client("198.51.100.20", "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0")


@dataclass
class World:
    unit: Organization
    other_unit: Organization
    dataset: Dataset
    internal: Dataset
    steward: Actor
    other_steward: Actor
    admin: Actor


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    storage().reset()
    yield
    storage().reset()


@pytest.fixture
def world(db: Session) -> World:
    unit = f.unit(db, "Cục Sở hữu trí tuệ")
    other = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    database = f.database(db, unit, "Cơ sở dữ liệu sở hữu công nghiệp")
    dataset = f.dataset(db, database, "Đơn đăng ký nhãn hiệu", visibility="public").dataset
    internal = f.dataset(db, database, "Hồ sơ thẩm định nội bộ").dataset
    point = FocalPointIn(full_name="Lê Thị Đầu Mối", email=FOCAL_EMAIL, started_on=date(2025, 1, 1))
    org.appoint_focal_point(db, actor=system_actor(), org_id=unit.id, data=point)
    world = World(
        unit=unit,
        other_unit=other,
        dataset=dataset,
        internal=internal,
        steward=actor_for(db, f.user(db, "steward", unit, username="canbo")),
        other_steward=actor_for(db, f.user(db, "steward", other, username="canbokhac")),
        admin=actor_for(db, f.user(db, "admin", username="quantri")),
    )
    db.commit()
    return world


def token() -> str:
    """A form drawn ten seconds ago: past the minimum, well within the maximum."""
    return antispam.issue_token(at=time.time() - 10)


def comment(**changes: Any) -> FeedbackIn:
    values = {"kind": "comment", "body": "Đề nghị bổ sung cột mã tỉnh theo danh mục hành chính mới.", "form_token": token()}
    return parse(FeedbackIn, values | changes)


def request_in(title: str = "Danh sách nhãn hiệu được bảo hộ theo tỉnh", **changes: Any) -> RequestIn:
    values = {"title": title, "body": "Phục vụ nghiên cứu phát triển thương hiệu địa phương.", "form_token": token()}
    return parse(RequestIn, values | changes)
