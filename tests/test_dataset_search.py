"""Dataset search: every plan the services may choose gives what the definition says.

The definition (kit.search): a dataset matches when every folded word of the query starts a
folded word of its name, description or tags. On SQLite the services may add an FTS5 filter
(sparse queries) or drive a capped count from the FTS5 index; on PostgreSQL a trigram index
answers. Whatever the plan, the rows, the exact count and the capped count must agree with a
plain Python reading of the definition, for an administrator and for the public.
"""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy.orm import Session

from ketnoi.authz import PUBLIC, Actor
from ketnoi.catalog import datasets
from ketnoi.identity import system_actor
from ketnoi.kit.vn import fold
from tests import factories as f

WORDS = ["Cơ sở", "dữ liệu", "khoa học", "công nghệ", "Hà Nội", "đo lường", "sở hữu", "trí tuệ", "bản đồ", "an toàn", "2021", "thống kê"]
QUERIES = ["co so", "du lieu khoa hoc", "Hà Nội 2021", "đo", "so huu tri tue", "ban", "an", "thong ke 2021", "khong co gi", "d", "2"]


def _matches(text: str, query: str) -> bool:
    words = re.findall(r"\w+", fold(text))
    return all(any(word.startswith(term) for word in words) for term in re.findall(r"\w+", fold(query)))


@pytest.fixture
def catalog(db: Session) -> dict[str, bool]:
    """40 datasets with names drawn from WORDS, a third public: name -> public."""
    rng = random.Random(47)  # noqa: S311 - reproducible test data, not secrets
    base = f.database(db, f.unit(db))
    names: dict[str, bool] = {}
    for n in range(40):
        name = f"{' '.join(rng.sample(WORDS, 3))} {n}"
        public = n % 3 == 0
        f.dataset(db, base, name, visibility="public" if public else "internal")
        names[name] = public
    db.commit()
    return names


def _all_pages(db: Session, actor: Actor, query: str) -> list[str]:
    names: list[str] = []
    cursor = None
    while True:
        page = datasets.list_datasets(db, actor=actor, filters=datasets.DatasetFilters(q=query), cursor=cursor, limit=7)
        names += [row.name for row in page.items]
        if page.next_cursor is None:
            return names
        cursor = page.next_cursor


@pytest.mark.parametrize("sparse_below", [0, 10_000], ids=["scan plan", "fts plan"])
def test_every_plan_finds_what_the_definition_says(
    db: Session, catalog: dict[str, bool], sparse_below: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets, "SPARSE_MATCHES", sparse_below)  # which plan SQLite takes; PostgreSQL has one
    for actor, sees_all in ((system_actor(), True), (PUBLIC, False)):
        for query in QUERIES:
            expected = sorted(name for name, public in catalog.items() if (sees_all or public) and _matches(name, query))
            found = _all_pages(db, actor, query)
            assert sorted(found) == expected, (query, sees_all)
            filters = datasets.DatasetFilters(q=query)
            assert datasets.count_datasets(db, actor=actor, filters=filters) == len(expected), (query, sees_all)
            for cap in (0, 3, 100):
                capped = datasets.count_datasets(db, actor=actor, filters=filters, cap=cap)
                assert capped == min(len(expected), cap + 1), (query, sees_all, cap)


def test_some_queries_match_and_some_do_not(catalog: dict[str, bool]) -> None:
    """The catalogue above is not degenerate: the queries include hits, misses and partial words."""
    hits = {query: sum(_matches(name, query) for name in catalog) for query in QUERIES}
    assert hits["khong co gi"] == 0
    assert 0 < hits["du lieu khoa hoc"] < len(catalog)
    assert hits["an"] > 0 and hits["ban"] > 0
