"""Peer nodes (another ketnoi, a CKAN or DCAT catalog), their services and our requests to them

Revision ID: 0025_federation
Revises: 0024_connectors
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_federation"
down_revision: str | None = "0024_connectors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.String(length=1000), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("keys_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("client_secret", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("harvest_source_id", sa.Uuid(), nullable=True),
        sa.Column("last_listed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["harvest_source_id"], ["harvest_sources.id"], name=op.f("fk_peers_harvest_source_id_harvest_sources"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_peers_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peers")),
        sa.UniqueConstraint("code", name=op.f("uq_peers_code")),
    )
    op.create_table(
        "peer_services",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sharing_form", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("data_items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["peer_id"], ["peers.id"], name=op.f("fk_peer_services_peer_id_peers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_services")),
        sa.UniqueConstraint("peer_id", "code", name=op.f("uq_peer_services_peer_id_code")),
    )
    op.create_index("ix_peer_services_peer_id", "peer_services", ["peer_id"], unique=False)
    op.create_table(
        "peer_requests",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("data_items", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("expected_records", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=255), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["peer_id"], ["peers.id"], name=op.f("fk_peer_requests_peer_id_peers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_requests")),
    )
    op.create_index("ix_peer_requests_peer_id", "peer_requests", ["peer_id"], unique=False)
    op.create_table(
        "peer_grants",
        sa.Column("peer_service_id", sa.Uuid(), nullable=False),
        sa.Column("app_id", sa.Uuid(), nullable=False),
        sa.Column("granted_by", sa.String(length=255), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_service_id"], ["peer_services.id"], name=op.f("fk_peer_grants_peer_service_id_peer_services"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["app_id"], ["consumer_apps.id"], name=op.f("fk_peer_grants_app_id_consumer_apps"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_grants")),
        sa.UniqueConstraint("peer_service_id", "app_id", name=op.f("uq_peer_grants_peer_service_id_app_id")),
    )
    op.create_index("ix_peer_grants_app_id", "peer_grants", ["app_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_peer_grants_app_id", table_name="peer_grants")
    op.drop_table("peer_grants")
    op.drop_index("ix_peer_requests_peer_id", table_name="peer_requests")
    op.drop_table("peer_requests")
    op.drop_index("ix_peer_services_peer_id", table_name="peer_services")
    op.drop_table("peer_services")
    op.drop_table("peers")
