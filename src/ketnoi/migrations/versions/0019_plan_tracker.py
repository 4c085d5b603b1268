"""The plan tracker: the seed plan's tasks, their instances per period, progress reports

Revision ID: 0019_plan_tracker
Revises: 0018_inspection
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0019_plan_tracker"
down_revision: str | None = "0018_inspection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "plan_tasks",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("part", sa.String(length=4), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("lead_text", sa.Text(), nullable=False),
        sa.Column("lead_groups", sa.JSON(), nullable=False),
        sa.Column("lead_unit_ids", sa.JSON(), nullable=False),
        sa.Column("cooperating_text", sa.Text(), nullable=False),
        sa.Column("cooperating_groups", sa.JSON(), nullable=False),
        sa.Column("cooperating_unit_ids", sa.JSON(), nullable=False),
        sa.Column("timing_text", sa.Text(), nullable=False),
        sa.Column("timing_kind", sa.String(length=16), nullable=False),
        sa.Column("year_from", sa.Integer(), nullable=True),
        sa.Column("year_to", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=True),
        sa.Column("sla_working_days", sa.Integer(), nullable=True),
        sa.Column("due_month_day", sa.String(length=5), nullable=True),
        sa.Column("product", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_tasks_code")),
    )
    op.create_table(
        "plan_task_instances",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("period_key", sa.String(length=64), nullable=False),
        sa.Column("period_label", sa.String(length=255), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=True),
        sa.Column("event_ref", sa.Uuid(), nullable=True),
        sa.Column("event_label", sa.String(length=255), nullable=True),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_task_instances_task_id_plan_tasks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["organizations.id"], name=op.f("fk_plan_task_instances_unit_id_organizations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_instances")),
        sa.UniqueConstraint("task_id", "period_key", "unit_id", name=op.f("uq_plan_task_instances_task_id_period_key_unit_id")),
    )
    with op.batch_alter_table("plan_task_instances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_task_instances_period_end"), ["period_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_task_instances_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "plan_progress_reports",
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_by_label", sa.String(length=255), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["plan_task_instances.id"],
            name=op.f("fk_plan_progress_reports_instance_id_plan_task_instances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_plan_progress_reports_submitted_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["organizations.id"], name=op.f("fk_plan_progress_reports_unit_id_organizations"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress_reports")),
    )
    with op.batch_alter_table("plan_progress_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_progress_reports_instance_id"), ["instance_id"], unique=False)

    op.create_table(
        "plan_progress_evidence",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["plan_progress_reports.id"],
            name=op.f("fk_plan_progress_evidence_report_id_plan_progress_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress_evidence")),
    )
    with op.batch_alter_table("plan_progress_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_progress_evidence_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_progress_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_progress_evidence_report_id"))
    op.drop_table("plan_progress_evidence")
    with op.batch_alter_table("plan_progress_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_progress_reports_instance_id"))
    op.drop_table("plan_progress_reports")
    with op.batch_alter_table("plan_task_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_task_instances_unit_id"))
        batch_op.drop_index(batch_op.f("ix_plan_task_instances_period_end"))
    op.drop_table("plan_task_instances")
    op.drop_table("plan_tasks")
