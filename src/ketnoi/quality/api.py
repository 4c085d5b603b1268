"""JSON API of data quality: rules, runs, results of a dataset."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
