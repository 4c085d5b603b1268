"""Data quality: the yearly inspection (campaigns, the units' reports) and the improvement plans (tasks, follow-up notes)

Revision ID: 0018_inspection
Revises: 0017_quality
Create Date: 2026-11-27 12:44:32.455000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_inspection"
down_revision: str | None = "0017_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_inspections",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("unit_due", sa.Date(), nullable=False),
        sa.Column("ministry_due", sa.Date(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("shortcomings", sa.Text(), nullable=False),
        sa.Column("causes", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.String(length=32), nullable=True),
        sa.Column("doc_symbol", sa.String(length=64), nullable=True),
        sa.Column("signer_name", sa.String(length=255), nullable=True),
        sa.Column("signer_title", sa.String(length=255), nullable=True),
        sa.Column("opened_by_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_quality_inspections_closed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_quality_inspections_opened_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_inspections")),
        sa.UniqueConstraint("year", name=op.f("uq_quality_inspections_year")),
    )
    op.create_table(
        "quality_plans",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["quality_inspections.id"], name=op.f("fk_quality_plans_campaign_id_quality_inspections"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_quality_plans_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["organizations.id"], name=op.f("fk_quality_plans_unit_id_organizations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_plans")),
    )
    with op.batch_alter_table("quality_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_plans_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_plans_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "quality_unit_reports",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("figures_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("shortcomings", sa.Text(), nullable=False),
        sa.Column("causes", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.String(length=32), nullable=True),
        sa.Column("signer_name", sa.String(length=255), nullable=True),
        sa.Column("signer_title", sa.String(length=255), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["quality_inspections.id"],
            name=op.f("fk_quality_unit_reports_campaign_id_quality_inspections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_quality_unit_reports_reviewed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_quality_unit_reports_submitted_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["organizations.id"], name=op.f("fk_quality_unit_reports_unit_id_organizations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_unit_reports")),
        sa.UniqueConstraint("campaign_id", "unit_id", name=op.f("uq_quality_unit_reports_campaign_id_unit_id")),
    )
    with op.batch_alter_table("quality_unit_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_unit_reports_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "quality_plan_tasks",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=True),
        sa.Column("responsible", sa.String(length=255), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_quality_plan_tasks_dataset_id_datasets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["quality_plans.id"], name=op.f("fk_quality_plan_tasks_plan_id_quality_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_plan_tasks")),
    )
    with op.batch_alter_table("quality_plan_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_plan_tasks_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "quality_plan_notes",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_label", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_quality_plan_notes_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["quality_plans.id"], name=op.f("fk_quality_plan_notes_plan_id_quality_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["quality_plan_tasks.id"], name=op.f("fk_quality_plan_notes_task_id_quality_plan_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_plan_notes")),
    )
    with op.batch_alter_table("quality_plan_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_plan_notes_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_plan_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_plan_notes_plan_id"))

    op.drop_table("quality_plan_notes")
    with op.batch_alter_table("quality_plan_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_plan_tasks_plan_id"))

    op.drop_table("quality_plan_tasks")
    with op.batch_alter_table("quality_unit_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_unit_reports_unit_id"))

    op.drop_table("quality_unit_reports")
    with op.batch_alter_table("quality_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_plans_unit_id"))
        batch_op.drop_index(batch_op.f("ix_quality_plans_campaign_id"))

    op.drop_table("quality_plans")
    op.drop_table("quality_inspections")
