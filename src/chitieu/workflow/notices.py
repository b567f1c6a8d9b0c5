"""Notices of the reporting round: who is told of what, written to the outbox.

A transition writes its notices in its own transaction (``on_event``), one row per recipient
and channel, and sends nothing: e-mail goes out later, from ``chitieu notify``
(``workflow/notices_mail.py``), so a slow or absent mail server never blocks or breaks a
transition. ``deadline_notices`` warns the units whose report of a round is not sent yet, N days
before its deadline (N: the setting ``CHITIEU_NOTICE_DAYS``, else the form's ``notice_days``
in the catalog, else 3). Every notice is keyed by its event, its recipient and its channel, so
none is created twice, whoever runs what, how often.

Who is told:

- a submission: the level above the unit (the department's head; the ministry where the form
  has one approval level), and the unit's officers when the ministry submitted on its behalf;
- an acceptance by the head: the unit's officers, and the ministry (it now waits for them);
- an approval, a reopen: the unit's officers (and its heads, with two levels);
- a return: the level it went back to (the unit's officers, or its heads);
- a reply: the level above the one who wrote (the ministry's replies: the level the report was
  returned to, else the unit's officers).

The unit's officers are its reporters (for the ministry's own forms, whose unit is the nation,
the ministry); its heads are the heads bound to it (its administrators where it has none); the
ministry is its analysts and administrators. Nobody is told of their own action; an account
whose preference is ``none`` gets nothing, ``app`` gets the bell only, ``all`` (the default) the
bell and, with an address, an e-mail.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chitieu import clock
from chitieu.catalog.forms import Form, FormRound, forms
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import Action, Level, Role, is_id
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.check.completeness import form_status
from chitieu.errors import ChitieuError, NotFound
from chitieu.store import Conn
from chitieu.store import notices as repo
from chitieu.store.db import utcnow
from chitieu.store.notices import APP, EMAIL, PENDING, UNREAD, Recipient
from chitieu.store.values import Store
from chitieu.workflow.roles import Account
from chitieu.workflow.state import Report

#: what a notice may be of (the events of a report, and an approaching deadline)
DEADLINE = "deadline"
KINDS = (Action.SUBMIT, Action.ACCEPT, Action.APPROVE, Action.RETURN, Action.REOPEN,
         Action.REPLY, DEADLINE)  # fmt: skip
#: days before a deadline its notice is given, unless the setting or the form says otherwise
DEFAULT_DAYS = 3
DAYS_SETTING = "CHITIEU_NOTICE_DAYS"
#: states of a unit for a round that a deadline notice reminds of (not sent yet)
_NOT_SENT = ("not_started", "draft", "reopened")


class NoticeSettingError(ChitieuError):
    """A notice setting is not valid (a usage error: exit 2)."""

    exit_code = 2


def _account(rec: Recipient) -> Account:
    return Account(rec.id, rec.username, rec.display_name, rec.role, True, rec.lang, rec.units,
                   rec.email, rec.notices)  # fmt: skip


def at_level(people: Iterable[Recipient], level: int, unit: str) -> list[Recipient]:
    """The accounts told at ``level`` of ``unit``'s reports."""
    people = list(people)
    accounts = [(p, _account(p)) for p in people]
    if level == Level.UNIT:
        own = [p for p, a in accounts if a.role == Role.REPORTER and a.owns(unit)]
        return own or (at_level(people, Level.MINISTRY, unit) if unit == "VN" else [])
    if level == Level.PROVINCE:
        heads = [p for p, a in accounts if a.is_head and a.owns(unit)]
        return heads or [p for p, a in accounts if a.role == Role.ADMIN]
    return [p for p, a in accounts if a.is_ministry]


def levels_told(r: Report, action: str, level: int, returned_to: int | None) -> set[int]:
    """The levels told of ``action`` on ``r`` (as it stood before), done at ``level``."""
    two = len(r.chain) > 1
    if action == Action.SUBMIT:  # done by a level above on the unit's behalf: the unit too
        return {r.chain[0]} | ({Level.UNIT} if level > Level.UNIT else set())
    if action == Action.ACCEPT:
        return {Level.UNIT, Level.MINISTRY}
    if action in (Action.APPROVE, Action.REOPEN):
        return {Level.UNIT, Level.PROVINCE} if two else {Level.UNIT}
    if action == Action.RETURN:
        return {returned_to or Level.UNIT}
    if action == Action.REPLY:
        above = [x for x in r.chain if x > level]
        if above:
            return {above[0]}
        back = r.returned_to if r.status == S.RETURNED else None
        return {back or Level.UNIT}
    return set()


@dataclass(frozen=True)
class Event:
    """What a notice tells of: its key, its kind, the report and who acted."""

    key: str
    kind: str
    form: str
    unit: str
    period: str
    round: str
    due: date
    actor: str | None = None
    level: int | None = None
    comment: str | None = None


