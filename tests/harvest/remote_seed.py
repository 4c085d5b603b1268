"""Run inside the REMOTE ketnoi's environment (its own database): build or change its open data.

    python -m tests.harvest.remote_seed seed                  → JSON {title: dataset id}
    python -m tests.harvest.remote_seed retitle ID TITLE      (a new updated_at, as any edit)
    python -m tests.harvest.remote_seed add-resource ID NAME  (a file; with a retitle, the dataset changed)
    python -m tests.harvest.remote_seed hide ID               (made internal: gone from the open catalog)

Everything goes through the real services, as an operator's script would.
"""

from __future__ import annotations

import io
import json
import sys
import uuid

from sqlalchemy.orm import Session

from ketnoi.catalog import datasets, items
from ketnoi.catalog.schemas import DatasetPatch
from ketnoi.db import unit_of_work
from ketnoi.identity import system_actor
from tests import factories as f

CSV = "Mã,Tỉnh,Năm\nDT-01,Hà Nội,2021\nDT-02,Huế,2022\n".encode()


def _file(session: Session, dataset_id: uuid.UUID, name: str, filename: str, content: bytes) -> None:
    items.add_resource(
        session,
        actor=system_actor(),
        dataset_id=dataset_id,
        name=name,
        description=None,
        filename=filename,
        stream=io.BytesIO(content),
        max_bytes=1 << 20,
    )


def seed() -> dict[str, str]:
    with unit_of_work() as db:
        a = f.unit(db, "Cục Thông tin khoa học và công nghệ quốc gia", short_name="Cục TTKHCN")
        b = f.unit(db, "Vụ Kế hoạch - Tài chính", short_name="Vụ KHTC")
        db_a, db_b = f.database(db, a), f.database(db, b)
        rice = f.dataset(db, db_a, "Giống lúa chịu mặn Đồng bằng sông Cửu Long", description="Các đề tài về giống lúa chịu mặn.",
                         visibility="public", topic="khcn", tags=["lúa gạo", "giống"], license_id="cc-by-4.0",
                         update_frequency="annual").dataset  # fmt: skip
        patents = f.dataset(db, db_a, "Bằng độc quyền sáng chế", visibility="public", topic="so-huu-tri-tue", tags=["sáng chế"],
                            license_id="cc0-1.0").dataset  # fmt: skip
        labs = f.dataset(db, db_b, "Phòng thí nghiệm trọng điểm", visibility="public", topic="nang-luong-nguyen-tu",
                         license_id="cc-by-4.0").dataset  # fmt: skip
        internal = f.dataset(db, db_b, "Lương cán bộ", topic="tai-chinh").dataset
        _file(db, rice.id, "Danh sách đề tài", "de_tai.csv", CSV)
        _file(db, patents.id, "Báo cáo tổng hợp", "bao_cao.pdf", b"%PDF-1.4\n% bao cao\n")
        return {ds.name: str(ds.id) for ds in (rice, patents, labs, internal)}


def retitle(dataset_id: str, title: str) -> None:
    with unit_of_work() as db:
        datasets.update_dataset(db, actor=system_actor(), dataset_id=uuid.UUID(dataset_id), patch=DatasetPatch(name=title))


def add_resource(dataset_id: str, name: str) -> None:
    with unit_of_work() as db:
        _file(db, uuid.UUID(dataset_id), name, "them.csv", CSV)


def hide(dataset_id: str) -> None:
    with unit_of_work() as db:
        datasets.update_dataset(db, actor=system_actor(), dataset_id=uuid.UUID(dataset_id), patch=DatasetPatch(visibility="internal"))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "seed":
        sys.stdout.write(json.dumps(seed(), ensure_ascii=False))
    elif command == "retitle":
        retitle(*args)
    elif command == "add-resource":
        add_resource(*args)
    elif command == "hide":
        hide(*args)
    else:
        raise SystemExit(f"unknown command {command}")
