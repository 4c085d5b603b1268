"""Applications' own keys (private_key_jwt) and certificate binding (RFC 8705); used client assertions

Revision ID: 0010_client_keys
Revises: 0009_sharing_grants
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_client_keys"
down_revision: str | None = "0009_sharing_grants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consumer_credentials") as batch_op:
        batch_op.add_column(sa.Column("public_key", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cert_thumbprint", sa.String(length=64), nullable=True))
    op.create_table(
        "oauth_used_assertions",
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_oauth_used_assertions")),
    )
    with op.batch_alter_table("oauth_used_assertions") as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_used_assertions_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("oauth_used_assertions")
    with op.batch_alter_table("consumer_credentials") as batch_op:
        batch_op.drop_column("cert_thumbprint")
        batch_op.drop_column("public_key")
