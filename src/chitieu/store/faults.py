"""Faults of the database told as what they are: a :class:`StoreError` naming the cause.

A locked SQLite file, a full disk, a read-only or corrupt file, a PostgreSQL server that went
away: the driver raises these deep inside any read or write. :func:`fault_of` recognises them
(on the exception or anything it was raised from) so that the CLI exits 4 and the web answers
503 with a message that says what happened and what to do, never a traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from chitieu.errors import StoreError

#: (code of catalog/data/errors_faults.yaml, words of the driver's message that mean it)
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("store-locked", ("database is locked", "database table is locked", "lock timeout",
                      "canceling statement due to lock timeout", "deadlock detected")),
    ("store-full", ("database or disk is full", "no space left on device", "disk full",
                    "could not extend file", "disk quota exceeded")),
    ("store-readonly", ("attempt to write a readonly database", "read-only file system",
                        "readonly database", "in a read-only transaction",
                        "permission denied")),
    ("store-cannot-open", ("unable to open database file",)),
    ("store-corrupt", ("file is not a database", "database disk image is malformed",
                       "file is encrypted or is not a database", "malformed database schema",
                       "disk i/o error", "invalid page", "checksum mismatch")),
    ("store-gone", ("server closed the connection", "connection refused", "could not connect",
                    "terminating connection", "connection is closed", "connection timed out",
                    "the database system is shutting down", "the database system is starting",
                    "ssl syscall error", "consuming input failed", "connection to server",
                    "no connection to the server", "connection failed")),
)  # fmt: skip
_ERRNO = {
    errno.ENOSPC: "store-full",
    errno.EDQUOT: "store-full",
    errno.EROFS: "store-readonly",
    errno.EACCES: "store-readonly",
    errno.EPERM: "store-readonly",
}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend((getattr(e, "orig", None), e.__cause__, e.__context__))


def _is_database_error(exc: BaseException) -> bool:
    """An error of SQLAlchemy or of a database driver (sqlite3, psycopg)."""
    mod = type(exc).__module__ or ""
    return mod.startswith(("sqlalchemy", "sqlite3", "psycopg", "_sqlite3"))


def fault_of(exc: BaseException, db: str = "") -> StoreError | None:
    """The :class:`StoreError` that tells ``exc`` if it is a fault of the database or of the
    disk under it (None for anything else: a programming error stays one)."""
    for e in _chain(exc):
        if isinstance(e, StoreError):
            return e
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, OSError) and e.errno in _ERRNO and not _is_database_error(e):
            return StoreError(code=_ERRNO[e.errno], db=db or "?", detail=_detail(e))
    if not any(_is_database_error(e) for e in chain):
        return None
    for e in chain:
        words = str(e).lower()
        for code, needles in _KINDS:
            if any(n in words for n in needles):
                return StoreError(code=code, db=db or "?", detail=_detail(e))
    first = next(e for e in chain if _is_database_error(e))
    return StoreError(code="store-fault", db=db or "?", detail=_detail(first))


def _detail(exc: BaseException) -> str:
    """The driver's own words, on one line and short (no SQL, no parameters)."""
    text = str(getattr(exc, "orig", None) or exc).split("\n[SQL:")[0]
    line = " ".join(text.split())
    return line[:300] + ("…" if len(line) > 300 else "")
