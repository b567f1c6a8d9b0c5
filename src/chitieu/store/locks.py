"""Locks that order writers: across processes on one SQLite file, and per slice on PostgreSQL.

SQLite: a lock file beside the database, taken with ``flock``. SQLite's own locking makes a
second writer sleep in its busy handler (1, 2, 5, 10 … ms) and a second process migrating a
new file fail on tables the first is creating; waiting on ``flock`` wakes as soon as the lock
is released. The lock file is a separate file: SQLite's own POSIX locks on the database must
not be touched. PostgreSQL: the store's transaction-level advisory lock (:func:`store_lock`).
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

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


#: PostgreSQL: writes that touch the same unit × period take their ids (and times) in commit
#: order. Without that, an import that drew its ids before a web save but committed after it
#: would leave the form's "newest id" unchanged, and a client holding that version could save
#: over the import's values without a conflict. A write of a few unit × period slices takes
#: the store's lock shared and each slice's lock (in order: no deadlock); a bigger one takes
#: the store's lock alone, exclusively (PostgreSQL's lock table is small). Both are
#: transaction locks, released at commit.
_PG_LOCK_SPACE = 1667786089  # "chit": the first key of every slice lock
_PG_STORE_KEY = 6868463961092451  # "chitieu"
_STORE_SHARED = f"SELECT pg_advisory_xact_lock_shared({_PG_STORE_KEY})"
_STORE_ALONE = f"SELECT pg_advisory_xact_lock({_PG_STORE_KEY})"
_PG_STORE_SHARED = text(_STORE_SHARED)
_PG_STORE_ALONE = text(_STORE_ALONE)
#: more unit × period slices than this in one write: it takes the store's lock alone (and web
#: saves wait for it). 128 covers a national file of every province for a period or two; the
#: lock table holds max_locks_per_transaction (64) × max_connections (100) locks by default.
PG_SLICE_LOCKS_MAX = 128


def _slice_key(unit: str, period: str) -> int:
    """A stable signed 32-bit key of a unit × period slice."""
    crc = zlib.crc32(f"{unit}\x1f{period}".encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def begin_locked(slices: Iterable[tuple[str, str]] | None, alone: bool = False) -> str:
    """The statements that open a write transaction and take its locks, sent together in one
    round trip on a connection in autocommit mode (the transaction is the caller's to end):
    the store's lock alone (``alone``, or more than :data:`PG_SLICE_LOCKS_MAX` slices), or
    shared and then each slice's lock in key order (statements of one query run in order: no
    deadlock). Only integers of ours are written into them."""
    head = "BEGIN ISOLATION LEVEL READ COMMITTED; "
    keys = [] if slices is None or alone else sorted({_slice_key(u, p) for u, p in slices})
    if alone or len(keys) > PG_SLICE_LOCKS_MAX:
        return head + _STORE_ALONE
    locks = [_STORE_SHARED]
    locks += [f"SELECT pg_advisory_xact_lock({_PG_LOCK_SPACE}, {int(k)})" for k in keys]
    return head + "; ".join(locks)


def store_lock(conn: Connection, alone: bool = False) -> None:
    """Take the store's transaction lock on PostgreSQL: shared (every writer), or alone (a
    restore or a rebuild: no other writer meanwhile)."""
    conn.execute(_PG_STORE_ALONE if alone else _PG_STORE_SHARED)
