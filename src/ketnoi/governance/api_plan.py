"""JSON API of the plan tracker: the seed plan's tasks, their instances per period, progress reports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
