"""What waits for whom: the queue of reports waiting for a level's action, and an account's
agenda — the rounds due next, the reports returned to it or waiting for it, and its overdue
rounds — with the rounds named as people say them ("Ước 6 tháng cuối năm 2026 — hạn
21/12/2026"). The home page and ``chitieu workflow queue`` read it; "today" is the one clock's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chitieu import clock
from chitieu.catalog.forms import Form, FormRound, Reporters, forms
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.vocabulary import Level, Role
from chitieu.check.completeness import Status, form_status
from chitieu.store import workflow as repo
from chitieu.store.values import Store
from chitieu.workflow.deadlines import in_force, overrides
from chitieu.workflow.ladder import stands_at, waiting
from chitieu.workflow.levels import levels_of_all
from chitieu.workflow.roles import Account
from chitieu.workflow.words import round_title

#: how far back the agenda looks for overdue rounds
LOOK_BACK = timedelta(days=400)
#: overdue rounds listed at most, newest first
OVERDUE_MAX = 8


def home_levels(acc: Account) -> tuple[int, ...]:
    """The levels whose work an account does: the unit's (reporters), the head's, the
    ministry's (analysts; administrators also stand in for a head)."""
    return {
        Role.REPORTER: (Level.UNIT,),
        Role.HEAD: (Level.PROVINCE,),
        Role.ANALYST: (Level.MINISTRY,),
        Role.ADMIN: (Level.PROVINCE, Level.MINISTRY),
    }.get(Role(acc.role), ())


@dataclass(frozen=True)
class Item:
    """A report on a queue or an agenda."""

    form: str
    unit: str
    period: str
    round: str
    deadline: date
    state: str
    level: int | None = None  # where it stands
    waiting: int | None = None  # whose action it waits for
    returned_to: int | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    timeliness: str | None = None

    def title(self, lang: str = "vi") -> str:
        """The round as people name it, with its deadline."""
        return round_title(self.round, parse_period(self.period), lang, self.deadline)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with its title in both languages)."""
        return {
            "form": self.form,
            "unit": self.unit,
            "period": self.period,
            "round": self.round,
            "deadline": self.deadline,
            "state": self.state,
            "level": self.level,
            "waiting": self.waiting,
            "returned_to": self.returned_to,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "timeliness": self.timeliness,
            "title": {lang: self.title(lang) for lang in ("vi", "en")},
        }


def _item(row: Any, form: Form, levels: int) -> Item:
    rnd = form.round(row["round"])
    p = parse_period(row["period"])
    status, back = row["status"], row["returned_to"]
    return Item(
        form.code,
        row["unit"],
        p.id,
        str(rnd.round),
        rnd.deadline.due(p),
        status,
        stands_at(status, back, levels),
        waiting(status, back, levels),
        back if status == "returned" else None,
        row["updated_at"],
        row["updated_by"],
    )


def queue(
    store: Store,
    acc: Account | None = None,
    *,
    level: int | None = None,
    state: str | None = None,
    form: str | None = None,
    period: str | None = None,
) -> list[Item]:
    """Reports waiting for a level's action (``level``; default: the levels whose work
    ``acc`` does, or every level), or in ``state``; only the units ``acc`` reads."""
    catalog = forms()
    wanted_forms = [catalog.get(form).code] if form else None
    with store.read_conn() as conn:
        rows = repo.reports(
            conn,
            statuses=[state] if state else None,
            units=acc.scope() if acc else None,
            forms=wanted_forms,
            periods=[parse_period(period).id] if period else None,
        )
    levels = levels_of_all(store, catalog.values())
    over = overrides(store)  # the deadlines in force, read once for every report
    levels_wanted = (level,) if level is not None else (home_levels(acc) if acc else None)
    out = []
    for row in rows:
        f = catalog.find(row["form"])
        if f is None or f.find_round(row["round"]) is None:
            continue
        f = in_force(store, f, over)
        it = _item(row, f, levels[f.code])
        if state is None and it.waiting is None:
            continue
        if levels_wanted is not None and it.waiting not in levels_wanted:
            continue
        if acc is None or it.waiting is None or acc.acts_at(it.waiting, it.unit):
            out.append(it)
    return sorted(out, key=lambda i: (i.deadline, i.form, i.unit))


@dataclass
class Agenda:
    """An account's work: rounds due next, reports waiting for it, its overdue rounds."""

    today: date
    due: list[tuple[Form, Period, FormRound, list[Item]]] = field(default_factory=list)
    waiting: list[Item] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)


def _concerned(acc: Account) -> list[Form]:
    """The forms an account deals with: a bound account, the provinces' forms."""
    if acc.sees_all:
        return forms().values()
    return [f for f in forms() if f.reporters == Reporters.PROVINCES]


def _own_units(acc: Account, form: Form, p: Period) -> list[str]:
    return [u for u in form.units_for(p) if acc.owns(u)] if not acc.sees_all else []


def _states(store: Store, acc: Account, form: Form, p: Period, rnd: FormRound) -> list[Item]:
    """The account's own units' standing in a round (none for the ministry's accounts)."""
    units = _own_units(acc, form, p)
    if not units:
        return []
    c = form_status(store, form, p, rnd.round, units=units)
    return [
        Item(
            form.code,
            u.unit,
            p.id,
            str(rnd.round),
            c.due,
            u.state,
            u.level,
            None,
            u.returned_to,
            timeliness=u.timeliness,
        )
        for u in c.units
    ]


def _overdue(store: Store, acc: Account, form: Form, today: date) -> list[Item]:
    """The account's units' rounds whose deadline passed (in the last ``LOOK_BACK``) that
    they have not reported."""
    out: list[Item] = []
    for p, rnd in form.due_next(today - LOOK_BACK, 12):
        if rnd.deadline.due(p) >= today:
            break
        out += [
            i
            for i in _states(store, acc, form, p, rnd)
            if i.timeliness in (Status.MISSING, Status.PARTIAL)
        ]
    return out


def agenda(store: Store, acc: Account, today: date | None = None) -> Agenda:
    """What ``acc`` has to do, as of ``today`` (default: the one clock's)."""
    today = today or clock.today()
    out = Agenda(today)
    over = overrides(store)
    for f in (in_force(store, g, over) for g in _concerned(acc)):
        for p, rnd in f.due_next(today, 1):
            out.due.append((f, p, rnd, _states(store, acc, f, p, rnd)))
        if not acc.sees_all:
            out.overdue += _overdue(store, acc, f, today)
    out.due.sort(key=lambda t: (t[2].deadline.due(t[1]), t[0].code))
    out.overdue = sorted(out.overdue, key=lambda i: i.deadline, reverse=True)[:OVERDUE_MAX]
    out.waiting = queue(store, acc)
    return out
