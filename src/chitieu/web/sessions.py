"""Server-side sessions of signed-in browsers, and the sign-in throttle, both kept in the store.

**Sessions.** Signing in makes a random session id; the browser keeps it in Starlette's signed
session cookie (with the CSRF token), the store keeps its SHA-256 in ``web_session`` with the
account and an expiry (``SESSION_HOURS`` after sign-in). Every request of a browser looks its
session up by that digest — one primary-key read — so signing out (the row is deleted), a
password change (the account's other rows are deleted) or disabling the account (all its rows)
takes effect in every server process at the next request; a cookie copied before is worth
nothing after. Only the account's details (role, units) are cached (``accounts.ACCOUNT_TTL``).

**Throttle.** Failed sign-ins are rows of ``web_login_failure`` (user name, address, time), so
every worker process counts the same failures: at most ``PER_NAME`` failures per user name and
address and ``PER_ADDRESS`` per address over all names in ``WINDOW`` seconds; then 429 with
``Retry-After`` until the oldest of them is older than the window. Spraying one password
across many accounts from one address is stopped after ``PER_ADDRESS`` tries; a correct
password for one name clears only that name's failures from that address.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from chitieu.store import sessions as repo
from chitieu.store.db import utcnow
from chitieu.web.errors import TooManyAttempts

if TYPE_CHECKING:
    from chitieu.store.values import Store
    from chitieu.web.accounts import Account, Accounts

SESSION_HOURS = 10
PER_NAME = 5
PER_ADDRESS = 20
WINDOW = 900.0


def digest(session_id: str) -> str:
    """What the store keeps of a session id: its SHA-256."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The sessions of signed-in browsers (their SQL: ``store/sessions.py``)."""

    def __init__(self, store: Store, accounts: Accounts, hours: float = SESSION_HOURS) -> None:
        self.store = store
        self.accounts = accounts
        self.hours = hours

    def start(self, acc: Account) -> str:
        """A new session of ``acc``: its id, for the cookie (only its digest is stored)."""
        sid = secrets.token_urlsafe(32)
        now = utcnow()
        repo.add_session(self.store, digest(sid), acc.id, now, now + timedelta(hours=self.hours))
        return sid

    def account(self, sid: str) -> Account | None:
        """The active account of an unexpired session (the store is asked every time)."""
        account_id = repo.session_account(self.store, digest(sid), utcnow())
        return None if account_id is None else self.accounts.active(account_id)

    def end(self, sid: str) -> None:
        """Sign a session out, in every process at once."""
        repo.end_session(self.store, digest(sid))

    def count(self, acc: Account) -> int:
        """How many sessions of ``acc`` are open."""
        return repo.count_sessions(self.store, acc.id, utcnow())


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
