"""The store's data version: one value that changes whenever anything an output reads changes.

Every table an output reads is append-only or has an append-only log: values come in batches
(``batch``; peer reference rows too), key tasks change through ``task_event``, reports through
``web_submission_event``, a form's approval levels through ``approval_setting``. The version
is the (count, newest id) of each of those; rows are never deleted, so two equal versions mean
the same committed rows. The count matters on PostgreSQL, where ids are drawn before commit: a
transaction that drew a lower id and commits after a higher one leaves the newest id unchanged
but adds one to the count.

Rows are deleted once: by ``chitieu restore`` (``store/restore.py``), which puts an older state
back. An older backup plus one write would repeat a version the store had before, with other
rows behind it, and every cache keyed on the version would answer with figures of data that
no longer exists. So the version starts with the store's **restore epoch** (``store_epoch``,
one row, migration 0009), which every restore moves past both the epoch the store had and
the one the backup brings, inside the restore's transaction.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, DateTime, Integer, String, Table, text

from chitieu.store.db import utcnow
from chitieu.store.schema import metadata

#: at most one row (id 1): the epoch and the restore that set it (none: epoch 0)
store_epoch = Table(
    "store_epoch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", BigInteger, nullable=False),
    Column("changed_at", DateTime),
    Column("note", String(512)),
)

#: every table an output reads (facts, reports, the board and completeness, the benchmark, the
#: task list, the reporting round's thread) → the append-only log in the version that changes
#: whenever it does. A new table goes here or in UNVERSIONED (tests/test_layout.py checks it).
VERSIONED: dict[str, str] = {
    "store_epoch": "store_epoch",
    "batch": "batch",
    "observation": "batch",
    "current_slab": "batch",
    "slab_since": "batch",
    "cube_slab": "batch",
    "pending_value": "batch",
    "benchmark_reference": "batch",
    "task": "task_event",
    "task_event": "task_event",
    "web_submission": "web_submission_event",
    "web_submission_event": "web_submission_event",
    "approval_setting": "approval_setting",
}
#: tables no output reads: who may sign in, their sessions, tokens and throttles, settings;
#: each account's notices (the bell and the notices page read them fresh, nothing caches them)
UNVERSIONED = frozenset({
    "web_account", "web_account_unit", "web_api_token", "web_login_failure", "web_session",
    "web_setting", "alembic_version", "notice",
    "web_saved_view",  # a user's saved dashboard views (their URLs), no figure
    "report_edition",  # editions as adopted: a frozen copy of facts, read by no figure
    # administration (0017): its audit, the accounts' second factor, and overrides of a round's
    # deadline (read fresh by the workflow's pages, never by a cached output)
    "web_admin_event", "web_totp", "web_deadline_setting",
    "web_viewer_token",  # the conference board's viewer links (0019): who may watch, no figure
})  # fmt: skip

_VERSION = text(
    "SELECT (SELECT coalesce(max(epoch), 0) FROM store_epoch), "
    "(SELECT count(*) FROM batch), (SELECT coalesce(max(id), 0) FROM batch), "
    "(SELECT count(*) FROM task_event), (SELECT coalesce(max(id), 0) FROM task_event), "
    "(SELECT count(*) FROM web_submission_event), "
    "(SELECT coalesce(max(id), 0) FROM web_submission_event), "
    "(SELECT count(*) FROM approval_setting), (SELECT coalesce(max(id), 0) FROM approval_setting)"
)
_EPOCH = text("SELECT coalesce(max(epoch), 0) FROM store_epoch")


def data_version(conn: Connection) -> tuple[int, ...]:
    """The restore epoch, then (count, newest id) of batches, key-task events, report events
    and approval-level settings."""
    return tuple(int(x) for x in conn.execute(_VERSION).one())


def epoch(conn: Connection) -> int:
    """The store's restore epoch (0 before any restore)."""
    return int(conn.execute(_EPOCH).scalar_one())


def advance_epoch(conn: Connection, past: int, note: str) -> int:
    """Set the epoch after both ``past`` (the epoch the store had before a restore) and the
    one it holds now (the backup's), in the caller's transaction; returns the new epoch."""
    new = max(past, epoch(conn)) + 1
    conn.execute(store_epoch.delete())
    conn.execute(store_epoch.insert().values(id=1, epoch=new, changed_at=utcnow(), note=note[:512]))
    return new
