"""Open data: URL names of datasets and organizations, linked resources, feedback and harvesting

A slug is filled in for every existing dataset and organization from its name (folded, hyphenated,
`-2`, `-3`… on a clash), as kit.slug makes them for new ones; the rule is copied here so that this
migration keeps doing what it did when kit.slug changes. The column is added with an empty default
(SQLite adds a NOT NULL column only so, and rebuilding `datasets` would orphan its FTS5 index).

Revision ID: 0015_open_data
Revises: 0014_subscriptions
Create Date: 2026-11-27
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_open_data"
down_revision: str | None = "0014_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("database_id", sa.Uuid(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("high_water", sa.String(length=64), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_harvest_sources_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["database_id"], ["databases.id"], name=op.f("fk_harvest_sources_database_id_databases"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_sources")),
    )
    with op.batch_alter_table("harvest_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_sources_database_id"), ["database_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("author_email", sa.String(length=255), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("moderated_by_id", sa.Uuid(), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderation_note", sa.Text(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_by_id", sa.Uuid(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_feedback_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_feedback_dataset_id_datasets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["moderated_by_id"], ["users.id"], name=op.f("fk_feedback_moderated_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_feedback_organization_id_organizations"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["replied_by_id"], ["users.id"], name=op.f("fk_feedback_replied_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index("ix_feedback_status_created_at", ["status", "created_at"], unique=False)

    op.create_table(
        "harvest_runs",
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["harvest_sources.id"], name=op.f("fk_harvest_runs_source_id_harvest_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_runs")),
    )
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_runs_source_id"), ["source_id"], unique=False)

    op.create_table(
        "harvested_datasets",
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=False),
        sa.Column("remote_url", sa.String(length=1000), nullable=True),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("remote_modified", sa.String(length=64), nullable=True),
        sa.Column("harvested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_harvested_datasets_dataset_id_datasets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["harvest_sources.id"], name=op.f("fk_harvested_datasets_source_id_harvest_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvested_datasets")),
        sa.UniqueConstraint("source_id", "remote_id", name=op.f("uq_harvested_datasets_source_id_remote_id")),
    )
    with op.batch_alter_table("harvested_datasets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvested_datasets_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvested_datasets_source_id"), ["source_id"], unique=False)

    op.create_table(
        "feedback_votes",
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.Column("voter_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_votes_feedback_id_feedback"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("feedback_id", "voter_hash", name=op.f("pk_feedback_votes")),
    )
    _url_names()
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_column("url")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index("uq_organizations_slug")
        batch_op.drop_column("slug")

    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index("uq_datasets_slug")
        batch_op.drop_column("slug")

    op.drop_table("feedback_votes")
    with op.batch_alter_table("harvested_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvested_datasets_source_id"))
        batch_op.drop_index(batch_op.f("ix_harvested_datasets_dataset_id"))

    op.drop_table("harvested_datasets")
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_runs_source_id"))

    op.drop_table("harvest_runs")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_status_created_at")
        batch_op.drop_index(batch_op.f("ix_feedback_organization_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_dataset_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("harvest_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_sources_database_id"))

    op.drop_table("harvest_sources")


def _slugify(text: str, fallback: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn").replace("đ", "d")
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80].rstrip("-")
    return slug if len(slug) >= 2 else fallback


def _url_names() -> None:
    connection = op.get_bind()
    for table, fallback in (("datasets", "du-lieu"), ("organizations", "don-vi")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("slug", sa.String(length=100), nullable=False, server_default=""))
        rows = sa.table(table, sa.column("id", sa.Uuid()), sa.column("name", sa.String()), sa.column("slug", sa.String()))
        taken: set[str] = set()
        for row in connection.execute(sa.select(rows.c.id, rows.c.name).order_by(rows.c.name, rows.c.id)):
            base = _slugify(row.name or "", fallback)
            slug, n = base, 1
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            taken.add(slug)
            connection.execute(sa.update(rows).where(rows.c.id == row.id).values(slug=slug))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"uq_{table}_slug", ["slug"], unique=True)
