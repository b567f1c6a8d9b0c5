"""Account records of the web application: accounts, the units they report for, API tokens
and settings (tables of ``store/web_schema.py``).

Only SQL here: user names come normalised, passwords hashed and tokens digested by
``web/accounts.py``. Reads use ``Store.read_conn``, writes ``Store.transaction``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Select, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from chitieu.catalog.vocabulary import MAX_ID_32, is_id
from chitieu.errors import IdError
from chitieu.store.db import inserted_id, utcnow
from chitieu.store.sessions import end_sessions
from chitieu.store.web_schema import account, account_unit, api_token, setting

if TYPE_CHECKING:
    from chitieu.store.values import Store


class AccountRecord(NamedTuple):
    """An account row with the units bound to it (the fields of ``web.accounts.Account``)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    lang: str
    units: frozenset[str]
    email: str | None = None
    notices: str = "all"


class Credentials(NamedTuple):
    """What signing in checks: the account's id, password hash and whether it is active."""

    id: int
    password_hash: str
    active: bool


_ACCOUNT = select(account, account_unit.c.unit.label("bound_unit")).outerjoin(
    account_unit, account_unit.c.account_id == account.c.id
)
#: prepared look-ups (built once: building statements per request costs milliseconds)
_BY_ID = _ACCOUNT.where(account.c.id == bindparam("id"))
_BY_NAME = _ACCOUNT.where(account.c.username == bindparam("username"))
#: the look-up every request with a bearer token makes: is it still valid, and whose
_TOKEN_ACCOUNT = select(api_token.c.account_id).where(
    api_token.c.token_hash == bindparam("token_hash"), api_token.c.revoked.is_(False)
)
_TOKENS = (
    select(
        api_token.c.id,
        account.c.username,
        api_token.c.label,
        api_token.c.created_at,
        api_token.c.revoked,
        api_token.c.revoked_at,
        api_token.c.revoked_by,
    )
    .join(account, account.c.id == api_token.c.account_id)
    .order_by(account.c.username, api_token.c.id)
)


class TokenRecord(NamedTuple):
    """A bearer token as listed (never its hash): id, owner, label, and whether revoked."""

    id: int
    username: str
    label: str
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None
    revoked_by: str | None


def database(store: Store) -> str:
    """The store's full database URL: what a process-wide cache tells databases apart by."""
    return store.engine.url.render_as_string(hide_password=False)


def _load(store: Store, query: Select[Any], **params: object) -> AccountRecord | None:
    """Run one of the prepared look-ups: the account row joined with its units."""
    with store.read_conn() as conn:
        rows = conn.execute(query, params).mappings().all()
    if not rows:
        return None
    row = rows[0]
    return AccountRecord(
        row["id"],
        row["username"],
        row["display_name"],
        row["role"],
        bool(row["active"]),
        row["lang"],
        frozenset(r["bound_unit"] for r in rows if r["bound_unit"] is not None),
        row["email"],
        row["notices"] or "all",
    )


def by_id(store: Store, account_id: int) -> AccountRecord | None:
    """The account with this id."""
    return _load(store, _BY_ID, id=account_id)


def by_username(store: Store, username: str) -> AccountRecord | None:
    """The account with this (normalised) user name."""
    return _load(store, _BY_NAME, username=username)


def ids_by_username(store: Store) -> list[int]:
    """Every account's id, ordered by user name."""
    with store.read_conn() as conn:
        return list(conn.execute(select(account.c.id).order_by(account.c.username)).scalars())


def add_account(
    store: Store,
    *,
    username: str,
    display_name: str,
    role: str,
    password_hash: str,
    lang: str,
    units: Iterable[str],
    email: str | None = None,
    notices: str = "all",
) -> int | None:
    """Insert an active account bound to ``units``, in one transaction; its id, or None if
    the user name is taken."""
    try:
        with store.transaction() as conn:
            new_id = inserted_id(
                conn.execute(
                    insert(account).values(
                        username=username,
                        display_name=display_name,
                        role=role,
                        password_hash=password_hash,
                        active=True,
                        lang=lang,
                        created_at=utcnow(),
                        email=email,
                        notices=notices,
                    )
                )
            )
            for u in units:
                conn.execute(insert(account_unit).values(account_id=new_id, unit=u))
    except IntegrityError:
        return None
    return int(new_id)


def set_active(store: Store, username: str, active: bool, by: str = "disabled") -> int:
    """Set the account's ``active`` flag; the number of accounts changed (0: no such user).

    Disabling also revokes the account's tokens (``revoked_by``: ``by``) and ends its sessions,
    in the same transaction; enabling it again brings neither back.
    """
    with store.transaction() as conn:
        acc_id = conn.execute(select(account.c.id).where(account.c.username == username)).scalar()
        if acc_id is None:
            return 0
        conn.execute(update(account).where(account.c.id == acc_id).values(active=active))
        if not active:
            _revoke(conn, acc_id, None, by)
            end_sessions(conn, acc_id)
        return 1


