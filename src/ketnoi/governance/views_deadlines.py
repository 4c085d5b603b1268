"""Web pages of deadlines and cycles as data, with their legal basis."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
