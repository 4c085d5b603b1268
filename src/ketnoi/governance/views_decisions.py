"""Web pages of official catalogs as versioned decisions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
