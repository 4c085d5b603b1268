"""Web pages of quality incidents."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
