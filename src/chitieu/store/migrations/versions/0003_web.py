"""Web application: accounts, reporting forms, submissions and their workflow, audit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_account",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_account"),
        sa.UniqueConstraint("username", name="uq_web_account_username"),
    )
    op.create_table(
        "web_account_unit",
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "unit", name="pk_web_account_unit"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_account.id"], name="fk_web_account_unit_account_id_web_account"
        ),
    )
    op.create_table(
        "web_api_token",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_web_api_token_token_hash"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["web_account.id"], name="fk_web_api_token_account_id_web_account"
        ),
    )
    op.create_table(
        "web_setting",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_web_setting"),
    )
    op.create_table(
        "web_submission",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("submitted_at", sa.DateTime),
        sa.Column("comment", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_web_submission"),
        sa.UniqueConstraint("form", "unit", "period", name="uq_web_submission_form_unit_period"),
    )
    op.create_table(
        "web_submission_event",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("submission_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("batch_id", BigId),
        sa.Column("comment", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_web_submission_event"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["web_submission.id"],
            name="fk_web_submission_event_submission_id_web_submission",
        ),
    )
    op.create_index(
        "ix_web_submission_event_submission_id", "web_submission_event", ["submission_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_web_submission_event_submission_id", table_name="web_submission_event")
    for name in (
        "web_submission_event",
        "web_submission",
        "web_setting",
        "web_api_token",
        "web_account_unit",
        "web_account",
    ):
        op.drop_table(name)
