"""A round's deadline: the catalog's default (``deadline`` of a form's round in forms.yaml, days
after the period's end), or an administrator's override stored in the database
(``web_deadline_setting``: append-only, so every change keeps who, when and why, as the approval
levels' overrides do, ``workflow/levels.py``).

:func:`days_of` and :func:`due` answer with the override in force; :func:`apply` gives a form
whose rounds carry it, for code that reads ``round.deadline``; :func:`in_force` is that form as
the store has it now. The workflow reads deadlines through :func:`in_force`: a report's
``deadline`` (``state.load_report``), the home page's rounds due and overdue and the queue's
items (``agenda``), the deadline notices (``notices``) and the board's timeliness and days late
(``check/completeness.form_status``).

The overrides are read fresh (one small statement, as the approval levels' are), so a change
shows at once in every process; code that goes through many reports reads them once and gives
them to :func:`in_force`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from chitieu.catalog.forms import Deadline, Form
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import Role
from chitieu.store import admin as repo
from chitieu.store.db import utcnow
from chitieu.workflow.admin import record
from chitieu.workflow.errors import WorkflowForbidden, WorkflowInvalid

if TYPE_CHECKING:
    from chitieu.store.values import Store
    from chitieu.workflow.roles import Account

#: the days after a period's end a deadline may be set to (a year before to two years after)
LOWEST, HIGHEST = -366, 731


def overrides(store: Store) -> dict[tuple[str, str], int | None]:
    """(form, round) → the days an administrator set last (None: back to the catalog's)."""
    with store.read_conn() as conn:
        return repo.deadline_overrides(conn)


def in_force(
    store: Store, form: Form, over: dict[tuple[str, str], int | None] | None = None
) -> Form:
    """``form`` with the deadlines in force (the overrides — ``over`` if already read — else
    the catalog's)."""
    over = overrides(store) if over is None else over
    return apply(form, over) if over else form


def days_of(store: Store, form: Form, round_: str) -> int:
    """The days after the period's end of ``form``'s round ``round_`` in force."""
    got = overrides(store).get((form.code, round_))
    return got if got is not None else form.round(round_).deadline.days_after_end


def due(store: Store, form: Form, round_: str, period: Period) -> date:
    """The last day a report of ``form``'s round ``round_`` for ``period`` is on time."""
    return Deadline(days_of(store, form, round_)).due(period)


def apply(form: Form, over: dict[tuple[str, str], int | None]) -> Form:
    """``form`` with the overridden deadlines of its rounds (itself if none is overridden)."""
    rounds = tuple(
        dataclasses.replace(r, deadline=Deadline(d))
        if (d := over.get((form.code, str(r.round)))) is not None
        else r
        for r in form.rounds
    )
    return form if rounds == form.rounds else dataclasses.replace(form, rounds=rounds)


def parse_days(text: str | int | None) -> int | None:
    """A whole number of days (negative: before the period's end), or empty / ``default``
    (back to the catalog's: None); WorkflowInvalid otherwise."""
    if text is None or str(text).strip().lower() in ("", "default", "catalog"):
        return None
    word = str(text).strip()
    n = int(word) if word.lstrip("-").isdigit() and word.count("-") <= 1 else LOWEST - 1
    if not LOWEST <= n <= HIGHEST:
        raise WorkflowInvalid("admin-deadline-invalid", days=text, low=LOWEST, high=HIGHEST)
    return n


def set_deadline(
    store: Store, acc: Account, form: Form, round_: str, days: int | None, comment: str | None
) -> int:
    """An administrator sets the deadline of ``form``'s round (days after the period's end;
    None: back to the catalog's), audited; the days in force after."""
    if acc.role != Role.ADMIN:
        raise WorkflowForbidden("admin-only")
    form.round(round_)  # an unknown round: UnknownCode naming the form's rounds
    if days is not None and not LOWEST <= days <= HIGHEST:
        raise WorkflowInvalid("admin-deadline-invalid", days=days, low=LOWEST, high=HIGHEST)
    with store.transaction() as conn:
        repo.set_deadline(conn, form.code, round_, days, utcnow(), acc.username, comment)
    shown = "default" if days is None else str(days)
    record(store, acc.username, "deadline", f"{form.code} {round_}", shown)
    return days_of(store, form, round_)


@dataclass(frozen=True)
class Change:
    """One override of a round's deadline."""

    at: datetime
    actor: str
    round: str
    days: int | None
    comment: str | None


def history(store: Store, form: Form) -> list[Change]:
    """Every override of ``form``'s deadlines, newest first."""
    with store.read_conn() as conn:
        rows = repo.deadline_history(conn, form.code)
    return [Change(r["at"], r["actor"], r["round"], r["days"], r["comment"]) for r in rows]
