"""Official catalogs as versioned decisions

Revision ID: 0020_official_catalogs
Revises: 0019_plan_tracker
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0020_official_catalogs"
down_revision: str | None = "0019_plan_tracker"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
