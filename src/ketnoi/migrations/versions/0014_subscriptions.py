"""Subscription push: consumers' URLs told of new versions, and the deliveries with their retries

Revision ID: 0014_subscriptions
Revises: 0013_notices
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_subscriptions"
down_revision: str | None = "0013_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_subscriptions",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_version_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["consumer_apps.id"], name=op.f("fk_sharing_subscriptions_app_id_consumer_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["sharing_services.id"], name=op.f("fk_sharing_subscriptions_service_id_sharing_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_subscriptions")),
    )
    with op.batch_alter_table("sharing_subscriptions") as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_subscriptions_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_subscriptions_service_id"), ["service_id"], unique=False)
    op.create_table(
        "sharing_deliveries",
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["sharing_subscriptions.id"],
            name=op.f("fk_sharing_deliveries_subscription_id_sharing_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_deliveries")),
    )
    with op.batch_alter_table("sharing_deliveries") as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_deliveries_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_sharing_deliveries_subscription_id"), ["subscription_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sharing_deliveries")
    op.drop_table("sharing_subscriptions")
