"""Current values and analytics: ``current_slab`` (the newest vintage of every key, one row per
indicator × year) and ``cube_slab`` (figures rolled up over units and periods).

The current slabs of an existing database are built from its vintages here; the cube slabs
are computed when first read (they depend on the catalog, which the store does not know).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from chitieu.store.current import rebuild_slabs

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_slab",
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("periods", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("year", "indicator", name="pk_current_slab"),
    )
    op.create_table(
        "cube_slab",
        sa.Column("system", sa.String(8), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("generation", sa.String(64), nullable=False),
        sa.Column("based_on", sa.BigInteger, nullable=False),
        sa.Column("targets", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("n_targets", sa.Integer, nullable=False),
        sa.Column("cells", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("system", "year", "indicator", name="pk_cube_slab"),
    )
    rebuild_slabs(op.get_bind(), pending=False)  # (the pending table comes in 0007)


def downgrade() -> None:
    op.drop_table("cube_slab")
    op.drop_table("current_slab")
