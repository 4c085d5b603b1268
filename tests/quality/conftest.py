"""A research-project register loaded in the datastore, with defects planted at known rows.

Row n (1-based, its `_id` in the table) is a project; the defects sit at fixed rows so the
tests can assert exact counts and the exact sample of failing row ids.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from tests import factories as f

from ketnoi.catalog import items
from ketnoi.catalog.models import DataItem
from ketnoi.datastore import ingest as datastore
from ketnoi.identity import system_actor

ROWS = 300
HEADER = ["ma_de_tai", "ten_de_tai", "nam_bat_dau", "nam_ket_thuc", "kinh_phi", "email", "so_dien_thoai", "tinh_thanh", "ngay_cap_nhat"]
EMAIL_MISSING = {7, 19, 140, 222, 299}
DUPLICATED = {50: 10, 60: 20, 70: 20}  # row → the row whose code it repeats
BAD_PHONE = {3, 33, 133, 233}
END_BEFORE_START = {12, 120}
BUDGET_OUT = {44, 250}
PROVINCES = ["Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "TP. Hồ Chí Minh"]


def code(n: int) -> str:
    return f"DT-2021-{DUPLICATED.get(n, n):06d}"


def row(n: int) -> list[str]:
    start = 2018 + n % 5
    return [
        code(n),
        f"Đề tài nghiên cứu số {n}",
        str(start),
        str(start - 1 if n in END_BEFORE_START else start + 2),
        "60000" if n in BUDGET_OUT else str(100 + n),
        "" if n in EMAIL_MISSING else f"chu.nhiem{n}@vien.gov.vn",
        "12345" if n in BAD_PHONE else f"09{n:08d}",
        PROVINCES[n % len(PROVINCES)],
        f"2024-{1 + n % 12:02d}-15",
    ]


@dataclass(frozen=True)
class Register:
    dataset_id: uuid.UUID
    resource_id: uuid.UUID
    unit_id: uuid.UUID


def load_register(db: Session, tmp_path: Path, name: str = "Đề tài khoa học", rows: int = ROWS, personal: tuple[str, ...] = ()) -> Register:
    unit = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia")
    view = f.dataset(db, f.database(db, unit), name)
    for column in personal:  # a data item marked personal: its column is hidden from other units
        db.add(DataItem(dataset_id=view.dataset.id, name=column, title=column, is_personal=True))
    db.flush()
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *(row(n) for n in range(1, rows + 1))])
    resource = items.add_resource(
        db,
        actor=system_actor(),
        dataset_id=view.dataset.id,
        name="Danh mục đề tài",
        description=None,
        filename="de_tai.csv",
        stream=io.BytesIO(out.getvalue().encode()),
        max_bytes=1 << 24,
    )
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    datastore.ingest(db, actor=system_actor(), resource_id=resource.id, path=path)
    db.flush()
    return Register(view.dataset.id, resource.id, unit.id)


@pytest.fixture
def register(db: Session, tmp_path: Path) -> Register:
    loaded = load_register(db, tmp_path)
    db.commit()
    return loaded
