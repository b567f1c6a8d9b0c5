"""Tables of accounts and the reporting round: accounts, units they report for, API tokens,
settings, reports and their events (migration 0003 creates them; 0010 gives reports their round,
approval levels and thread); sessions and failed sign-ins (migration 0008); the administrators'
overrides of a form's approval levels (0010).

Values themselves stay in ``observation``: a save is a new vintage written by ``Store.write``;
a report (``web_submission``) only tracks the workflow state of one form × unit × period ×
round and a version number; its events (``web_submission_event``) are its audit trail and its
thread of comments.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
    # notices (migration 0011): an optional e-mail address, and which notices the account
    # gets (``all``: in the app and by e-mail; ``app``: in the app only; ``none``)
    Column("email", String(254)),
    Column("notices", String(8), nullable=False, default="all", server_default="all"),
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

#: a report: one form × unit × period × round (estimate, actual, plan) in the workflow
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
    Column("comment", Text),  # the comment of the latest return or reopen
    Column("round", String(16), nullable=False),  # the form's round (catalog/forms.py)
    Column("returned_to", Integer),  # a returned report: the level it went back to (0: unit)
    Column("submitted_by", String(128)),  # who submitted it last (four eyes)
    Column("accepted_by", String(128)),  # who accepted it at level 1 (four eyes at level 2)
    UniqueConstraint("form", "unit", "period", "round"),
)

submission_event = Table(
    "web_submission_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("submission_id", BigId, ForeignKey("web_submission.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(16), nullable=False),  # catalog.vocabulary.Action
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("batch_id", BigId),  # the value batch a save wrote
    Column("comment", Text),
    Column("level", Integer),  # the approval level the actor acted at (0 unit, 1 head, 2 ministry)
)

#: an administrator's override of a form's approval levels (append-only: the newest row of a
#: form is in force; every row is its audit); part of the data version
approval_setting = Table(
    "approval_setting",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("form", String(32), nullable=False, index=True),
    Column("levels", Integer),  # 1 or 2; NULL: back to the catalog's default
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("comment", Text),
)

#: a dashboard view a user saved under a name: its URL's query (period, indicator, unit,
#: boundaries, chart type…) (migration 0013)
saved_view = Table(
    "web_saved_view",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("web_account.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("account_id", "name"),
)

#: every administrative change, with who and when (migration 0017)
admin_event = Table(
    "web_admin_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(32), nullable=False),  # workflow/admin.py ACTIONS
    Column("target", String(200), nullable=False),
    Column("detail", Text),
)

#: administrators' overrides of a round's deadline, append-only (migration 0017)
deadline_setting = Table(
    "web_deadline_setting",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("form", String(32), nullable=False, index=True),
    Column("round", String(16), nullable=False),
    Column("days", Integer),  # days after the period's end; NULL: back to the catalog's
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("comment", Text),
)

#: an account's second factor, TOTP (RFC 6238) (migration 0017)
totp = Table(
    "web_totp",
    metadata,
    Column("account_id", Integer, ForeignKey("web_account.id"), primary_key=True),
    Column("secret", String(64), nullable=False),  # base32; never shown after enrolment
    Column("enrolled", Boolean, nullable=False),  # a first code confirmed it
    Column("created_at", DateTime, nullable=False),
    Column("last_step", BigInteger),  # the newest time step a code was accepted for
)

#: read-only viewer links of the conference board, one period each (migration 0019): the token
#: is shown once; only its SHA-256 is kept; revoking ends every viewer holding it
viewer_token = Table(
    "web_viewer_token",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(16), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("revoked_at", DateTime),
    Column("revoked_by", String(128)),
)
