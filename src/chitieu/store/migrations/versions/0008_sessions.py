"""Server-side sessions, token revocation, failed sign-ins (throttling across processes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(64), nullable=False),  # SHA-256 of the cookie's session id
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_session"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_account.id"], name="fk_web_session_account_id_web_account"
        ),
    )
    op.create_index("ix_web_session_account_id", "web_session", ["account_id"])
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])
    op.create_table(
        "web_login_failure",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_login_failure"),
    )
    op.create_index("ix_web_login_failure_address_at", "web_login_failure", ["address", "at"])
    op.create_index("ix_web_login_failure_at", "web_login_failure", ["at"])
    with op.batch_alter_table("web_api_token") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(128), nullable=True))
    op.create_index("ix_web_api_token_account_id", "web_api_token", ["account_id"])
    # the tokens of accounts disabled before this revision are revoked: enabling such an
    # account again must not bring them back
    token = sa.table(
        "web_api_token",
        sa.column("account_id", sa.Integer),
        sa.column("revoked", sa.Boolean),
        sa.column("revoked_by", sa.String),
    )
    acc = sa.table("web_account", sa.column("id", sa.Integer), sa.column("active", sa.Boolean))
    disabled = sa.select(acc.c.id).where(acc.c.active.is_(False))
    op.execute(
        token.update()
        .where(token.c.revoked.is_(False), token.c.account_id.in_(disabled))
        .values(revoked=True, revoked_by="disabled")
    )


def downgrade() -> None:
    op.drop_index("ix_web_api_token_account_id", "web_api_token")
    with op.batch_alter_table("web_api_token") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
    op.drop_index("ix_web_login_failure_at", "web_login_failure")
    op.drop_index("ix_web_login_failure_address_at", "web_login_failure")
    op.drop_table("web_login_failure")
    op.drop_index("ix_web_session_expires_at", "web_session")
    op.drop_index("ix_web_session_account_id", "web_session")
    op.drop_table("web_session")
