"""Saved dashboard views (issue 20): a user's named views, each its URL's query.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_saved_view",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_saved_view"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_account.id"], name="fk_web_saved_view_account_id_web_account"
        ),
        sa.UniqueConstraint("account_id", "name", name="uq_web_saved_view_account_id_name"),
    )


def downgrade() -> None:
    op.drop_table("web_saved_view")
