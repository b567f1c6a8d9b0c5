"""The store's restore epoch: one row that every restore moves on (store/version.py); none
(epoch 0) until the first restore.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_epoch",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=True),
        sa.Column("note", sa.String(512), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_store_epoch"),
    )


def downgrade() -> None:
    op.drop_table("store_epoch")
