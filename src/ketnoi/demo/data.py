"""Everything the demo loads, in load order (parents before children, databases before datasets)."""

from __future__ import annotations

from ketnoi.demo.data_ministry import MINISTRY_DATABASES
from ketnoi.demo.data_national import NATIONAL_DATABASES
from ketnoi.demo.data_org import ACCOUNTS, FOCAL_POINTS, MINISTRY, ORGANIZATIONS
from ketnoi.demo.data_sector import SECTOR_DATABASES
from ketnoi.demo.specs import DatabaseSpec

DATABASES: tuple[DatabaseSpec, ...] = (*NATIONAL_DATABASES, *SECTOR_DATABASES, *MINISTRY_DATABASES)

__all__ = ["ACCOUNTS", "DATABASES", "FOCAL_POINTS", "MINISTRY", "ORGANIZATIONS"]
