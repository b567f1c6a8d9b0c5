"""When each slab's first vintage was recorded (issue 17, item 3): ``slab_since``, one row per
indicator × year with the earliest ``created_at`` of its vintages, so that an as-of read knows
a slab empty at an instant before its data came without reading its vintages
(``store/since.py``). Filled here from the vintages in one pass (a 10M-value store: seconds);
``Store.write`` keeps it from then on.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from chitieu.store.since import rebuild

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slab_since",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("first_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("year", "indicator", name="pk_slab_since"),
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("slab_since")
