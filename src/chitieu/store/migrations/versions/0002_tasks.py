"""Key tasks of a review (lead unit, deadline, status, progress notes).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "task",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("lead_unit", sa.String(256), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("sector", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Text),
        sa.Column("completed_on", sa.Date),
        sa.Column("source", sa.Text),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_task"),
        sa.UniqueConstraint("code", name="uq_task_code"),
    )
    op.create_table(
        "task_event",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16)),
        sa.Column("progress", sa.Text),
        sa.Column("completed_on", sa.Date),
        sa.PrimaryKeyConstraint("id", name="pk_task_event"),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name="fk_task_event_task_id_task"),
    )
    op.create_index("ix_task_event_task_id", "task_event", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_event_task_id", table_name="task_event")
    op.drop_table("task_event")
    op.drop_table("task")
