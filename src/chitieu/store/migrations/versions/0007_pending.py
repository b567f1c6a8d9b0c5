"""Pending values: small writes (a form's save) leave the current slabs to be folded later.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pending_value",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.BigInteger, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("method", sa.String(64)),
    )
    op.create_index(
        "ix_pending_value_key",
        "pending_value",
        ["indicator", "unit", "period", "kind"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_pending_value_key", "pending_value")
    op.drop_table("pending_value")
