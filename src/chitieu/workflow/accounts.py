"""Accounts: their records, passwords, API tokens and the key that signs sessions.

The core's registry of accounts (``store/accounts.py`` holds its SQL): the CLI's ``chitieu users``
and ``chitieu tokens``, the web's sign-in and its token check, and the demo all go through
:class:`Accounts`. What an account may do is ``workflow/roles.py``.

A bearer token is checked against the store on every request (one look-up by its hash), so a
token revoked by any process — `chitieu tokens revoke`, the tokens page, disabling its
account — is refused by every server process at once. Only the account behind it (role,
units, names) is kept for ``ACCOUNT_TTL`` seconds per process.
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
import threading
import time
from datetime import date
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Role
from chitieu.clock import today
from chitieu.errors import ChitieuError, UnitError
from chitieu.store import accounts as repo
from chitieu.store.accounts import AccountRecord, TokenRecord
from chitieu.workflow.roles import Account

if TYPE_CHECKING:
    from chitieu.store.values import Store

__all__ = ["ACCOUNT_TTL", "Account", "AccountError", "Accounts", "TokenRecord", "token_hash"]

MIN_PASSWORD = 8
_hasher = PasswordHasher()
#: seconds an account (role, units, names) is reused without asking the database; whether the
#: token or session that names it is still valid is asked on every request
ACCOUNT_TTL = 5.0
#: who an administrative change is audited as when the caller names nobody (the CLI)
CLI = "cli"
_CACHE_MAX = 10_000


class AccountError(ChitieuError):
    """An account cannot be created or changed as asked (codes of ``errors_web.yaml``)."""


def token_hash(token: str) -> str:
    """What the database keeps of a bearer token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class _AccountCache:
    """Accounts by id for ``ACCOUNT_TTL`` seconds, per database, process-wide.

    Only found, active accounts are kept. A generation counter keeps a look-up that raced
    with :meth:`clear` from storing what it read.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, object], tuple[float, Account]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, object]) -> Account | None:
        """The cached account, if still fresh."""
        hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: tuple[str, str, object], acc: Account | None, generation: int) -> None:
        """Keep a found, active account (unless the cache was cleared since the look-up)."""
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
        """Raised by every :meth:`clear`."""
        return self._generation

    def clear(self) -> None:
        """Forget every account (an account changed)."""
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

    def cached(self, account_id: int) -> Account | None:
        """The account with this id if this process looked it up in the last few seconds,
        without asking the database; None if it did not."""
        return _cache.get((self._db, "id", account_id))

    def get(self, account_id: int) -> Account | None:
        """The account with this id (the database's answer, also kept in the cache)."""
        generation = _cache.generation
        acc = _account(repo.by_id(self.store, account_id))
        _cache.put((self._db, "id", account_id), acc, generation)
        return acc

    def active(self, account_id: int) -> Account | None:
        """The active account with this id: from the cache, else from the database."""
        acc = self.cached(account_id) or self.get(account_id)
        return acc if acc is not None and acc.active else None

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
        email: str | None = None,
        notices: str = "all",
        by: str = CLI,
    ) -> Account:
        """Create an account; a reporter needs at least one unit. ``email``: where its notices
        are e-mailed; ``notices``: all (app and e-mail), app or none. ``by``: who (audited)."""
        name = username.strip().lower()
        if not name or not name.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise AccountError(code="account-name-invalid", name=username)
        _check_password(password)
        ids = _role_units(role, units)
        email, notices = check_email(email), check_notices(notices)
        new_id = repo.add_account(
            self.store,
            username=name,
            display_name=display_name or name,
            role=str(role),
            password_hash=_hasher.hash(password),
            lang=lang,
            units=dict.fromkeys(ids),
            email=email,
            notices=notices,
        )
        if new_id is None:
            raise AccountError(code="account-exists", name=name)
        got = self.get(new_id)
        assert got is not None
        self._audit(by, "user-add", name, f"{role} {' '.join(ids)}".strip())
        return got

    def set_role_units(
        self, username: str, role: str, units: list[str] | tuple[str, ...], *, by: str = CLI
    ) -> Account:
        """Give the account another role and/or other units (the same rules as :meth:`add`:
        a reporter or a head needs a unit); its sessions and tokens stay."""
        acc = self._named(username.strip().lower())
        ids = _role_units(role, units)
        repo.set_role_units(self.store, acc.id, str(role), dict.fromkeys(ids))
        _cache.clear()
        self._audit(by, "user-role", acc.username, f"{role} {' '.join(ids)}".strip())
        return self._named(acc.username)

    def _audit(self, by: str, action: str, target: str, detail: str | None = None) -> None:
        from chitieu.workflow.admin import record  # the audit of administrative changes

        record(self.store, by, action, target, detail)

    def list(self) -> list[Account]:
        """Every account, by user name."""
        ids = repo.ids_by_username(self.store)
        return [a for a in (self.get(i) for i in ids) if a is not None]

    def set_active(self, username: str, active: bool, *, by: str = CLI) -> Account:
        """Disable (or enable again) an account. Disabling revokes its tokens and ends its
        sessions (in every process at once); enabling it again brings neither back."""
        n = repo.set_active(self.store, username.strip().lower(), active)
        _cache.clear()
        if not n:
            raise AccountError(code="account-unknown", name=username)
        got = self.by_username(username)
        assert got is not None
        self._audit(by, "user-enable" if active else "user-disable", got.username)
        return got

    def set_contact(
        self, username: str, *, email: str | None = None, notices: str | None = None
    ) -> Account:
        """Change where the account's notices are e-mailed (``email``; "" removes the address)
        and which notices it gets (``notices``: all, app or none); None leaves either as is."""
        values: dict[str, str | None] = {}
        if email is not None:
            values["email"] = check_email(email)
        if notices is not None:
            values["notices"] = check_notices(notices)
        name = username.strip().lower()
        if values and not repo.set_contact(self.store, name, values):
            raise AccountError(code="account-unknown", name=username)
        _cache.clear()
        return self._named(name)

    def set_password(
        self,
        username: str,
        password: str,
        *,
        keep_session: str | None = None,
        by: str | None = CLI,
    ) -> int:
        """Give the account a new password and end its sessions — every one, or every one but
        the session digest ``keep_session`` (the browser that changed it); how many ended.
        Its API tokens stay: they are revoked on their own (``revoke_tokens``). ``by``: who
        reset it (audited; None: the account's own change)."""
        _check_password(password)
        acc = self.by_username(username)
        if acc is None:
            raise AccountError(code="account-unknown", name=username)
        if by is not None:
            self._audit(by, "user-password", acc.username)
        return repo.set_password_hash(
            self.store,
            acc.id,
            _hasher.hash(password),
            end_sessions_but=keep_session,
            end_all=keep_session is None,
        )

    def change_password(
        self, acc: Account, current: str, new: str, repeat: str, *, keep_session: str | None
    ) -> int:
        """A user's own change: the current password first, the new one twice."""
        if new != repeat:
            raise AccountError(code="account-password-mismatch")
        cred = repo.credentials(self.store, acc.username)
        if cred is None or not _verify(cred.password_hash, current):
            raise AccountError(code="account-password-wrong")
        return self.set_password(acc.username, new, keep_session=keep_session, by=None)

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password is right and the account active, else None."""
        cred = repo.credentials(self.store, username.strip().lower())
        if cred is None:
            _hasher.hash(password)  # same cost whether or not the user exists
            return None
        if not _verify(cred.password_hash, password):
            return None
        if not cred.active:
            return None
        if _hasher.check_needs_rehash(cred.password_hash):
            repo.set_password_hash(self.store, cred.id, _hasher.hash(password))
        return self.get(cred.id)

    def _named(self, username: str) -> Account:
        acc = self.by_username(username)
        if acc is None:
            raise AccountError(code="account-unknown", name=username)
        return acc

    def add_token(self, username: str, label: str = "api", *, by: str = CLI) -> str:
        """A new bearer token for ``username``, returned once (only its hash is stored)."""
        acc = self._named(username)
        token = "ct_" + secrets.token_urlsafe(32)
        repo.add_token(self.store, acc.id, label, token_hash(token))
        self._audit(by, "token-add", acc.username, label)
        return token

    def by_token(self, token: str) -> Account | None:
        """The active account of an unrevoked bearer token: the token is looked up in the
        database every time (one query by its hash), its account comes from the cache."""
        account_id = repo.token_account(self.store, token_hash(token))
        return None if account_id is None else self.active(account_id)

    def tokens(self, username: str | None = None) -> builtins.list[TokenRecord]:
        """The tokens of one account (every account's if None), never their hashes."""
        if username is None:
            return repo.tokens(self.store)
        return repo.tokens(self.store, self._named(username).id)

    def token(self, token_id: int) -> TokenRecord:
        """One token by its id."""
        got = repo.token(self.store, token_id)
        if got is None:
            raise AccountError(code="token-unknown", id=token_id)
        return got

    def revoke_token(self, token_id: int, by: str) -> TokenRecord:
        """Revoke a token (revoking a revoked one changes nothing); the token as it is now."""
        tok = self.token(token_id)
        if repo.revoke_token(self.store, token_id, by):
            self._audit(by, "token-revoke", tok.username, f"#{token_id} {tok.label}")
        return self.token(token_id)

    def revoke_tokens(self, username: str, by: str) -> int:
        """Revoke every token of an account; how many were still valid."""
        n = repo.revoke_tokens(self.store, self._named(username).id, by)
        self._audit(by, "token-revoke", username.strip().lower(), f"{n}")
        return n

    def secret(self) -> str:
        """The key that signs session cookies, made once per database and kept in it."""
        got = repo.get_setting(self.store, "secret")
        if got:
            return got
        repo.add_setting(self.store, "secret", secrets.token_hex(32))  # False: another process did
        return self.secret()


def _today() -> date:
    return today()


def _role_units(role: str, units: list[str] | tuple[str, ...]) -> list[str]:
    """The ids of ``units`` (ids, codes or names) for an account of ``role``; AccountError for
    an unknown role or unit, or a reporter or a head without a unit."""
    if role not in tuple(Role):
        raise AccountError(code="account-role-unknown", name=role, roles=", ".join(Role))
    reg = registry()
    ids = []
    for u in units:
        try:
            ids.append(reg.get(u).id if "@" in u or u == "VN" else reg.resolve(u, _today()).id)
        except UnitError as exc:  # told in both languages as the unit error is
            raise AccountError(exc.message, exc.hint, code=exc.code, **exc.params) from None
    if role == Role.REPORTER and not ids:
        raise AccountError(code="account-reporter-no-unit")
    if role == Role.HEAD and not ids:
        raise AccountError(code="account-head-no-unit")
    return ids


#: which notices an account gets: in the app and by e-mail, in the app only, none
NOTICE_PREFERENCES = ("all", "app", "none")
_EMAIL_MAX = 254


def check_email(email: str | None) -> str | None:
    """An e-mail address as stored (trimmed; None for none); AccountError if it is not one."""
    text = (email or "").strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    plain = not any(c.isspace() or c in '<>,;"' or ord(c) < 32 for c in text)
    if not (at and local and "." in domain.strip(".") and plain and len(text) <= _EMAIL_MAX):
        raise AccountError(code="account-email-invalid", email=text)
    return text


def check_notices(notices: str) -> str:
    """A notice preference (all, app, none); AccountError naming them otherwise."""
    if notices not in NOTICE_PREFERENCES:
        raise AccountError(
            code="account-notices-invalid", notices=notices, choices=", ".join(NOTICE_PREFERENCES)
        )
    return notices


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(code="account-password-short", min=MIN_PASSWORD)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
