"""Data quality: no tables needed (a reserved, empty step).

Estimates are stored as observation vintages with their method and inputs, validation
findings are computed on demand; this revision keeps the chain 0003 → 0005 in place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
