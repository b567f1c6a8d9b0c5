"""Notices: the outbox of in-app and e-mail notices, and what accounts want of them.

- ``web_account`` gets ``email`` (optional) and ``notices`` (``all``: in the app and by e-mail,
  ``app``: in the app only, ``none``); existing accounts get ``all`` and no address.
- ``notice``: one row per event × recipient × channel (unique), read or unread in the app, and
  for e-mails their state, attempts, last error and next attempt (``store/notices.py``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("web_account") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("notices", sa.String(8), nullable=False, server_default="all"))
    op.create_table(
        "notice",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("event", sa.String(200), nullable=False),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("round", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128)),
        sa.Column("level", sa.Integer),
        sa.Column("comment", sa.Text),
        sa.Column("due", sa.Date),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("read_at", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime),
        sa.Column("claim", sa.String(32)),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_notice"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_account.id"], name="fk_notice_account_id_web_account"
        ),
        sa.UniqueConstraint(
            "event", "account_id", "channel", name="uq_notice_event_account_id_channel"
        ),
    )
    op.create_index(
        "ix_notice_account_id_channel_state", "notice", ["account_id", "channel", "state"]
    )
    op.create_index("ix_notice_channel_state", "notice", ["channel", "state"])


def downgrade() -> None:
    op.drop_index("ix_notice_channel_state", "notice")
    op.drop_index("ix_notice_account_id_channel_state", "notice")
    op.drop_table("notice")
    with op.batch_alter_table("web_account") as batch:
        batch.drop_column("notices")
        batch.drop_column("email")
