"""Diacritic-insensitive, word-prefix search over a folded text column.

A record's `search_text` is its folded words (kit.vn.fold), each preceded by a space:
" co so du lieu quoc gia ve khoa hoc". A query matches when every folded word of it starts a
word of the record: `LIKE '% khoa%'`. "co so du lieu khoa hoc" finds "Cơ sở dữ liệu … khoa
học"; "an" does not find "bản". The same semantics on both databases; PostgreSQL answers it
from a trigram index, SQLite from an FTS5 index (see `fts_filter`), each made by the migrations.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, literal_column, text, true
from sqlalchemy import table as table_clause
from sqlalchemy.orm import InstrumentedAttribute, Session

from ketnoi.kit.vn import fold, unmarked

_WORD = re.compile(r"\w+")
MAX_TERMS = 12


def terms_of(query: str | None) -> list[str]:
    """The folded words of a query (at most MAX_TERMS: a pasted paragraph is not a search)."""
    return _WORD.findall(fold(query or ""))[:MAX_TERMS]


def search_text(*parts: str | None) -> str:
    words = _WORD.findall(unmarked(" ".join(p for p in parts if p)))
    return " " + " ".join(words) if words else ""


def matches(column: InstrumentedAttribute[str] | ColumnElement[str], query: str | None) -> Any:
    terms = terms_of(query)
    if not terms:
        return true()
    return and_(*(column.contains(" " + term, autoescape=True) for term in terms))


def _fts_expression(terms: list[str]) -> str:
    return " AND ".join(f'"{term}"*' for term in terms)  # \\w words: no quote can occur


def fts_sparse(session: Session, fts_table: str, query: str | None, *, below: int) -> bool:
    """SQLite: does the FTS5 index find fewer than `below` records for this query?

    Then reading those rows and sorting them is cheap. A common word is the opposite case:
    walking the name index and testing LIKE stops after one page, while fetching thousands of
    matches from the index and sorting them is what would be slow.
    """
    terms = terms_of(query)
    if not terms:
        return False
    # A page asks twice (its rows, then its count): probe once per transaction. The answer only
    # chooses a plan, never what matches, so a stale one cannot change a result.
    cache: dict[tuple[str, str, int], bool] = session.info.setdefault("fts_sparse", {})
    key = (fts_table, " ".join(terms), below)
    if key not in cache:
        cache[key] = _probe(session, fts_table, terms, below)
    return cache[key]


def _probe(session: Session, fts_table: str, terms: list[str], below: int) -> bool:
    # The table name is a constant of the calling module, never user input; the query is bound.
    probe = text(f"SELECT count(*) FROM (SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :q LIMIT :n)")  # noqa: S608
    found = session.execute(probe, {"q": _fts_expression(terms), "n": below}).scalar_one()
    return int(found) < below


def fts_filter(table: str, fts_table: str, query: str | None) -> Any:
    """SQLite: rowids of `table` whose FTS5 index has every word as a prefix of a token.

    Added beside `matches` (which stays the definition) when `fts_sparse` says it pays.
    """
    terms = terms_of(query)
    if not terms:
        return true()
    # Table names are constants of the calling module, never user input; the query is bound.
    sql = f"{table}.rowid IN (SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :fts_query)"  # noqa: S608
    return text(sql).bindparams(fts_query=_fts_expression(terms))


def fts_join(query: Select[Any], table: str, fts_table: str, search: str | None) -> Select[Any]:
    """SQLite: `query` driven by the FTS5 index, joined to `table` by rowid, for counting.

    The index hands out matching rowids in order and one at a time: a count reads only the
    matching rows, and one capped by a LIMIT stops after cap matches whatever the word's
    frequency, where `fts_filter`'s IN (…) would first read every match. `matches` stays in the
    query as the definition.
    """
    terms = terms_of(search)
    if not terms:
        return query
    fts = table_clause(fts_table, column("rowid"))
    rowid: ColumnElement[int] = literal_column(f"{table}.rowid")
    # The table names are constants of the calling module, never user input; the query is bound.
    match = text(f"{fts_table} MATCH :fts_query").bindparams(fts_query=_fts_expression(terms))
    return query.join(fts, fts.c.rowid == rowid).where(match)
