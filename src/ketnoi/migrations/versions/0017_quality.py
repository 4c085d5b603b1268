"""Data quality: rules, runs and their results, the datasets' summaries, incidents

Revision ID: 0017_quality
Revises: 0016_catalog_revision
Create Date: 2026-11-27 12:33:58.192738
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_quality"
down_revision: str | None = "0016_catalog_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_runs",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("dimension_scores", sa.JSON(), nullable=False),
        sa.Column("covered", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_quality_runs_dataset_id_datasets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"], name=op.f("fk_quality_runs_started_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_runs")),
    )
    with op.batch_alter_table("quality_runs", schema=None) as batch_op:
        batch_op.create_index("ix_quality_runs_dataset_started", ["dataset_id", "started_at"], unique=False)

    op.create_table(
        "quality_datasets",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("schedule", sa.String(length=16), nullable=False),
        sa.Column("last_run_id", sa.Uuid(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.Column("metadata_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("metadata_reviewed_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_quality_datasets_dataset_id_datasets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["quality_runs.id"], name=op.f("fk_quality_datasets_last_run_id_quality_runs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["metadata_reviewed_by_id"], ["users.id"], name=op.f("fk_quality_datasets_metadata_reviewed_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_quality_datasets")),
    )
    op.create_table(
        "quality_rules",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_quality_rules_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_quality_rules_dataset_id_datasets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], name=op.f("fk_quality_rules_resource_id_resources"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_rules")),
    )
    with op.batch_alter_table("quality_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_rules_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_rules_resource_id"), ["resource_id"], unique=False)

    op.create_table(
        "quality_incidents",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reporter", sa.String(length=255), nullable=True),
        sa.Column("feedback_id", sa.Uuid(), nullable=True),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_quality_incidents_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name=op.f("fk_quality_incidents_dataset_id_datasets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_quality_incidents_feedback_id_feedback"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_quality_incidents_resolved_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["quality_rules.id"], name=op.f("fk_quality_incidents_rule_id_quality_rules"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_incidents")),
        sa.UniqueConstraint("feedback_id", name=op.f("uq_quality_incidents_feedback_id")),
    )
    with op.batch_alter_table("quality_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_incidents_dataset_id"), ["dataset_id"], unique=False)

    op.create_table(
        "quality_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column("rule_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("evaluated", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.Column("conformance", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("sample_ids", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["quality_rules.id"], name=op.f("fk_quality_results_rule_id_quality_rules"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["quality_runs.id"], name=op.f("fk_quality_results_run_id_quality_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_results")),
    )
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_results_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_results_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_results_run_id"))
        batch_op.drop_index(batch_op.f("ix_quality_results_rule_id"))

    op.drop_table("quality_results")
    with op.batch_alter_table("quality_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_incidents_dataset_id"))

    op.drop_table("quality_incidents")
    with op.batch_alter_table("quality_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_rules_resource_id"))
        batch_op.drop_index(batch_op.f("ix_quality_rules_dataset_id"))

    op.drop_table("quality_rules")
    op.drop_table("quality_datasets")
    with op.batch_alter_table("quality_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_runs_dataset_started")

    op.drop_table("quality_runs")
