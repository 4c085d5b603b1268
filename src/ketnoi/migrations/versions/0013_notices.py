"""Notices: planned maintenance and termination of a service, suspension of an application

Revision ID: 0013_notices
Revises: 0012_request_reminders
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_notices"
down_revision: str | None = "0012_request_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_notices",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("app_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["consumer_apps.id"], name=op.f("fk_sharing_notices_app_id_consumer_apps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["service_id"], ["sharing_services.id"], name=op.f("fk_sharing_notices_service_id_sharing_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_notices")),
    )
    with op.batch_alter_table("sharing_notices") as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_notices_app_id"), ["app_id"], unique=False)
        batch_op.create_index("ix_sharing_notices_service_starts", ["service_id", "starts_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sharing_notices")
