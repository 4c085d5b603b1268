"""Agreements for sharing on specific request (Decree 47 art. 38), versioned; grants wait for one in force

Revision ID: 0011_agreements
Revises: 0010_client_keys
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_agreements"
down_revision: str | None = "0010_client_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_agreements",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider_accepted_by", sa.String(length=255), nullable=False),
        sa.Column("consumer_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consumer_accepted_by", sa.String(length=255), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["connection_requests.id"],
            name=op.f("fk_sharing_agreements_request_id_connection_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreements")),
        sa.UniqueConstraint("request_id", "version", name=op.f("uq_sharing_agreements_request_id_version")),
    )
    with op.batch_alter_table("sharing_agreements") as batch_op:
        batch_op.create_index(batch_op.f("ix_sharing_agreements_request_id"), ["request_id"], unique=False)
    with op.batch_alter_table("sharing_grants") as batch_op:
        batch_op.add_column(sa.Column("agreement_required", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("agreement_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sharing_grants_agreement_id_sharing_agreements"),
            "sharing_agreements",
            ["agreement_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("sharing_grants") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_sharing_grants_agreement_id_sharing_agreements"), type_="foreignkey")
        batch_op.drop_column("agreement_id")
        batch_op.drop_column("agreement_required")
    op.drop_table("sharing_agreements")
