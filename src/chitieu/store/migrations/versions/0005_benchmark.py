"""Publishing benchmark: reference data of peer countries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "benchmark_reference",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("country_iso3", sa.String(3), nullable=False),
        sa.Column("country_name", sa.String(128)),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("scope_note", sa.Text),
        sa.Column("source_title", sa.Text, nullable=False),
        sa.Column("source_url_or_ref", sa.Text, nullable=False),
        sa.Column("retrieved_via", sa.String(32)),
        sa.Column("batch_id", BigId, nullable=False),
        sa.Column("row", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_benchmark_reference"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name="fk_benchmark_reference_batch_id_batch"
        ),
    )
    op.create_index(
        "ix_benchmark_reference_key",
        "benchmark_reference",
        ["indicator", "country_iso3", "year"],
    )


def downgrade() -> None:
    op.drop_index("ix_benchmark_reference_key", table_name="benchmark_reference")
    op.drop_table("benchmark_reference")
