"""Everything the demo loads, in load order (parents before children, databases before datasets)."""

from __future__ import annotations

from ketnoi.demo.data_ministry import MINISTRY_DATABASES
from ketnoi.demo.data_national import NATIONAL_DATABASES
from ketnoi.demo.data_org import ACCOUNTS, FOCAL_POINTS, MINISTRY, ORGANIZATIONS
from ketnoi.demo.data_sector import SECTOR_DATABASES
from ketnoi.demo.specs import DatabaseSpec

DATABASES: tuple[DatabaseSpec, ...] = (*NATIONAL_DATABASES, *SECTOR_DATABASES, *MINISTRY_DATABASES)

# (dataset name, file in demo/files, resource title): loaded into the datastore by the demo.
DATA_FILES: tuple[tuple[str, str, str], ...] = (
    (
        "Nhiệm vụ khoa học và công nghệ đang tiến hành",
        "nhiem_vu_dang_tien_hanh.tcvn3.csv",
        "Danh mục nhiệm vụ đang tiến hành (tháng 11/2021)",
    ),
)

__all__ = ["ACCOUNTS", "DATABASES", "DATA_FILES", "FOCAL_POINTS", "MINISTRY", "ORGANIZATIONS"]
