"""Viewer links of the conference board (issue 22 item 3): a read-only token per period for
connection points that have no account, revocable, with who issued it and when.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_viewer_token",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("revoked_by", sa.String(128)),
        sa.PrimaryKeyConstraint("id", name="pk_web_viewer_token"),
        sa.UniqueConstraint("token_hash", name="uq_web_viewer_token_token_hash"),
    )
    op.create_index("ix_web_viewer_token_period", "web_viewer_token", ["period"])


def downgrade() -> None:
    op.drop_index("ix_web_viewer_token_period", table_name="web_viewer_token")
    op.drop_table("web_viewer_token")
