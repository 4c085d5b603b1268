"""JSON API of quality incidents (staff, and data consumers reporting an error)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
