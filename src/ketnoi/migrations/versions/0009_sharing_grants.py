"""Grants: what an approved connection lets an application take from a service

Revision ID: 0009_sharing_grants
Revises: 0008_connection_requests
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sharing_grants"
down_revision: str | None = "0008_connection_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_grants",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("data_items", sa.JSON(), nullable=False),
        sa.Column("personal_items", sa.JSON(), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("row_filters", sa.JSON(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("quota_per_day", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=255), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["consumer_apps.id"], name=op.f("fk_sharing_grants_app_id_consumer_apps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["connection_requests.id"], name=op.f("fk_sharing_grants_request_id_connection_requests"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["sharing_services.id"], name=op.f("fk_sharing_grants_service_id_sharing_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_grants")),
    )
    with op.batch_alter_table("sharing_grants") as batch_op:
        batch_op.create_index("ix_sharing_grants_app_service", ["app_id", "service_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_grants_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sharing_grants")
