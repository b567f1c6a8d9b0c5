"""Import batches and value vintages.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(512)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_batch"),
    )
    op.create_table(
        "observation",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(512)),
        sa.Column("batch_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("method", sa.String(64)),
        sa.Column("inputs", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_observation"),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name="fk_observation_batch_id_batch"),
    )
    op.create_index(
        "ix_observation_key", "observation", ["period", "indicator", "unit", "kind", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_observation_key", table_name="observation")
    op.drop_table("observation")
    op.drop_table("batch")
