"""Serialising writes on SQLite: one writer at a time within a process and across processes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

try:
    import fcntl
except ImportError:  # Windows: one process's writers are still serialised
    fcntl = None  # type: ignore[assignment]

from chitieu.store.values import Store

#: SQLite has one writer at a time: writers of this process queue here rather than in SQLite's
#: busy wait, where each would hold a pooled connection that readers need
_SQLITE_WRITES = threading.Lock()
_LOCK_FILES: dict[str, int] = {}


def _lock_fd(database: str) -> int | None:
    """An open descriptor of the lock file beside an SQLite file, None if there is no file."""
    if fcntl is None or database in ("", ":memory:") or database.startswith("file:"):
        return None
    fd = _LOCK_FILES.get(database)
    if fd is None:
        fd = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
        _LOCK_FILES[database] = fd
    return fd


@contextmanager
def _sqlite_writer(database: str) -> Iterator[None]:
    """This process's writers one at a time, then one process's writer at a time.

    Between processes (``chitieu serve --workers N``) a writer that finds SQLite's write lock
    taken sleeps in SQLite's busy handler (1, 2, 5, 10, 15 … ms), far longer than a save holds
    the lock; blocked on ``flock`` it wakes as soon as the lock is released. The lock file is a
    separate file: SQLite's own POSIX locks on the database must not be touched. Other programs
    (the CLI's import) still meet SQLite's busy wait, as before.
    """
    with _SQLITE_WRITES:
        fd = _lock_fd(database)
        if fd is None:
            yield
            return
        assert fcntl is not None
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def writer(store: Store) -> AbstractContextManager[object]:
    """A context serialising writes on SQLite, within and across processes (none on PostgreSQL)."""
    if store.engine.dialect.name != "sqlite":
        return nullcontext()
    return _sqlite_writer(store.engine.url.database or "")
