"""A small open-data catalog built through the real services, shared by the portal's tests.

Two units; three public datasets and one internal one; the first public dataset has a CSV loaded
into the datastore whose `ho_ten` column is personal data (hidden from the public).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ketnoi.catalog import items
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore import ingest
from ketnoi.identity import system_actor
from tests import factories as f
from tests.datastore.conftest import as_csv

HEADER = ["Mã", "Tỉnh", "Năm", "Kinh phí", "Họ tên"]
ROWS = [
    ["DT-01", "Hà Nội", "2021", "100", "Nguyễn Văn A"],
    ["DT-02", "Huế", "2022", "250", "Trần Thị B"],
    ["DT-03", "Hà Nội", "2023", "75", "Lê Văn C"],
    ["DT-04", "Cần Thơ", "2023", "", "Phạm Thị D"],
]


@dataclass
class OpenData:
    unit_a: uuid.UUID
    unit_b: uuid.UUID
    rice: uuid.UUID  # public, unit A, CSV in the datastore, topic khcn, tags lúa gạo + giống
    patents: uuid.UUID  # public, unit A, topic so-huu-tri-tue, tag sáng chế
    labs: uuid.UUID  # public, unit B, no resource
    internal: uuid.UUID  # internal, unit B
    resource: uuid.UUID  # the rice dataset's CSV


def build(db: Session, tmp_path: Path) -> OpenData:
    a = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia", short_name="Cục TTKHCN", email="cuc@most.gov.vn")
    b = f.unit(db, "Vụ Kế hoạch - Tài chính", short_name="Vụ KHTC")
    db_a, db_b = f.database(db, a), f.database(db, b)
    rice = f.dataset(
        db,
        db_a,
        "Giống lúa chịu mặn Đồng bằng sông Cửu Long",
        description="Các đề tài về giống lúa chịu mặn.",
        visibility="public",
        topic="khcn",
        tags=["lúa gạo", "giống"],
        license_id="cc-by-4.0",
        update_frequency="annual",
    ).dataset
    patents = f.dataset(
        db, db_a, "Bằng độc quyền sáng chế", visibility="public", topic="so-huu-tri-tue", tags=["sáng chế"], license_id="cc0-1.0"
    ).dataset
    labs = f.dataset(db, db_b, "Phòng thí nghiệm trọng điểm", visibility="public", topic="khcn", license_id="cc-by-4.0").dataset
    internal = f.dataset(db, db_b, "Lương cán bộ", topic="tai-chinh").dataset
    for position, (name, title) in enumerate([("ma", "Mã"), ("tinh", "Tỉnh"), ("nam", "Năm"), ("kinh_phi", "Kinh phí")]):
        data = DataItemIn(name=name, title=title, sharing_form="open", position=position, data_type="string")
        items.add_item(db, actor=system_actor(), dataset_id=rice.id, data=data)
    personal = DataItemIn(name="ho_ten", title="Họ tên", sharing_form="specific_request", is_personal=True, position=9)
    items.add_item(db, actor=system_actor(), dataset_id=rice.id, data=personal)
    resource = items.add_resource(
        db,
        actor=system_actor(),
        dataset_id=rice.id,
        name="Danh sách đề tài",
        description=None,
        filename="de_tai.csv",
        stream=io.BytesIO(as_csv([HEADER, *ROWS])),
        max_bytes=1 << 20,
    )
    path = tmp_path / "de_tai.csv"
    path.write_bytes(as_csv([HEADER, *ROWS]))
    ingest.ingest(db, actor=system_actor(), resource_id=resource.id, path=path)
    db.commit()
    return OpenData(a.id, b.id, rice.id, patents.id, labs.id, internal.id, resource.id)
