"""Connection requests (Decree 47 art. 35): an application asks to use a service; the unit answers

Revision ID: 0008_connection_requests
Revises: 0007_consumers
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_connection_requests"
down_revision: str | None = "0007_consumers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connection_requests",
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("data_items", sa.JSON(), nullable=False),
        sa.Column("expected_records", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["consumer_apps.id"], name=op.f("fk_connection_requests_app_id_consumer_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["sharing_services.id"], name=op.f("fk_connection_requests_service_id_sharing_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_requests")),
    )
    with op.batch_alter_table("connection_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_connection_requests_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_connection_requests_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_connection_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("connection_requests")
