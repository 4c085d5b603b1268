"""JSON API of the yearly quality inspection."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
