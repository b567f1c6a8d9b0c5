"""The store's data version: one value that changes whenever anything an output reads changes.

Every table an output reads is append-only or has an append-only log: values come in batches
(``batch``; peer reference rows too), key tasks change through ``task_event``, reports through
``web_submission_event``, a form's approval levels through ``approval_setting``. The version
is the (count, newest id) of each of those; rows are never deleted, so two equal versions mean
the same committed rows. The count matters on
PostgreSQL, where ids are drawn before commit: a transaction that drew a lower id and commits
after a higher one leaves the newest id unchanged but adds one to the count.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_VERSION = text(
    "SELECT (SELECT count(*) FROM batch), (SELECT coalesce(max(id), 0) FROM batch), "
    "(SELECT count(*) FROM task_event), (SELECT coalesce(max(id), 0) FROM task_event), "
    "(SELECT count(*) FROM web_submission_event), "
    "(SELECT coalesce(max(id), 0) FROM web_submission_event), "
    "(SELECT count(*) FROM approval_setting), (SELECT coalesce(max(id), 0) FROM approval_setting)"
)


def data_version(conn: Connection) -> tuple[int, ...]:
    """(count, newest id) of batches, key-task events, report events and approval settings."""
    return tuple(int(x) for x in conn.execute(_VERSION).one())
