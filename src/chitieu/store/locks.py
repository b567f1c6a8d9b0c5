"""A lock between processes on one SQLite file: a lock file beside it, taken with ``flock``.

SQLite's own locking makes a second writer sleep in its busy handler (1, 2, 5, 10 … ms) and
makes a second process migrating a new file fail on tables the first is creating. Waiting on
``flock`` wakes as soon as the lock is released. The lock file is a separate file: SQLite's own
POSIX locks on the database must not be touched.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # Windows: no lock between processes (one process's threads still queue)
    fcntl = None  # type: ignore[assignment]

_LOCK_FILES: dict[str, int] = {}
_THREADS: dict[str, threading.Lock] = {}
_OPEN = threading.Lock()


def _locks(database: str) -> tuple[threading.Lock, int | None]:
    """This process's lock of ``database``, and the open lock file beside it (None: no file)."""
    with _OPEN:
        thread_lock = _THREADS.setdefault(database, threading.Lock())
        if fcntl is None or database in ("", ":memory:") or database.startswith("file:"):
            return thread_lock, None
        fd = _LOCK_FILES.get(database)
        if fd is None:
            fd = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
            _LOCK_FILES[database] = fd
        return thread_lock, fd


@contextmanager
def sqlite_file_lock(database: str) -> Iterator[None]:
    """Hold the lock of the SQLite file ``database``: this process's threads one at a time
    (a ``flock`` lock belongs to the open file, not to a thread), then one process at a time.
    Not re-entrant.
    """
    thread_lock, fd = _locks(database)
    with thread_lock:
        if fd is None:
            yield
            return
        assert fcntl is not None
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
