"""Deadlines and cycles as data, with their legal basis

Revision ID: 0022_deadline_rules
Revises: 0021_status_surveys
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0022_deadline_rules"
down_revision: str | None = "0021_status_surveys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
