"""Editions of a report as adopted (issue 22): the as-of instant, the facts, the files and their
SHA-256, and the edition each one corrects.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_edition",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("as_of", sa.DateTime, nullable=False),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("facts_sha256", sa.String(64), nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("previous_id", sa.Integer, nullable=True),
        sa.Column("changes", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_edition"),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["report_edition.id"],
            name="fk_report_edition_previous_id_report_edition",
        ),
    )
    op.create_index("ix_report_edition_period", "report_edition", ["period", "unit", "lang", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_edition_period", table_name="report_edition")
    op.drop_table("report_edition")
