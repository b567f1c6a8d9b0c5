"""Administration's records (tables of ``store/web_schema.py``, migration 0017): the audit of
administrative changes, overrides of a round's deadline, and the accounts' second factor.

Only SQL here: the rules are ``workflow/admin.py``, ``workflow/deadlines.py`` and
``workflow/totp.py``. Reads use ``Store.read_conn``, writes ``Store.transaction``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import delete, func, insert, select, update

from chitieu.store.web_schema import admin_event, deadline_setting, totp

if TYPE_CHECKING:
    from sqlalchemy import Connection, RowMapping

    from chitieu.store.values import Store

_e = admin_event.c
_d = deadline_setting.c
_t = totp.c


def add_event(
    conn: Connection, at: datetime, actor: str, action: str, target: str, detail: str | None
) -> None:
    """Record one administrative change (on the caller's transaction)."""
    conn.execute(
        insert(admin_event).values(
            at=at, actor=actor[:128], action=action, target=target[:200], detail=detail
        )
    )


def events(store: Store, limit: int = 50, target: str | None = None) -> list[RowMapping]:
    """The newest administrative changes (of one target if given), newest first."""
    q = select(admin_event).order_by(_e.id.desc()).limit(limit)
    if target is not None:
        q = q.where(_e.target == target)
    with store.read_conn() as conn:
        return list(conn.execute(q).mappings().all())


def deadline_overrides(conn: Connection) -> dict[tuple[str, str], int | None]:
    """(form, round) → the days after the period's end an administrator set last (None: the
    catalog's)."""
    newest = select(func.max(_d.id)).group_by(_d.form, _d.round).scalar_subquery()
    q = select(_d.form, _d.round, _d.days).where(_d.id.in_(newest))
    return {(r.form, r.round): r.days for r in conn.execute(q)}


def set_deadline(
    conn: Connection,
    form: str,
    round_: str,
    days: int | None,
    at: datetime,
    actor: str,
    comment: str | None,
) -> None:
    """Record an override of a round's deadline (None: back to the catalog's)."""
    conn.execute(
        insert(deadline_setting).values(
            form=form, round=round_, days=days, at=at, actor=actor, comment=comment
        )
    )


def deadline_history(conn: Connection, form: str) -> list[RowMapping]:
    """Every override of a form's deadlines, newest first."""
    q = select(deadline_setting).where(_d.form == form).order_by(_d.id.desc())
    return list(conn.execute(q).mappings().all())


class TotpRow(NamedTuple):
    """An account's second factor as stored."""

    secret: str
    enrolled: bool
    last_step: int | None


def totp_row(store: Store, account_id: int) -> TotpRow | None:
    """The account's second factor (None: it has none)."""
    q = select(_t.secret, _t.enrolled, _t.last_step).where(_t.account_id == account_id)
    with store.read_conn() as conn:
        r = conn.execute(q).first()
    return None if r is None else TotpRow(r.secret, bool(r.enrolled), r.last_step)


def start_totp(store: Store, account_id: int, secret: str, at: datetime) -> None:
    """A new, not yet confirmed secret for the account (replacing an unconfirmed one)."""
    with store.transaction() as conn:
        conn.execute(delete(totp).where(_t.account_id == account_id, _t.enrolled.is_(False)))
        conn.execute(
            insert(totp).values(account_id=account_id, secret=secret, enrolled=False, created_at=at)
        )


def use_step(conn: Connection, account_id: int, step: int, *, enrol: bool = False) -> bool:
    """Accept a code of time step ``step``: only if no code of that or a later step was
    accepted before (one statement: two requests with one code cannot both pass). ``enrol``:
    the first code, which confirms the secret. Whether it was accepted."""
    q = (
        update(totp)
        .where(_t.account_id == account_id, (_t.last_step.is_(None)) | (_t.last_step < step))
        .where(_t.enrolled.is_(not enrol))
        .values(last_step=step, enrolled=True)
    )
    return bool(conn.execute(q).rowcount)


def drop_totp(conn: Connection, account_id: int) -> int:
    """Remove the account's second factor; how many rows went (0 or 1)."""
    return int(conn.execute(delete(totp).where(_t.account_id == account_id)).rowcount)


def enrolled_ids(store: Store) -> set[int]:
    """The accounts with a confirmed second factor."""
    with store.read_conn() as conn:
        return set(conn.execute(select(_t.account_id).where(_t.enrolled.is_(True))).scalars())
