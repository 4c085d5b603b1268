"""Run inside the PEER ketnoi's environment (its own database): what a province's node offers us.

    python -m tests.federation.peer_seed seed   → JSON {client_id, client_secret, admin_token, services}

A unit with a loaded table behind two published services (one shared by default, one on specific
request), an administrator's API token, and the application our node uses there ("the ministry's
node") with a client secret, as the peer's administrator would issue them. All through the real services.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

from ketnoi.auth import service as auth
from ketnoi.catalog import items
from ketnoi.catalog.schemas import DataItemIn
from ketnoi.datastore.ingest import ingest
from ketnoi.db import unit_of_work
from ketnoi.identity import actor_for, system_actor
from ketnoi.org.models import OrgKind
from ketnoi.sharing import consumers, registry
from ketnoi.sharing.schemas import ServiceIn
from tests import factories as f

HEADER = ["Mã số doanh nghiệp", "Tên doanh nghiệp", "Huyện"]
ROWS = [["2300000001", "Công ty TNHH Kinh Bắc", "Từ Sơn"], ["2300000002", "Công ty CP Gốm Phù Lãng", "Quế Võ"],
        ["2300000003", "HTX Gạo Thuận Thành", "Thuận Thành"]]  # fmt: skip
ITEMS = [("ma_so_doanh_nghiep", "Mã số doanh nghiệp"), ("ten_doanh_nghiep", "Tên doanh nghiệp"), ("huyen", "Huyện")]
SERVICES = {"DV.BN.DOANHNGHIEP": "default_shared", "DV.BN.DATDAI": "specific_request"}


def seed() -> dict[str, object]:
    with unit_of_work() as db:
        unit = f.unit(db, "Sở Kế hoạch và Đầu tư tỉnh Bắc Ninh")
        dataset = f.dataset(db, f.database(db, unit), "Doanh nghiệp trên địa bàn tỉnh").dataset
        for name, title in ITEMS:
            data = DataItemIn(name=name, title=title, sharing_form="default_shared")  # type: ignore[arg-type]
            items.add_item(db, actor=system_actor(), dataset_id=dataset.id, data=data)
        resource = items.add_resource(db, actor=system_actor(), dataset_id=dataset.id, name="Doanh nghiệp", description=None,
                                      filename="doanh_nghiep.csv", stream=io.BytesIO(b"x"), max_bytes=1 << 20)  # fmt: skip
        admin = actor_for(db, f.user(db, "admin", username="quantri"))
        for code, form in SERVICES.items():
            values = {"code": code, "name": f"Tra cứu {code}", "owner_unit_id": unit.id, "dataset_id": dataset.id,
                      "data_items": [n for n, _ in ITEMS], "sharing_form": form}  # fmt: skip
            made = registry.create_service(db, actor=admin, data=ServiceIn.model_validate(values)).service
            registry.mark_ready(db, actor=admin, service_id=made.id)
            registry.publish(db, actor=admin, service_id=made.id)
        ministry = f.unit(db, "Bộ Khoa học và Công nghệ", kind=OrgKind.AGENCY)
        app = consumers.register_app(db, actor=admin, organization_id=ministry.id, name="Nút ketnoi của Bộ KH&CN", description=None)
        issued = consumers.issue_credential(db, actor=admin, app_id=app.id, kind="client_secret")
        _, token = auth.create_token(db, actor=admin, name="kiểm thử")
        out: dict[str, object] = {"client_id": issued.credential.client_id, "client_secret": issued.secret, "admin_token": token,
                                  "services": list(SERVICES)}  # fmt: skip
        resource_id = resource.id
    path = Path(os.environ["KETNOI_VAR_DIR"]) / "doanh_nghiep.csv"
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([HEADER, *ROWS])
    path.write_bytes(text.getvalue().encode())
    with unit_of_work() as db:
        ingest(db, actor=system_actor(), resource_id=resource_id, path=path)
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["seed"]:
        raise SystemExit("usage: python -m tests.federation.peer_seed seed")
    sys.stdout.write(json.dumps(seed(), ensure_ascii=False))
