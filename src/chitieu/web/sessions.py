"""Server-side sessions of signed-in browsers, and the sign-in throttle, both kept in the store.

**Sessions.** Signing in makes a random session id; the browser keeps it in Starlette's signed
session cookie (with the CSRF token), the store keeps its SHA-256 in ``web_session`` with the
account and the moment the session ends if it is not used again (``expires_at``). Every request
of a browser looks its session up by that digest — one primary-key read — so signing out (the
row is deleted), a password change (the account's other rows are deleted) or disabling the
account (all its rows) takes effect in every server process at the next request; a cookie
copied before is worth nothing after. Only the account's details (role, units) are cached
(``accounts.ACCOUNT_TTL``).

**Two timeouts.** A session ends ``SESSION_HOURS`` after sign-in whatever happens (the absolute
timeout), and earlier after ``CHITIEU_SESSION_IDLE_MINUTES`` (default :data:`IDLE_MINUTES`)
without a request (the idle timeout): ``expires_at`` is the earlier of ``created_at +
SESSION_HOURS`` and the last activity + the idle time. A request moves it forward, but the row is
written at most once a minute per session (:data:`TOUCH_EVERY`), after the response has been
sent (:class:`SessionActivity`), so that no request waits on the write: a session is thus
refused after between 59 and 60 minutes without a request (with the default). Whatever keeps a
session alive without requests — a long-lived event stream, a page's heartbeat — calls
:meth:`Sessions.mark_active` on each heartbeat: the one hook for activity.

**Throttle.** Failed sign-ins are rows of ``web_login_failure`` (user name, address, time), so
every worker process counts the same failures: at most ``PER_NAME`` failures per user name and
address and ``PER_ADDRESS`` per address over all names in ``WINDOW`` seconds; then 429 with
``Retry-After`` until the oldest of them is older than the window. Spraying one password
across many accounts from one address is stopped after ``PER_ADDRESS`` tries; a correct
password for one name clears only that name's failures from that address.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from chitieu.collect.limits import positive
from chitieu.store import sessions as repo
from chitieu.store.db import utcnow
from chitieu.web.errors import TooManyAttempts

if TYPE_CHECKING:
    from chitieu.store.values import Store
    from chitieu.web.accounts import Account, Accounts

LOG = logging.getLogger("chitieu.web")
SESSION_HOURS = 10
#: minutes without a request after which a session ends (``CHITIEU_SESSION_IDLE_MINUTES``)
IDLE_MINUTES = 60.0
#: the stored end of a session in use moves forward at most this often (one write a minute)
TOUCH_EVERY = timedelta(minutes=1)
#: the key of ``request.state`` (and of the ASGI scope's state) a due write is left under
TOUCH_KEY = "session_touch"
PER_NAME = 5
PER_ADDRESS = 20
WINDOW = 900.0


def idle_minutes(env: Mapping[str, str] | None = None) -> float:
    """``CHITIEU_SESSION_IDLE_MINUTES`` of the environment (default :data:`IDLE_MINUTES`); a
    value that is not a positive number is refused (``input-bad-limit``)."""
    text = (os.environ if env is None else env).get("CHITIEU_SESSION_IDLE_MINUTES", "")
    if not text.strip():
        return IDLE_MINUTES
    return float(positive("CHITIEU_SESSION_IDLE_MINUTES", text, float))


def digest(session_id: str) -> str:
    """What the store keeps of a session id: its SHA-256."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class Touch(NamedTuple):
    """A due move of a session's end: its digest, and the new end."""

    sid: str
    ends: datetime


