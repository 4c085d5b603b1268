"""Sharing services: the registry of what units offer other agencies (Decree 47 art. 25)

Revision ID: 0005_sharing_services
Revises: 0004_working_calendar
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sharing_services"
down_revision: str | None = "0004_working_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_services",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_unit_id", sa.Uuid(), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("upstream_url", sa.String(length=1000), nullable=True),
        sa.Column("sharing_form", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("data_items", sa.JSON(), nullable=False),
        sa.Column("exchange_schema", sa.JSON(), nullable=False),
        sa.Column("usage_regulation", sa.Text(), nullable=True),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("availability", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_sharing_services_dataset_id_datasets"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"], ["organizations.id"], name=op.f("fk_sharing_services_owner_unit_id_organizations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_services")),
        sa.UniqueConstraint("code", name=op.f("uq_sharing_services_code")),
    )
    with op.batch_alter_table("sharing_services") as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_services_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_services_owner_unit_id"), ["owner_unit_id"], unique=False)
        batch_op.create_index("ix_sharing_services_status_due", ["status", "publish_due_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sharing_services")
