"""Accounts, their roles and units, API tokens, and login throttling."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Role
from chitieu.errors import ChitieuError, UnitError
from chitieu.store import accounts as repo
from chitieu.store.accounts import AccountRecord
from chitieu.store.db import utcnow
from chitieu.web.errors import TooManyAttempts

if TYPE_CHECKING:
    from chitieu.store.values import Store

MIN_PASSWORD = 8
_hasher = PasswordHasher()
#: seconds a token's (or a session's) account is reused without asking the database; disabling
#: an account clears this process's cache at once, other processes see it within this time
ACCOUNT_TTL = 5.0
_CACHE_MAX = 10_000


class AccountError(ChitieuError):
    """An account cannot be created or changed as asked."""


@dataclass(frozen=True)
class Account:
    """A signed-in user: role and the units it reports for."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool = True
    lang: str = "vi"
    units: frozenset[str] = field(default_factory=frozenset)

    @property
    def sees_all(self) -> bool:
        """Admins, analysts and viewers read every unit's data."""
        return self.role in (Role.ADMIN, Role.ANALYST, Role.VIEWER)

    @property
    def is_ministry(self) -> bool:
        """Admins and analysts validate, approve and reopen."""
        return self.role in (Role.ADMIN, Role.ANALYST)

    def _own(self, unit_id: str) -> bool:
        if unit_id in self.units:
            return True
        try:  # a department of a merged province inherits its predecessors' records
            return registry().successor(unit_id).id in self.units
        except UnitError:
            return False

    def can_read(self, unit_id: str) -> bool:
        """Whether this account may read ``unit_id``'s data."""
        return self.sees_all or (self.role == Role.REPORTER and self._own(unit_id))

    def can_write(self, unit_id: str) -> bool:
        """Whether this account may enter or change ``unit_id``'s data."""
        return self.is_ministry or (self.role == Role.REPORTER and self._own(unit_id))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (no secrets)."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "active": self.active,
            "lang": self.lang,
            "units": sorted(self.units),
        }


def token_hash(token: str) -> str:
    """What the database keeps of a bearer token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class _AccountCache:
    """Accounts by token hash or id for ``ACCOUNT_TTL`` seconds, per database, process-wide.

    Only found, active accounts are kept (a wrong token is asked about every time). A
    generation counter keeps a look-up that raced with :meth:`clear` from storing what it read.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, object], tuple[float, Account]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, object]) -> Account | None:
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: tuple[str, str, object], acc: Account | None, generation: int) -> None:
        if acc is None or not acc.active:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._items) >= _CACHE_MAX:
                self._items.clear()
            self._items[key] = (time.monotonic() + ACCOUNT_TTL, acc)

    @property
    def generation(self) -> int:
        return self._generation

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._items.clear()


_cache = _AccountCache()


def _account(record: AccountRecord | None) -> Account | None:
    """The account of a stored record (None stays None)."""
    return None if record is None else Account(*record)


