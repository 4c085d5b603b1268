"""Web pages of data quality: a dataset's rules, runs and results; the ministry's overview by unit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