class Sessions:
    """The sessions of signed-in browsers (their SQL: ``store/sessions.py``)."""

    def __init__(
        self,
        store: Store,
        accounts: Accounts,
        hours: float = SESSION_HOURS,
        idle: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.hours = hours
        #: minutes without a request after which a session ends
        self.idle = idle_minutes() if idle is None else idle
        self.clock = clock

    def _end(self, created: datetime, now: datetime) -> datetime:
        """When a session made at ``created`` and used at ``now`` ends if it is not used again."""
        return min(created + timedelta(hours=self.hours), now + timedelta(minutes=self.idle))

    def start(self, acc: Account) -> str:
        """A new session of ``acc``: its id, for the cookie (only its digest is stored)."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        repo.add_session(self.store, digest(sid), acc.id, now, self._end(now, now))
        return sid

    def visit(self, sid: str) -> tuple[Account | None, Touch | None]:
        """The active account of a session that has not ended (the store is asked every time),
        and the move of its end this visit makes due (None: moved less than a minute ago).
        The caller writes the move with :meth:`touch`, after its answer."""
        now = self.clock()
        got = repo.session_row(self.store, digest(sid))
        if got is None or got.expires_at <= now:
            return None, None
        acc = self.accounts.active(got.account_id)
        ends = self._end(got.created_at, now)
        due = acc is not None and ends - got.expires_at >= TOUCH_EVERY
        return acc, Touch(digest(sid), ends) if due else None

    def touch(self, touch: Touch) -> None:
        """Move a session's end forward (never back, never for a session that has ended)."""
        repo.extend_session(self.store, touch.sid, touch.ends, self.clock())

    def account(self, sid: str) -> Account | None:
        """The active account of a session that has not ended, its activity recorded now."""
        acc, due = self.visit(sid)
        if due is not None:
            self.touch(due)
        return acc

    def mark_active(self, sid: str) -> bool:
        """The hook for activity without requests (an event stream's or a page's heartbeat):
        the session counts as used now. False once it has ended (signed out, timed out, its
        account disabled): the caller stops serving it."""
        return self.account(sid) is not None

    def end(self, sid: str) -> None:
        """Sign a session out, in every process at once."""
        repo.end_session(self.store, digest(sid))

    def count(self, acc: Account) -> int:
        """How many sessions of ``acc`` are open."""
        return repo.count_sessions(self.store, acc.id, self.clock())


class SessionActivity:
    """ASGI middleware: the move of a session's end that a request made due
    (:meth:`Sessions.visit`) is written once the response has been sent, so that no request
    waits on that write (behind a big import's lock, say); a write that fails is logged and
    tried again on the session's next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, send)
        finally:
            touch = state.pop(TOUCH_KEY, None)
            if touch is not None:
                await run_in_threadpool(_touch, scope["app"].state.sessions, touch)


def _touch(sessions: Sessions, touch: Touch) -> None:
    try:
        sessions.touch(touch)
    except Exception as exc:  # the answer is sent: the next request tries again
        LOG.warning("a session's activity was not recorded: %s", exc)


def _name(username: str) -> str:
    return username.strip().lower()[:64]


class LoginThrottle:
    """Failed sign-ins counted in the store: per user name and address, and per address."""

    def __init__(
        self,
        store: Store,
        per_name: int = PER_NAME,
        per_address: int = PER_ADDRESS,
        window: float = WINDOW,
    ) -> None:
        self.store = store
        self.per_name = per_name
        self.per_address = per_address
        self.window = window

    def check(self, username: str, address: str) -> None:
        """Raise TooManyAttempts (with ``retry_after`` seconds) while the name or the address
        is locked out."""
        now = utcnow()
        got = repo.failures(self.store, _name(username), address[:64], now - self._span)
        waits = [
            self.window - (now - first).total_seconds()
            for count, limit, first in (
                (got.pair, self.per_name, got.pair_first),
                (got.address, self.per_address, got.address_first),
            )
            if count >= limit and first is not None
        ]
        if waits:
            wait = max(1, int(max(waits)) + 1)
            raise TooManyAttempts(
                "too many failed sign-ins", f"wait {wait // 60 + 1} minutes", retry_after=wait
            )

    def failed(self, username: str, address: str) -> None:
        """Count a failed attempt (and forget those older than the window)."""
        now = utcnow()
        repo.add_failure(self.store, _name(username), address[:64], now, now - self._span)

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of a user name from an address that signed in."""
        repo.clear_failures(self.store, _name(username), address[:64])

    @property
    def _span(self) -> timedelta:
        return timedelta(seconds=self.window)
