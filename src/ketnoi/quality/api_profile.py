"""JSON API of a table's profile and the rules it suggests."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