def set_contact(store: Store, username: str, values: dict[str, str | None]) -> int:
    """Change the account's e-mail address and/or notice preference (``values``: ``email``,
    ``notices``); the number of accounts changed (0: no such user)."""
    with store.transaction() as conn:
        q = update(account).where(account.c.username == username).values(**values)
        return int(conn.execute(q).rowcount)


def credentials(store: Store, username: str) -> Credentials | None:
    """The id, password hash and active flag of the account with this user name."""
    with store.read_conn() as conn:
        row = conn.execute(
            select(account.c.id, account.c.password_hash, account.c.active).where(
                account.c.username == username
            )
        ).first()
    return None if row is None else Credentials(row.id, row.password_hash, bool(row.active))


def set_password_hash(
    store: Store,
    account_id: int,
    password_hash: str,
    *,
    end_sessions_but: str | None = None,
    end_all: bool = False,
) -> int:
    """Replace the account's password hash (a rehash with newer parameters, or a new
    password); a new password also ends the account's sessions — all, or all but the one
    whose digest is ``end_sessions_but`` — in the same transaction. The sessions ended."""
    with store.transaction() as conn:
        conn.execute(
            update(account).where(account.c.id == account_id).values(password_hash=password_hash)
        )
        if end_all or end_sessions_but is not None:
            return end_sessions(conn, account_id, keep=end_sessions_but)
    return 0


def add_token(store: Store, account_id: int, label: str, digest: str) -> None:
    """Store a new, unrevoked bearer token of the account by its hash."""
    with store.transaction() as conn:
        conn.execute(
            insert(api_token).values(
                account_id=account_id,
                label=label,
                token_hash=digest,
                created_at=utcnow(),
                revoked=False,
            )
        )


def token_account(store: Store, digest: str) -> int | None:
    """The account id of the unrevoked token with this hash (None if none)."""
    with store.read_conn() as conn:
        got = conn.execute(_TOKEN_ACCOUNT, {"token_hash": digest}).scalar()
    return None if got is None else int(got)


def tokens(store: Store, account_id: int | None = None) -> list[TokenRecord]:
    """The tokens of one account (or of every account), by user name and id."""
    q = _TOKENS if account_id is None else _TOKENS.where(api_token.c.account_id == account_id)
    with store.read_conn() as conn:
        return [TokenRecord(*r[:4], bool(r[4]), r[5], r[6]) for r in conn.execute(q).all()]


def _token_id(token_id: int) -> int:
    """``token_id`` if a token can have it (raises :class:`IdError`, exit 2, before any look-up;
    the column is a 32-bit INTEGER on PostgreSQL)."""
    if not is_id(token_id, MAX_ID_32):
        raise IdError(code="id-invalid", what="token", id=token_id, top=MAX_ID_32)
    return token_id


def token(store: Store, token_id: int) -> TokenRecord | None:
    """One token by its id (an id no row can have: :class:`IdError`)."""
    _token_id(token_id)
    with store.read_conn() as conn:
        r = conn.execute(_TOKENS.where(api_token.c.id == token_id)).first()
    return None if r is None else TokenRecord(*r[:4], bool(r[4]), r[5], r[6])


def _revoke(conn: Any, account_id: int | None, token_id: int | None, by: str) -> int:
    q = update(api_token).where(api_token.c.revoked.is_(False))
    if account_id is not None:
        q = q.where(api_token.c.account_id == account_id)
    if token_id is not None:
        q = q.where(api_token.c.id == token_id)
    return int(conn.execute(q.values(revoked=True, revoked_at=utcnow(), revoked_by=by)).rowcount)


def revoke_token(store: Store, token_id: int, by: str) -> int:
    """Revoke one token (if not revoked already); how many were revoked (0 or 1)."""
    _token_id(token_id)
    with store.transaction() as conn:
        return _revoke(conn, None, token_id, by)


def revoke_tokens(store: Store, account_id: int, by: str) -> int:
    """Revoke every token of an account; how many were revoked."""
    with store.transaction() as conn:
        return _revoke(conn, account_id, None, by)


def get_setting(store: Store, name: str) -> str | None:
    """The value of a setting (None if unset or empty)."""
    with store.read_conn() as conn:
        got = conn.execute(select(setting.c.value).where(setting.c.name == name)).scalar()
    return str(got) if got else None


def add_setting(store: Store, name: str, value: str) -> bool:
    """Store a setting unless it exists; False if it did (another process made it first)."""
    try:
        with store.transaction() as conn:
            conn.execute(insert(setting).values(name=name, value=value))
    except IntegrityError:
        return False
    return True


def put_setting(store: Store, name: str, value: str) -> None:
    """Set a setting, replacing its value (one transaction)."""
    with store.transaction() as conn:
        conn.execute(delete(setting).where(setting.c.name == name))
        conn.execute(insert(setting).values(name=name, value=value))


def set_role_units(store: Store, account_id: int, role: str, units: Iterable[str]) -> None:
    """Give the account ``role`` and bind it to exactly ``units`` (one transaction)."""
    with store.transaction() as conn:
        conn.execute(update(account).where(account.c.id == account_id).values(role=role))
        conn.execute(delete(account_unit).where(account_unit.c.account_id == account_id))
        for u in units:
            conn.execute(insert(account_unit).values(account_id=account_id, unit=u))
