"""The HTML pages: every domain's views router."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
