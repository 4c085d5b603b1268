"""Web pages of the yearly quality inspection, its unit reports, the ministry's report and the improvement plans."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
