"""Tables of the web application: accounts, units they report for, API tokens, settings,
reporting-form submissions and their workflow events (migration 0003 creates them); sessions
and failed sign-ins (migration 0008).

Values themselves stay in ``observation``: a web save is a new vintage written by
``Store.write``; a submission only tracks the workflow state of one form × unit × period and a
version number that makes concurrent saves conflict instead of silently overwriting.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from chitieu.store.schema import BigId, metadata

account = Table(
    "web_account",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("lang", String(8), nullable=False, default="vi"),
    Column("created_at", DateTime, nullable=False),
)

account_unit = Table(
    "web_account_unit",
    metadata,
    Column("account_id", Integer, ForeignKey("web_account.id"), primary_key=True),
    Column("unit", String(16), primary_key=True),
)

api_token = Table(
    "web_api_token",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("web_account.id"), nullable=False),
    Column("label", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("created_at", DateTime, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("revoked_at", DateTime),
    Column("revoked_by", String(128)),  # who revoked it, or "disabled" (the account was)
    Index("ix_web_api_token_account_id", "account_id"),
)

#: a signed-in browser: the session cookie names it; signing out deletes it (in every process
#: at once: each request looks its session up), a password change deletes the others
session = Table(
    "web_session",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the session id in the cookie
    Column("account_id", Integer, ForeignKey("web_account.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)

#: failed sign-ins of the last minutes (the throttle of every server process reads them)
login_failure = Table(
    "web_login_failure",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Index("ix_web_login_failure_address_at", "address", "at"),
)

setting = Table(
    "web_setting",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

submission = Table(
    "web_submission",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("form", String(32), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("period", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False, default=0),  # +1 on every save or transition
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(128), nullable=False),
    Column("submitted_at", DateTime),  # first submission (timeliness is judged on it)
    Column("comment", Text),  # the analyst's comment on return or reopen
    UniqueConstraint("form", "unit", "period"),
)

submission_event = Table(
    "web_submission_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("submission_id", BigId, ForeignKey("web_submission.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(16), nullable=False),  # save upload submit approve return reopen
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("batch_id", BigId),  # the value batch a save wrote
    Column("comment", Text),
)
