"""Datasette, the reference the catalog benchmark measures ketnoi against (SQLite only).

Datasette 0.65.5 (the version of ../shared/bench/RESULTS.md) serves the very SQLite file ketnoi
was measured on, searching the same FTS5 index (`datasets_fts`, declared to it in metadata since
its detection only knows content="…" written with double quotes) for the same words: each query
of catalog_queries.txt is folded as ketnoi folds it and sent as the FTS5 expression ketnoi's
SQLite plan uses (`_searchmode=raw`), sorted by name, 25 rows a page. Datasette has no accounts:
every request sees all 50,000 datasets, as ketnoi's administrator does, so the comparison is with
ketnoi's admin runs. What each endpoint is compared with:

    api list        /ketnoi/datasets.json?…&_nocount=1&_nosuggest=1   a page, no count
    api list+total  /ketnoi/datasets.json?…&_nosuggest=1              a page and the exact count
    html list page  /ketnoi/datasets?…                                Datasette's own table page, as it ships
    portal search page   /ketnoi/datasets?…&visibility=public&_facet=…  public rows, newest first, five facets
    ckan package_search  /ketnoi/datasets.json?… (the same, as JSON)

Datasette runs from its own virtualenv (bench/.venv-ref, made on first use with pip), so its
pinned dependencies never meet ketnoi's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import benchlib

from ketnoi.kit.search import terms_of  # reads no settings: safe to import in the benchmark's process

DATASETTE = "datasette==0.65.5"
VENV = benchlib.BENCH / ".venv-ref"
NAME = "datasette 0.65.5"
SPEEDUPS = ("uvloop", "httptools")  # the event loop and HTTP parser uvicorn uses when present (ketnoi's venv has them)
_SEARCH = "_search={q}&_searchmode=raw&_sort=name&_size=25"
_FACETS = "_facet=owner_unit_id&_facet=topic&_facet=license_id&_facet=update_frequency&_facet_array=tags"
_FACETED = f"_search={{q}}&_searchmode=raw&visibility=public&_sort_desc=updated_at&{_FACETS}"
PATHS = {
    "api list": f"/ketnoi/datasets.json?{_SEARCH}&_nocount=1&_nosuggest=1",
    "api list+total": f"/ketnoi/datasets.json?{_SEARCH}&_nosuggest=1",
    "html list page": f"/ketnoi/datasets?{_SEARCH}",
    # The portal and package_search: public datasets, newest first, 20 (10) a page, with facets; Datasette
    # counts its facets on the same SQLite file (the format facet, in another table, it cannot count).
    "portal search page": f"/ketnoi/datasets?{_FACETED}&_size=20",
    "ckan package_search": f"/ketnoi/datasets.json?{_FACETED}&_size=10&_nosuggest=1",
}


def fts_expression(query: str) -> str:
    """The FTS5 expression ketnoi's SQLite plan sends for `query` (kit.search._fts_expression).

    A drift between the two would show: catalog.py checks that Datasette counts as many matches
    as ketnoi for the check query before loading it.
    """
    return " AND ".join(f'"{term}"*' for term in terms_of(query))


def datasette_bin() -> tuple[Path | None, str]:
    """Datasette's executable, installing it into bench/.venv-ref on first use (with uvloop and
    httptools, which its uvicorn picks up, as in ../shared/bench's venv: uvicorn[standard]);
    or None and why not."""
    exe = VENV / "bin" / "datasette"
    if exe.exists():
        check = subprocess.run([str(VENV / "bin" / "python"), "-c", "import uvloop, httptools"], capture_output=True, check=False)  # noqa: S603
        if check.returncode == 0:
            return exe, ""
        steps = [[str(VENV / "bin" / "pip"), "install", "-q", *SPEEDUPS]]  # a venv made before they were added
    else:
        print(f"  installing {DATASETTE} into {VENV.relative_to(benchlib.ROOT)} (first run only) ...", flush=True)
        steps = [[sys.executable, "-m", "venv", str(VENV)], [str(VENV / "bin" / "pip"), "install", "-q", DATASETTE, *SPEEDUPS]]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 - our own commands
        if proc.returncode != 0:
            return None, f"{' '.join(cmd[:3])} failed: {(proc.stderr or proc.stdout).strip()[-300:]}"
    return (exe, "") if exe.exists() else (None, "pip installed no datasette executable")


def write_inputs(var_dir: Path) -> tuple[Path, Path]:
    """The queries file (FTS5 expressions, one per line) and the metadata naming the FTS table."""
    queries = var_dir / "datasette_queries.txt"
    queries.write_text("".join(fts_expression(q) + "\n" for q in benchlib.load_queries()), encoding="utf-8")
    metadata = var_dir / "datasette_metadata.json"
    tables = {"datasets": {"fts_table": "datasets_fts", "fts_pk": "rowid"}}
    metadata.write_text(json.dumps({"databases": {"ketnoi": {"tables": tables}}}), encoding="utf-8")
    return queries, metadata


def command(exe: Path, db_file: Path, metadata: Path) -> list[str]:
    """`datasette serve` with its defaults (the caller adds --port)."""
    return [str(exe), "serve", str(db_file), "--host", "127.0.0.1", "--metadata", str(metadata)]


def count_path(query: str) -> str:
    """A Datasette request whose JSON says how many datasets match `query` (filtered_table_rows_count)."""
    from urllib.parse import quote

    return f"/ketnoi/datasets.json?_search={quote(fts_expression(query), safe='')}&_searchmode=raw&_size=1&_nosuggest=1"