def rows(event: Event, people: Iterable[Recipient], when: datetime) -> list[dict[str, Any]]:
    """The outbox rows of ``event`` for ``people``: the bell for each, an e-mail for those
    with an address who want them; none for those who want none, nor for the one who acted."""
    base = {
        "event": event.key, "kind": event.kind, "form": event.form, "unit": event.unit,
        "period": event.period, "round": event.round, "actor": event.actor,
        "level": event.level, "comment": event.comment, "due": event.due,
        "created_at": when, "attempts": 0,
    }  # fmt: skip
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for p in people:
        if p.id in seen or p.notices == "none" or p.username == event.actor:
            continue
        seen.add(p.id)
        out.append({**base, "account_id": p.id, "channel": APP, "state": UNREAD})
        if p.notices == "all" and p.email:
            out.append({**base, "account_id": p.id, "channel": EMAIL, "state": PENDING})
    return out


def on_event(
    conn: Conn,
    acc: Account,
    r: Report,
    *,
    action: str,
    level: int,
    event_id: int,
    comment: str | None,
    returned_to: int | None = None,
) -> int:
    """Write the notices of a report's event in the transition's transaction (``conn``); how
    many rows. Nothing is sent here."""
    told = levels_told(r, action, level, returned_to)
    if not told:
        return 0
    people = repo.recipients(conn)
    chosen = [p for lv in sorted(told) for p in at_level(people, lv, r.unit)]
    event = Event(
        f"event:{event_id}", str(action), r.form.code, r.unit, r.period.id, str(r.round.round),
        r.deadline, acc.username, level, comment,
    )  # fmt: skip
    return repo.add(conn, rows(event, chosen, utcnow()))


def notice_days(form: Form, env: dict[str, str] | None = None) -> int:
    """How many days before a deadline its notice is given: ``CHITIEU_NOTICE_DAYS``, else the
    form's ``notice_days``, else :data:`DEFAULT_DAYS`."""
    text = (os.environ if env is None else env).get(DAYS_SETTING, "").strip()
    if text:
        if not text.isdigit():
            raise NoticeSettingError(code="notify-bad-setting", name=DAYS_SETTING, text=text)
        return int(text)
    return DEFAULT_DAYS if form.notice_days is None else form.notice_days


def _rounds_due(form: Form, today: date, days: int) -> list[tuple[Period, FormRound]]:
    """The form's rounds whose deadline falls from ``today`` to ``days`` days after it."""
    out = []
    for p, rnd in form.due_next(today, 2 * len(form.rounds) + 1):
        left = (rnd.deadline.due(p) - today).days
        if 0 <= left <= days:
            out.append((p, rnd))
    return out


def _due_events(store: Store, form: Form, today: date, days: int) -> list[Event]:
    """Deadline events of the units that have not sent a round due within ``days``."""
    events = []
    for p, rnd in _rounds_due(form, today, days):
        status = form_status(store, form, p, rnd.round)
        for u in status.units:
            back = u.state == S.RETURNED and not u.returned_to
            if u.state in _NOT_SENT or back:
                key = f"{DEADLINE}:{form.code}:{p.id}:{rnd.round}:{u.unit}"
                events.append(Event(key, DEADLINE, form.code, u.unit, p.id, str(rnd.round),
                                    status.due))  # fmt: skip
    return events


def deadline_notices(store: Store, today: date | None = None, days: int | None = None) -> int:
    """Write the deadline notices due ``today`` (default: the one clock's) for every form;
    how many rows were new (a run again the same day, or the next, adds none)."""
    today = today or clock.today()
    new = 0
    from chitieu.workflow.deadlines import in_force, overrides

    over = overrides(store)
    for form in (in_force(store, f, over) for f in forms()):
        n = notice_days(form) if days is None else days
        events = _due_events(store, form, today, n)
        if not events:
            continue
        with store.transaction() as conn:
            people = repo.recipients(conn)
            for e in events:
                new += repo.add(conn, rows(e, at_level(people, Level.UNIT, e.unit), utcnow()))
    return new


# --- the bell: an account's notices in the app ---


class NoticeNotFound(NotFound):
    """No such notice of this account (404, exit 2)."""


def unread_count(store: Store, account_id: int) -> int:
    """How many of the account's notices are unread (the bell's figure)."""
    with store.read_conn() as conn:
        return repo.unread_count(conn, account_id)


def inbox(store: Store, acc: Account, *, unread: bool = False, limit: int = 100) -> list[Any]:
    """The account's notices in the app, newest first (only the unread if ``unread``)."""
    with store.read_conn() as conn:
        return repo.of_account(conn, acc.id, unread=unread, limit=limit)


def mark_read(store: Store, acc: Account, notice_id: int | None = None) -> int:
    """Mark one of the account's notices read (every one if ``notice_id`` is None); how many
    changed. Another account's notice, or none: :class:`NoticeNotFound`."""
    if notice_id is not None:
        _own(store, acc, notice_id)
    with store.transaction() as conn:
        return repo.mark_read(conn, acc.id, utcnow(), None if notice_id is None else [notice_id])


def _own(store: Store, acc: Account, notice_id: int) -> Any:
    if not is_id(notice_id):
        raise NoticeNotFound(code="notice-unknown", id=notice_id)
    with store.read_conn() as conn:
        row = repo.one(conn, notice_id)
    if row is None or row["account_id"] != acc.id or row["channel"] != APP:
        raise NoticeNotFound(code="notice-unknown", id=notice_id)
    return row


def notice_of(store: Store, acc: Account, notice_id: int) -> Any:
    """One of the account's notices in the app (:class:`NoticeNotFound` otherwise)."""
    return _own(store, acc, notice_id)
