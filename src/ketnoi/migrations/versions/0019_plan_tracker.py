"""The plan tracker: the seed plan's tasks, their instances per period, progress reports

Revision ID: 0019_plan_tracker
Revises: 0018_inspection
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0019_plan_tracker"
down_revision: str | None = "0018_inspection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
