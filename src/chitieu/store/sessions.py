"""Sessions of signed-in browsers and failed sign-ins (tables ``web_session`` and
``web_login_failure`` of ``store/web_schema.py``, migration 0008).

Only SQL here: session ids come digested and user names normalised by ``web/sessions.py``.
A session is one row, looked up by its primary key on every request of its browser, so a
session that was ended (sign-out, password change, a disabled account) is refused by every
server process from that moment on. Its ``expires_at`` is when it ends unless it is used
again (the earlier of its absolute and its idle timeout, ``web/sessions.py``): a request moves
it forward (:func:`extend_session`, at most once a minute). Failed sign-ins are rows too, so
that the throttle counts the failures of every process.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import bindparam, delete, func, insert, select, update

from chitieu.store.web_schema import login_failure, session

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from chitieu.store.values import Store

#: the look-up every request of a signed-in browser makes (built once)
_SESSION = select(session.c.account_id, session.c.expires_at, session.c.created_at).where(
    session.c.id == bindparam("sid")
)
_f = login_failure.c
_FAILURES = select(
    func.count(),
    func.min(_f.at),
    func.count().filter(_f.username == bindparam("username")),
    func.min(_f.at).filter(_f.username == bindparam("username")),
).where(_f.address == bindparam("address"), _f.at > bindparam("since"))


class SessionRow(NamedTuple):
    """A session as stored: its account, when it ends unless used again, when it began."""

    account_id: int
    expires_at: datetime
    created_at: datetime


def session_row(store: Store, sid: str) -> SessionRow | None:
    """The session with this digest (None if there is none; it may have expired)."""
    with store.read_conn() as conn:
        got = conn.execute(_SESSION, {"sid": sid}).first()
    return None if got is None else SessionRow(int(got[0]), got[1], got[2])


def extend_session(store: Store, sid: str, expires_at: datetime, now: datetime) -> int:
    """Move a session's end forward to ``expires_at``, unless it has ended by ``now`` (or was
    deleted, or already ends later); how many rows changed (0 or 1)."""
    c = session.c
    q = (
        update(session)
        .where(c.id == sid, c.expires_at > now, c.expires_at < expires_at)
        .values(expires_at=expires_at)
    )
    with store.transaction() as conn:
        return int(conn.execute(q).rowcount)


def add_session(
    store: Store, sid: str, account_id: int, created_at: datetime, expires_at: datetime
) -> None:
    """Record a new session (and forget the expired ones)."""
    with store.transaction() as conn:
        conn.execute(delete(session).where(session.c.expires_at <= created_at))
        conn.execute(
            insert(session).values(
                id=sid, account_id=account_id, created_at=created_at, expires_at=expires_at
            )
        )


def end_session(store: Store, sid: str) -> int:
    """Delete one session; how many rows went (0: it had ended already)."""
    with store.transaction() as conn:
        return int(conn.execute(delete(session).where(session.c.id == sid)).rowcount)


def end_sessions(conn: Connection, account_id: int, keep: str | None = None) -> int:
    """Delete the account's sessions but ``keep`` (on the caller's transaction); how many."""
    q = delete(session).where(session.c.account_id == account_id)
    if keep is not None:
        q = q.where(session.c.id != keep)
    return int(conn.execute(q).rowcount)


def count_sessions(store: Store, account_id: int, now: datetime) -> int:
    """How many unexpired sessions the account has."""
    with store.read_conn() as conn:
        q = select(func.count()).where(
            session.c.account_id == account_id, session.c.expires_at > now
        )
        return int(conn.execute(q).scalar_one())


class Failures(NamedTuple):
    """Failed sign-ins since a moment: from one address, and of one user name from it."""

    address: int
    address_first: datetime | None
    pair: int
    pair_first: datetime | None


def failures(store: Store, username: str, address: str, since: datetime) -> Failures:
    """The failures from ``address`` after ``since``: all of them, and those for ``username``."""
    with store.read_conn() as conn:
        row = conn.execute(
            _FAILURES, {"username": username, "address": address, "since": since}
        ).one()
    return Failures(int(row[0]), row[1], int(row[2] or 0), row[3])


def add_failure(store: Store, username: str, address: str, at: datetime, forget: datetime) -> None:
    """Record a failed sign-in, and forget the failures from before ``forget``."""
    with store.transaction() as conn:
        conn.execute(delete(login_failure).where(_f.at < forget))
        conn.execute(insert(login_failure).values(at=at, username=username, address=address))


def clear_failures(store: Store, username: str, address: str) -> None:
    """Forget the failures of a user name from an address (it signed in)."""
    with store.transaction() as conn:
        conn.execute(delete(login_failure).where(_f.username == username, _f.address == address))
