"""Official catalogs as versioned decisions

Revision ID: 0020_official_catalogs
Revises: 0019_plan_tracker
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_official_catalogs"
down_revision: str | None = "0019_plan_tracker"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STEPS = ("created", "submitted", "approved", "published", "returned")


def _user_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_catalog_versions_{column}_users"), ondelete="SET NULL")


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("review_months", sa.Integer(), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=64), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("signer_name", sa.String(length=255), nullable=True),
        sa.Column("signer_title", sa.String(length=255), nullable=True),
        sa.Column("signed_file_key", sa.String(length=255), nullable=True),
        sa.Column("signed_file_name", sa.String(length=255), nullable=True),
        sa.Column("signed_file_size", sa.BigInteger(), nullable=True),
        sa.Column("return_note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *(_user_fk(f"{step}_by_id") for step in _STEPS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_versions")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_catalog_versions_kind_number")),
    )
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_versions_status"), ["status"], unique=False)

    op.create_table(
        "catalog_entries",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["catalog_versions.id"], name=op.f("fk_catalog_entries_version_id_catalog_versions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_entries")),
        sa.UniqueConstraint("version_id", "source_id", name=op.f("uq_catalog_entries_version_id_source_id")),
    )
    with op.batch_alter_table("catalog_entries", schema=None) as batch_op:
        batch_op.create_index("ix_catalog_entries_source_id", ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_entries_source_id")
    op.drop_table("catalog_entries")
    with op.batch_alter_table("catalog_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_versions_status"))
    op.drop_table("catalog_versions")
