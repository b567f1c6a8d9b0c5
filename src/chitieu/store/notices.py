"""The notices' outbox (``notice``, migration 0011): one row per event × recipient × channel.

An event of a report (a return, an acceptance, an approval, a reply, a reopen, a submission)
or an approaching deadline gives each recipient a row on the channel ``app`` (the bell: read
or unread) and, for an account with an e-mail address that wants it, a row on the channel
``email`` (the outbox: pending → sending → sent; failed rows wait for their next attempt). The
key ``(event, account_id, channel)`` is unique: a notice is never created twice, whoever tries.

Sending is claimed row by row with a conditional UPDATE (``claim``): of two ``chitieu notify``
runs at once only one moves a row from pending (or failed and due) to sending, and only the
run holding the claim marks it sent. A claim older than its lease (the run died mid-send) may
be taken again. Only SQL here; the rules are ``workflow/notices.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    RowMapping,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from chitieu.store.schema import BigId, metadata
from chitieu.store.web_schema import account, account_unit

#: channels of a notice
APP, EMAIL = "app", "email"
#: states of a notice in the app
UNREAD, READ = "unread", "read"
#: states of an e-mail: waiting, claimed by a run, delivered to the SMTP server, waiting to be
#: tried again, given up (too many attempts)
PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"

notice = Table(
    "notice",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event", String(200), nullable=False),  # what happened: "event:<id>", "deadline:…"
    Column("account_id", Integer, ForeignKey("web_account.id"), nullable=False),
    Column("channel", String(8), nullable=False),  # app | email
    Column("kind", String(16), nullable=False),  # return, accept, approve, reply, reopen, …
    Column("form", String(32), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("period", String(16), nullable=False),
    Column("round", String(16), nullable=False),
    Column("actor", String(128)),  # who acted (none for a deadline)
    Column("level", Integer),  # the level the actor acted at
    Column("comment", Text),
    Column("due", Date),  # the round's deadline
    Column("created_at", DateTime, nullable=False),
    Column("state", String(8), nullable=False),  # app: unread | read; email: pending … dead
    Column("read_at", DateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", DateTime),  # a failed e-mail: not tried again before this
    Column("claim", String(32)),  # the run sending it
    Column("claimed_at", DateTime),
    Column("sent_at", DateTime),
    Column("last_error", Text),
    UniqueConstraint("event", "account_id", "channel"),
    Index("ix_notice_account_id_channel_state", "account_id", "channel", "state"),
    Index("ix_notice_channel_state", "channel", "state"),
)
_n = notice.c


class Recipient(NamedTuple):
    """An active account as the notices see it: role and units (who it is), language, e-mail
    address and preference (what it gets)."""

    id: int
    username: str
    display_name: str
    role: str
    lang: str
    units: frozenset[str]
    email: str | None
    notices: str


_RECIPIENTS = (
    select(
        account.c.id,
        account.c.username,
        account.c.display_name,
        account.c.role,
        account.c.lang,
        account.c.email,
        account.c.notices,
        account_unit.c.unit,
    )
    .outerjoin(account_unit, account_unit.c.account_id == account.c.id)
    .where(account.c.active.is_(True))
    .order_by(account.c.id)
)


def recipients(conn: Connection) -> list[Recipient]:
    """Every active account with its units, e-mail address and notice preference."""
    out: dict[int, Recipient] = {}
    units: dict[int, set[str]] = {}
    for r in conn.execute(_RECIPIENTS).mappings():
        if r["id"] not in out:
            out[r["id"]] = Recipient(
                r["id"], r["username"], r["display_name"], r["role"], r["lang"],
                frozenset(), r["email"], r["notices"] or "all",
            )  # fmt: skip
            units[r["id"]] = set()
        if r["unit"] is not None:
            units[r["id"]].add(r["unit"])
    return [rec._replace(units=frozenset(units[i])) for i, rec in out.items()]


def _insert(conn: Connection) -> Any:
    """INSERT … ON CONFLICT DO NOTHING of this dialect (the unique key)."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = module.insert(notice)
    return stmt.on_conflict_do_nothing(index_elements=["event", "account_id", "channel"])


