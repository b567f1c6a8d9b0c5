"""Administration in the browser (issue 19 item 4): the administrators' audit, overrides of a
round's deadline, and the accounts' second factor.

- ``web_admin_event``: one row per administrative change (an account added, disabled, its role,
  units or password changed; a token issued or revoked; a deadline, approval levels or a setting
  changed; a second factor enrolled or removed): who, when, what, on what, and the details.
- ``web_deadline_setting``: append-only overrides of a form's round deadline (days after the
  period's end; NULL: back to the catalog's), each with who, when and why.
- ``web_totp``: an account's TOTP secret (RFC 6238), whether it is enrolled (confirmed by a
  first code), and the last time step a code was accepted for (no code is accepted twice).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_admin_event",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_web_admin_event"),
    )
    op.create_table(
        "web_deadline_setting",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("round", sa.String(16), nullable=False),
        sa.Column("days", sa.Integer),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("comment", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_web_deadline_setting"),
    )
    op.create_index("ix_web_deadline_setting_form", "web_deadline_setting", ["form"])
    op.create_table(
        "web_totp",
        sa.Column("account_id", sa.Integer, autoincrement=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("enrolled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_step", sa.BigInteger),
        sa.PrimaryKeyConstraint("account_id", name="pk_web_totp"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_account.id"], name="fk_web_totp_account_id_web_account"
        ),
    )


def downgrade() -> None:
    op.drop_table("web_totp")
    op.drop_index("ix_web_deadline_setting_form", table_name="web_deadline_setting")
    op.drop_table("web_deadline_setting")
    op.drop_table("web_admin_event")
