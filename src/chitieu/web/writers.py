"""Serialising writes on SQLite: one writer at a time within a process and across processes."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from chitieu.store.locks import sqlite_file_lock
from chitieu.store.values import Store


def writer(store: Store) -> AbstractContextManager[object]:
    """A context serialising writes on SQLite, within and across processes (none on PostgreSQL).

    SQLite has one writer at a time: the web app's writers queue on a lock (store/locks.py)
    rather than in SQLite's busy wait, where each would hold a pooled connection that readers
    need, and across server processes (``chitieu serve --workers N``) wake as soon as it is
    released. Other programs (the CLI's import) still meet SQLite's busy wait, as before.
    PostgreSQL orders writes itself (``Store.write`` takes a transaction lock).
    """
    if store.engine.dialect.name != "sqlite":
        return nullcontext()
    return sqlite_file_lock(store.engine.url.database or "")
