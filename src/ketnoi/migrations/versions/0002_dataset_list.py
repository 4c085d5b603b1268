"""Dataset lists: tags kept on the dataset row, and an FTS5 search index on SQLite

Revision ID: 0002_dataset_list
Revises: c8e9995d6175
Create Date: 2026-11-27

`datasets.tags` lets a list page show tags without a second query (dataset_tags stays the
source for filtering by tag). On SQLite a word search was a LIKE test on every row (35–45 ms at
50,000 datasets, and as much again for the count); the FTS5 index over the same folded
`search_text` answers it from a few index entries. Triggers keep it in step with the table.
PostgreSQL has trigram indexes instead (migration 0001).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_dataset_list"
down_revision: str | None = "c8e9995d6175"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = [
    "CREATE VIRTUAL TABLE datasets_fts USING fts5(search_text, content='datasets', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "CREATE TRIGGER datasets_fts_insert AFTER INSERT ON datasets BEGIN "
    "INSERT INTO datasets_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER datasets_fts_delete AFTER DELETE ON datasets BEGIN "
    "INSERT INTO datasets_fts(datasets_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); END",
    "CREATE TRIGGER datasets_fts_update AFTER UPDATE OF search_text ON datasets BEGIN "
    "INSERT INTO datasets_fts(datasets_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); "
    "INSERT INTO datasets_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "INSERT INTO datasets_fts(datasets_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("datasets_fts_insert", "datasets_fts_delete", "datasets_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE datasets_fts")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("tags")
