"""Consumers: other agencies' applications and their credentials (client secrets, API keys)

Revision ID: 0007_consumers
Revises: 0006_exchange_log
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_consumers"
down_revision: str | None = "0006_exchange_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumer_apps",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_consumer_apps_organization_id_organizations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_apps")),
    )
    with op.batch_alter_table("consumer_apps") as batch_op:
        batch_op.create_index(batch_op.f("ix_consumer_apps_organization_id"), ["organization_id"], unique=False)
    op.create_table(
        "consumer_credentials",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["consumer_apps.id"], name=op.f("fk_consumer_credentials_app_id_consumer_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_credentials")),
        sa.UniqueConstraint("client_id", name=op.f("uq_consumer_credentials_client_id")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_consumer_credentials_secret_digest")),
    )
    with op.batch_alter_table("consumer_credentials") as batch_op:
        batch_op.create_index(batch_op.f("ix_consumer_credentials_app_id"), ["app_id"], unique=False)


def downgrade() -> None:
    op.drop_table("consumer_credentials")
    op.drop_table("consumer_apps")