def add(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert the notices not created yet (by their key); how many were new."""
    if not rows:
        return 0
    new = 0
    for row in rows:  # one by one: a conflict returns no row, on both backends
        new += conn.execute(_insert(conn).values(**row).returning(_n.id)).first() is not None
    return new


def unread_count(conn: Connection, account_id: int) -> int:
    """How many of the account's notices in the app are unread."""
    q = select(func.count()).where(
        _n.account_id == account_id, _n.channel == APP, _n.state == UNREAD
    )
    return int(conn.execute(q).scalar_one())


def of_account(
    conn: Connection, account_id: int, *, unread: bool = False, limit: int = 100
) -> list[RowMapping]:
    """The account's notices in the app, newest first."""
    q = select(notice).where(_n.account_id == account_id, _n.channel == APP)
    if unread:
        q = q.where(_n.state == UNREAD)
    return list(conn.execute(q.order_by(_n.id.desc()).limit(limit)).mappings().all())


def one(conn: Connection, notice_id: int) -> RowMapping | None:
    """A notice by id."""
    return conn.execute(select(notice).where(_n.id == notice_id)).mappings().first()


def mark_read(conn: Connection, account_id: int, at: datetime, ids: Iterable[int] | None) -> int:
    """Mark the account's unread notices ``ids`` (every one if None) read; how many."""
    q = update(notice).where(_n.account_id == account_id, _n.channel == APP, _n.state == UNREAD)
    if ids is not None:
        q = q.where(_n.id.in_(list(ids)))
    return int(conn.execute(q.values(state=READ, read_at=at)).rowcount)


def due_emails(conn: Connection, now: datetime, stale: datetime, limit: int) -> list[int]:
    """Ids of the e-mails to try now, oldest first: pending, failed and due again, or claimed
    by a run before ``stale`` (it died while sending)."""
    q = select(_n.id).where(_n.channel == EMAIL, _ready(now, stale)).order_by(_n.id).limit(limit)
    return [int(i) for i in conn.execute(q).scalars()]


def _ready(now: datetime, stale: datetime) -> Any:
    return or_(
        _n.state == PENDING,
        and_(_n.state == FAILED, or_(_n.next_at.is_(None), _n.next_at <= now)),
        and_(_n.state == SENDING, _n.claimed_at < stale),
    )


def claim(conn: Connection, notice_id: int, token: str, now: datetime, stale: datetime) -> bool:
    """Take an e-mail for sending (one conditional UPDATE): True for the one run that moved it
    to ``sending``; its attempts go up by one."""
    q = (
        update(notice)
        .where(_n.id == notice_id, _n.channel == EMAIL, _ready(now, stale))
        .values(state=SENDING, claim=token, claimed_at=now, attempts=_n.attempts + 1)
    )
    return int(conn.execute(q).rowcount) == 1


_EMAIL = select(
    notice,
    account.c.email.label("address"),
    account.c.lang.label("lang"),
    account.c.display_name.label("display_name"),
    account.c.notices.label("wants"),
    account.c.active.label("active"),
).join(account, account.c.id == _n.account_id)


def email(conn: Connection, notice_id: int) -> RowMapping | None:
    """An e-mail's notice with its recipient's address, language, name and preference."""
    return conn.execute(_EMAIL.where(_n.id == notice_id)).mappings().first()


def finish(
    conn: Connection, notice_id: int, token: str, *, state: str, at: datetime, **values: Any
) -> int:
    """Record the outcome of a claimed e-mail (sent, failed with its error and next attempt,
    or given up), only by the run holding the claim; rows hit."""
    q = update(notice).where(_n.id == notice_id, _n.claim == token, _n.state == SENDING)
    if state == SENT:
        values["sent_at"] = at
    return int(conn.execute(q.values(state=state, **values)).rowcount)


def counts(conn: Connection) -> dict[str, int]:
    """How many e-mails are in each state."""
    q = select(_n.state, func.count()).where(_n.channel == EMAIL).group_by(_n.state)
    return {str(s): int(n) for s, n in conn.execute(q).all()}