class Accounts:
    """Account records in the store's database (their SQL: ``store/accounts.py``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = repo.database(store)

    def cached(self, token: str | None = None, account_id: int | None = None) -> Account | None:
        """The account of a token (or an id) if this process looked it up in the last few
        seconds, without asking the database; None if it did not."""
        if token is not None:
            return _cache.get((self._db, "token", token_hash(token)))
        return _cache.get((self._db, "id", account_id))

    def get(self, account_id: int) -> Account | None:
        """The account with this id (the database's answer, also kept in the cache)."""
        generation = _cache.generation
        acc = _account(repo.by_id(self.store, account_id))
        _cache.put((self._db, "id", account_id), acc, generation)
        return acc

    def by_username(self, username: str) -> Account | None:
        """The account with this user name (case-insensitive)."""
        return _account(repo.by_username(self.store, username.strip().lower()))

    def add(
        self,
        username: str,
        password: str,
        role: str,
        *,
        display_name: str | None = None,
        units: list[str] | tuple[str, ...] = (),
        lang: str = "vi",
    ) -> Account:
        """Create an account; a reporter needs at least one unit."""
        name = username.strip().lower()
        if not name or not name.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise AccountError(
                f"invalid user name {username!r}", "use letters, digits, '.', '-' or '_'"
            )
        if role not in tuple(Role):
            raise AccountError(f"unknown role {role!r}", "roles: " + ", ".join(Role))
        if len(password) < MIN_PASSWORD:
            raise AccountError(
                "the password is too short", f"use at least {MIN_PASSWORD} characters"
            )
        reg = registry()
        ids = []
        for u in units:
            try:
                ids.append(reg.get(u).id if "@" in u or u == "VN" else reg.resolve(u, _today()).id)
            except UnitError as exc:
                raise AccountError(exc.message, exc.hint) from None
        if role == Role.REPORTER and not ids:
            raise AccountError(
                "a reporter must be bound to at least one unit", "add --unit 01@34 (or a name)"
            )
        new_id = repo.add_account(
            self.store,
            username=name,
            display_name=display_name or name,
            role=str(role),
            password_hash=_hasher.hash(password),
            lang=lang,
            units=dict.fromkeys(ids),
        )
        if new_id is None:
            raise AccountError(f"user {name!r} exists already", "choose another name")
        got = self.get(new_id)
        assert got is not None
        return got

    def list(self) -> list[Account]:
        """Every account, by user name."""
        ids = repo.ids_by_username(self.store)
        return [a for a in (self.get(i) for i in ids) if a is not None]

    def set_active(self, username: str, active: bool) -> Account:
        """Disable (or enable again) an account; a disabled account cannot sign in or use tokens."""
        n = repo.set_active(self.store, username.strip().lower(), active)
        _cache.clear()
        if not n:
            raise AccountError(f"no user {username!r}", "`chitieu users list` shows them")
        got = self.by_username(username)
        assert got is not None
        return got

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password is right and the account active, else None."""
        cred = repo.credentials(self.store, username.strip().lower())
        if cred is None:
            _hasher.hash(password)  # same cost whether or not the user exists
            return None
        try:
            _hasher.verify(cred.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if not cred.active:
            return None
        if _hasher.check_needs_rehash(cred.password_hash):
            repo.set_password_hash(self.store, cred.id, _hasher.hash(password))
        return self.get(cred.id)

    def add_token(self, username: str, label: str = "api") -> str:
        """A new bearer token for ``username``, returned once (only its hash is stored)."""
        acc = self.by_username(username)
        if acc is None:
            raise AccountError(f"no user {username!r}", "`chitieu users list` shows them")
        token = "ct_" + secrets.token_urlsafe(32)
        repo.add_token(self.store, acc.id, label, token_hash(token))
        return token

    def by_token(self, token: str) -> Account | None:
        """The active account a bearer token belongs to (the database's answer, then cached)."""
        digest = token_hash(token)
        generation = _cache.generation
        acc = _account(repo.by_token(self.store, digest))
        if acc is None or not acc.active:
            return None
        _cache.put((self._db, "token", digest), acc, generation)
        return acc

    def secret(self) -> str:
        """The key that signs session cookies, made once per database and kept in it."""
        got = repo.get_setting(self.store, "secret")
        if got:
            return got
        repo.add_setting(self.store, "secret", secrets.token_hex(32))  # False: another process did
        return self.secret()


def _today():  # type: ignore[no-untyped-def]
    return utcnow().date()


class LoginThrottle:
    """At most ``limit`` failed sign-ins per user name and address in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._fails: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        q = self._fails[key]
        now = time.monotonic()
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def check(self, username: str, ip: str) -> None:
        """Raise TooManyAttempts while the pair is locked out."""
        key = (username.strip().lower(), ip)
        with self._lock:
            q = self._recent(key)
            if len(q) >= self.limit:
                wait = int(self.window - (time.monotonic() - q[0])) + 1
                raise TooManyAttempts(
                    "too many failed sign-ins", f"wait {wait // 60 + 1} minutes", retry_after=wait
                )

    def failed(self, username: str, ip: str) -> None:
        """Count a failed attempt."""
        with self._lock:
            self._recent((username.strip().lower(), ip)).append(time.monotonic())

    def succeeded(self, username: str, ip: str) -> None:
        """Forget the failures of a pair that signed in."""
        with self._lock:
            self._fails.pop((username.strip().lower(), ip), None)
