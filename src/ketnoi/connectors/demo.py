"""The demo's data source: a unit's own system, synced into its dataset, so a newcomer sees it work.

"Hệ thống quản lý nhiệm vụ KH&CN" of the Cục Thông tin KH&CN quốc gia stands as a SQLite file in
KETNOI_SOURCE_SQLITE_DIR (`make run` sets it to var/demo_sources), with a `nhiem_vu` table of 300
tasks. The source reads it incrementally (cursor `cap_nhat_luc`, key `ma_nhiem_vu`) into the
dataset "Nhiệm vụ khoa học và công nghệ đang tiến hành": the demo syncs it once in full, then
changes a few rows in the file (new tasks, others finished) and syncs again, so the source's page
shows a full run and an incremental one, and the dataset's page its lineage.

Both syncs run inside the demo's own transaction (the loader commits once at the end): the same
steps as `sync.run_source`, without the separate transactions a sync of a committed source takes.
Without KETNOI_SOURCE_SQLITE_DIR (a node that never allowed SQLite sources) the source is left
out, with a line in the log saying how to have it.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, create_engine, select, update
from sqlalchemy.orm import Session

from ketnoi.authz import Actor
from ketnoi.catalog.models import Dataset
from ketnoi.connectors import service, sync
from ketnoi.connectors.models import DataSource, SyncMode
from ketnoi.connectors.schemas import SourceIn
from ketnoi.kit.clock import utcnow
from ketnoi.kit.vn import nfc
from ketnoi.settings import get_settings

log = logging.getLogger(__name__)

SOURCE_NAME = "Hệ thống quản lý nhiệm vụ KH&CN (Cục Thông tin KH&CN quốc gia)"
DATASET = "Nhiệm vụ khoa học và công nghệ đang tiến hành"
FILE_NAME = "he_thong_quan_ly_nhiem_vu.db"
ROWS = 300
INTERVAL = 60  # minutes

_TABLE = Table(
    "nhiem_vu",
    MetaData(),
    Column("ma_nhiem_vu", String(20), primary_key=True),
    Column("ten", String(500), nullable=False),
    Column("chu_nhiem", String(100)),
    Column("to_chuc_chu_tri", String(255)),
    Column("linh_vuc", String(100)),
    Column("nam_bat_dau", Integer),
    Column("kinh_phi_trieu_dong", Float),
    Column("trang_thai", String(50)),
    Column("cap_nhat_luc", DateTime, nullable=False),
)
_SUBJECTS = (
    ("Khoa học tự nhiên", ("vật liệu nano", "quang xúc tác", "mô hình khí hậu", "động lực học sông")),
    ("Khoa học kỹ thuật và công nghệ", ("trí tuệ nhân tạo", "chuỗi khối", "lưới điện thông minh", "cảm biến IoT")),
    ("Khoa học y, dược", ("vắc xin cúm gia cầm", "dược liệu bản địa", "chẩn đoán hình ảnh", "tế bào gốc")),
    ("Khoa học nông nghiệp", ("giống lúa chịu mặn", "nuôi tôm tuần hoàn", "phân bón vi sinh", "bảo quản sau thu hoạch")),
    ("Khoa học xã hội", ("chuyển đổi số cấp xã", "di sản văn hoá phi vật thể", "kinh tế tuần hoàn", "lao động di cư")),
)
_ACTIONS = ("Nghiên cứu", "Ứng dụng", "Phát triển", "Đánh giá", "Hoàn thiện công nghệ")
_PLACES = ("đồng bằng sông Cửu Long", "Tây Nguyên", "miền núi phía Bắc", "duyên hải Nam Trung Bộ", "Thành phố Hồ Chí Minh", "Hà Nội")
_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
_MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Quang", "Thanh", "Đức", "Ngọc")
_GIVEN = ("An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Sơn", "Thảo", "Tuấn")
_HOSTS = (
    "Viện Hàn lâm Khoa học và Công nghệ Việt Nam",
    "Đại học Quốc gia Hà Nội",
    "Đại học Bách khoa Hà Nội",
    "Viện Lúa đồng bằng sông Cửu Long",
    "Viện Vệ sinh dịch tễ Trung ương",
    "Trường Đại học Cần Thơ",
    "Viện Khoa học xã hội vùng Nam Bộ",
    "Trung tâm Công nghệ thông tin",
)
_STATES = ("Đang thực hiện", "Đang thực hiện", "Đang thực hiện", "Chờ nghiệm thu", "Gia hạn")


def load_demo(session: Session, actor: Actor) -> tuple[int, int]:
    """The demo source, made and synced twice where missing: (created, present), as the loader counts them."""
    if session.scalar(select(DataSource.id).where(DataSource.name == nfc(SOURCE_NAME))) is not None:
        return 0, 1
    folder = get_settings().source_sqlite_dir
    if folder is None:
        log.info("demo data source left out: set KETNOI_SOURCE_SQLITE_DIR (make run sets var/demo_sources) to have it")
        return 0, 0
    dataset = session.scalar(select(Dataset).where(Dataset.name == nfc(DATASET)))
    if dataset is None:
        raise LookupError(f"demo data source for a dataset that is not in the demo: {DATASET}")
    now = utcnow().replace(tzinfo=None, microsecond=0)
    path = Path(folder) / FILE_NAME
    url = f"sqlite:///{path}"
    _write_system(path, url, now)
    data = SourceIn(
        name=SOURCE_NAME,
        kind="database",
        dataset_id=dataset.id,
        config={"url": url, "object": "table", "table": "nhiem_vu"},
        mode=SyncMode.INCREMENTAL,
        cursor_column="cap_nhat_luc",
        key_columns=["ma_nhiem_vu"],
        interval_minutes=INTERVAL,
        keep_versions=10,
        enabled=True,
    )
    source = service.create_source(session, actor=actor, data=data)
    session.flush()
    sync.run_within(session, source, actor=actor)  # the first run: every row (no mark yet)
    _change_system(url, now)
    sync.run_within(session, source, actor=actor)  # the second: only what changed, merged by key
    source.next_run_at = utcnow() + timedelta(minutes=INTERVAL)  # the worker's next look, not at once
    return 1, 0


def _task(rng: random.Random, n: int, updated: datetime) -> dict[str, Any]:
    field, topics = rng.choice(_SUBJECTS)
    year = rng.choice((2022, 2023, 2024, 2025))
    return {
        "ma_nhiem_vu": f"ĐTĐL.{year}/{n:03d}" if n % 3 else f"KC.{year % 100:02d}.{n:03d}",
        "ten": nfc(f"{rng.choice(_ACTIONS)} {rng.choice(topics)} phục vụ phát triển {rng.choice(_PLACES)}"),
        "chu_nhiem": nfc(f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"),
        "to_chuc_chu_tri": rng.choice(_HOSTS),
        "linh_vuc": field,
        "nam_bat_dau": year,
        "kinh_phi_trieu_dong": float(rng.randrange(300, 12000, 50)),
        "trang_thai": rng.choice(_STATES),
        "cap_nhat_luc": updated,
    }


def _write_system(path: Path, url: str, now: datetime) -> None:
    """The unit's system as it stands before the demo's first sync (made again from scratch each time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    rng = random.Random(47)  # noqa: S311 - demo rows, the same on every machine (no secret)
    rows = [_task(rng, n, now - timedelta(days=400) + timedelta(hours=31 * n)) for n in range(1, ROWS + 1)]
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            _TABLE.create(connection)
            connection.execute(_TABLE.insert(), rows)
    finally:
        engine.dispose()


def _change_system(url: str, now: datetime) -> None:
    """What happened at the unit since: four new tasks registered, five finished and sent to acceptance."""
    rng = random.Random(2020)  # noqa: S311 - demo rows
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            changed = now - timedelta(hours=2)
            connection.execute(_TABLE.insert(), [_task(rng, n, changed) for n in range(ROWS + 1, ROWS + 5)])
            codes = list(connection.scalars(select(_TABLE.c.ma_nhiem_vu).order_by(_TABLE.c.ma_nhiem_vu).limit(5)))
            connection.execute(
                update(_TABLE).where(_TABLE.c.ma_nhiem_vu.in_(codes)).values(trang_thai="Chờ nghiệm thu", cap_nhat_luc=changed)
            )
    finally:
        engine.dispose()


REST_NAME = "API hồ sơ dịch vụ công trực tuyến (Cổng Dịch vụ công quốc gia)"
REST_DATASET = "Hồ sơ dịch vụ công trực tuyến"
REST_CONFIG = {
    "url": "https://api.dichvucong.gov.vn/v1/bo-khcn/ho-so",
    "auth": "oauth2",
    "token_url": "https://api.dichvucong.gov.vn/oauth/token",
    "client_id": "bo-khcn-ketnoi",
    "scope": "ho-so.doc",
    "paging": "cursor",
    "cursor_path": "meta.next_cursor",
    "cursor_param": "cursor",
    "page_size": 500,
    "size_param": "limit",
    "items_path": "data",
    "columns": {
        "ma_ho_so": "id",
        "thu_tuc": "procedure.name",
        "ma_thu_tuc": "procedure.code",
        "trang_thai": "status",
        "ngay_nop": "submitted_at",
        "cap_nhat_luc": "updated_at",
    },
    "types": {"ngay_nop": "datetime", "cap_nhat_luc": "datetime"},
    "since_param": "updated_since",
}


def load_rest_example(session: Session, actor: Actor) -> tuple[int, int]:
    """A REST source as a unit would set one up, switched off: this machine may have no way out to it,
    and its client secret is for the unit to type in. Made without resolving its host (the form would)."""
    from ketnoi.catalog.models import Resource
    from ketnoi.connectors import rest

    if session.scalar(select(DataSource.id).where(DataSource.name == nfc(REST_NAME))) is not None:
        return 0, 1
    dataset = session.scalar(select(Dataset).where(Dataset.name == nfc(REST_DATASET)))
    if dataset is None:
        raise LookupError(f"demo REST source for a dataset that is not in the demo: {REST_DATASET}")
    resource = Resource(
        dataset_id=dataset.id, name=nfc(REST_NAME), description="Dữ liệu được đồng bộ tự động từ hệ thống của đơn vị.", format="JSON"
    )
    session.add(resource)
    session.flush()
    source = DataSource(
        name=nfc(REST_NAME),
        kind="rest",
        dataset_id=dataset.id,
        resource_id=resource.id,
        config=rest.RestConfig.of(REST_CONFIG).as_dict(),
        mode=SyncMode.INCREMENTAL,
        cursor_column="cap_nhat_luc",
        key_columns=["ma_ho_so"],
        interval_minutes=30,
        enabled=False,
        keep_versions=10,
        created_by_id=actor.user_id,
    )
    session.add(source)
    session.flush()
    return 1, 0
