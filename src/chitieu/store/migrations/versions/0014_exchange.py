"""Exports (issue 21): a partial index of the vintages that carry a comment or an estimate's
method, so that an export of the current values reads those few rows without scanning every
vintage (store/exchange.py).

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

_WHERE = "comment IS NOT NULL OR method IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_observation_annotated",
        "observation",
        ["period"],
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_observation_annotated", table_name="observation")
