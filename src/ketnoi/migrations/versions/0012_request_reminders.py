"""When a unit was told a connection request is overdue

Revision ID: 0012_request_reminders
Revises: 0011_agreements
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_request_reminders"
down_revision: str | None = "0011_agreements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connection_requests") as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connection_requests") as batch_op:
        batch_op.drop_column("reminded_at")
