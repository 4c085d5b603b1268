"""The migrations build exactly the schema the models declare (on the database under test)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from ketnoi.models import Base

# Indexes a migration adds for one database only, on purpose (see their migrations).
DIALECT_ONLY_INDEXES = {
    "ix_organizations_search_trgm",
    "ix_databases_search_trgm",
    "ix_datasets_search_trgm",
}


def _relevant(diff: Any) -> bool:
    kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
    if kind in ("remove_index", "add_index"):
        return diff[1].name not in DIALECT_ONLY_INDEXES
    if kind == "remove_table":  # SQLite's FTS5 index and its shadow tables (migration 0002); datastore tables
        return not diff[1].name.startswith(("datasets_fts", "ds_"))
    return True


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [d for d in compare_metadata(context, Base.metadata) if _relevant(d)]
    assert diffs == []


def test_constraint_names_follow_the_convention() -> None:
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, (table.name, constraint)
            prefixes = {"PrimaryKeyConstraint": "pk_", "ForeignKeyConstraint": "fk_", "UniqueConstraint": "uq_"}
            prefix = prefixes.get(type(constraint).__name__)
            if prefix:
                assert str(constraint.name).startswith(prefix), (table.name, constraint.name)
