"""Diacritic-insensitive search over a folded text column (see kit.vn.fold)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, true
from sqlalchemy.orm import InstrumentedAttribute

from ketnoi.kit.vn import fold, search_terms


def matches(column: InstrumentedAttribute[str], query: str | None) -> Any:
    """Every word of the query occurs in the column ('co so du lieu khoa hoc' finds 'Cơ sở dữ liệu … khoa học')."""
    terms = search_terms(query or "")
    if not terms:
        return true()
    return and_(*(column.contains(term, autoescape=True) for term in terms))


def search_text(*parts: str | None) -> str:
    return fold(" ".join(p for p in parts if p))
