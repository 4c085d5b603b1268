"""Datastore: the versions of each resource's typed table, and the rows a load set aside

Revision ID: 0003_datastore
Revises: 0002_dataset_list
Create Date: 2026-11-27

Each load creates its own table (`ds_<hex>`): in the main database on SQLite, in the schema
`datastore` on PostgreSQL (created here), so data tables never mix with the platform's own.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_datastore"
down_revision: str | None = "0002_dataset_list"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS datastore")
    op.create_table(
        "datastore_versions",
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("bad_row_count", sa.Integer(), nullable=False),
        sa.Column("table_schema", sa.JSON(), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=False),
        sa.Column("encoding_reason", sa.Text(), nullable=False),
        sa.Column("header_line", sa.Integer(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_datastore_versions_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name=op.f("fk_datastore_versions_resource_id_resources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datastore_versions")),
        sa.UniqueConstraint("resource_id", "version", name=op.f("uq_datastore_versions_resource_id_version")),
        sa.UniqueConstraint("table_name", name=op.f("uq_datastore_versions_table_name")),
    )
    with op.batch_alter_table("datastore_versions") as batch_op:
        batch_op.create_index(batch_op.f("ix_datastore_versions_resource_id"), ["resource_id"], unique=False)
    op.create_table(
        "datastore_bad_rows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["datastore_versions.id"], name=op.f("fk_datastore_bad_rows_version_id_datastore_versions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datastore_bad_rows")),
    )
    with op.batch_alter_table("datastore_bad_rows") as batch_op:
        batch_op.create_index(batch_op.f("ix_datastore_bad_rows_version_id"), ["version_id"], unique=False)


def downgrade() -> None:
    op.drop_table("datastore_bad_rows")
    op.drop_table("datastore_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SCHEMA IF EXISTS datastore CASCADE")
