"""Key tasks per unit (issue 17, item 6): the reporting unit a task belongs to.

``VN`` for the ministry's own tasks, a province code for a province's; every task stored
before this revision was the ministry's.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("unit", sa.String(16), nullable=False, server_default="VN"))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("unit")
