"""The exchange log (Decree 47 art. 45): hash-chained records, the chain's head, signed checkpoints

Revision ID: 0006_exchange_log
Revises: 0005_sharing_services
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_exchange_log"
down_revision: str | None = "0005_sharing_services"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "exchange_log",
        sa.Column("seq", BIGINT, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("consumer", sa.String(length=128), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("request", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("response_digest", sa.String(length=80), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_log")),
    )
    with op.batch_alter_table("exchange_log") as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_log_consumer"), ["consumer"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_log_service"), ["service"], unique=False)
    head = op.create_table(
        "exchange_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", BIGINT, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_log_head")),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])  # the empty chain
    op.create_table(
        "exchange_log_checkpoints",
        sa.Column("seq", BIGINT, autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_exchange_log_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("exchange_log_checkpoints")
    op.drop_table("exchange_log_head")
    op.drop_table("exchange_log")
