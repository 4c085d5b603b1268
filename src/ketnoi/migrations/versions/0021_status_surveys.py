"""Status surveys (Plan II.1): questionnaires, answers

Revision ID: 0021_status_surveys
Revises: 0020_official_catalogs
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0021_status_surveys"
down_revision: str | None = "0020_official_catalogs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
