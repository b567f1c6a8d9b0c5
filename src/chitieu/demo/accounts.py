"""Demo accounts (one per role) and demo reports moving through the workflow.

The passwords are for the demo only and printed by scripts/demo.sh. The reports are SYNTHETIC
and go through the same core as the web and the CLI (``chitieu.workflow``: each save through
``collect.ingest``, each step a transition with its event), on the demo's timeline:

TTTT-6T, H1/2026, estimate round (due 20/06/2026): most provinces saved and submitted their
estimates around the deadline (some late); their department heads accepted most, and the
ministry approved some; a few were returned with a comment; some never reported. The demo's
content does not depend on the day it is loaded: the round due next (by the clock) is left
for the demo's users.

Hà Nội (01@34) is left to the demo users (``hanoi``, ``hanoi-head``, ``analyst``). The
provinces' officers and heads who act here are synthetic (``demo``, ``demo-head``); the
approvals are the demo analyst's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from chitieu.catalog.forms import Form, FormRound, forms
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.vocabulary import Action, Kind, Role
from chitieu.demo.shares import SYNTHETIC
from chitieu.store.values import Store
from chitieu.workflow.accounts import Accounts
from chitieu.workflow.roles import Account
from chitieu.workflow.save import Field, Parsed, save
from chitieu.workflow.state import load_report
from chitieu.workflow.transitions import transition

#: (user name, password, role, display name, units)
DEMO_ACCOUNTS = [
    ("admin", "admin-demo-2023", Role.ADMIN, "Quản trị hệ thống", ()),
    ("analyst", "analyst-demo-2023", Role.ANALYST, "Vụ Kế hoạch - Tài chính", ()),
    ("hanoi", "hanoi-demo-2023", Role.REPORTER, "Sở TT&TT Hà Nội", ("01@34",)),
    ("hanoi-head", "hanoi-head-demo-2023", Role.HEAD, "Giám đốc Sở TT&TT Hà Nội", ("01@34",)),
    ("viewer", "viewer-demo-2023", Role.VIEWER, "Lãnh đạo Bộ (xem)", ()),
]
DEMO_FORM, DEMO_PERIOD = "TTTT-6T", "2026S1"
#: the unit left to the demo's users
DEMO_UNIT = "01@34"
RETURN_NOTE = "Số lao động chưa khớp với báo cáo quý II; đề nghị Sở rà soát lại."


@dataclass(frozen=True)
class _Actors:
    """The synthetic people of one province, and the ministry's analyst."""

    officer: Account
    head: Account
    analyst: Account


def _actors(unit: str, analyst: Account) -> _Actors:
    own = frozenset({unit})
    return _Actors(
        Account(0, "demo", "Sở (dữ liệu mẫu)", Role.REPORTER, units=own),
        Account(0, "demo-head", "Giám đốc Sở (dữ liệu mẫu)", Role.HEAD, units=own),
        analyst,
    )


def load_accounts(store: Store, created_by: str = "demo") -> int:
    """Create the demo accounts and the synthetic reports; returns the accounts made."""
    accounts = Accounts(store)
    made = 0
    for name, password, role, display, units in DEMO_ACCOUNTS:
        if accounts.by_username(name) is None:
            accounts.add(name, password, role, display_name=display, units=list(units))
            made += 1
    form = forms()[DEMO_FORM]
    analyst = accounts.by_username("analyst")
    assert analyst is not None
    if _started(store, form):
        return made  # loaded before
    _review_round(store, form, analyst)
    return made


def _started(store: Store, form: Form) -> bool:
    p = parse_period(DEMO_PERIOD)
    unit = next(u for u in form.units_for(p) if u != DEMO_UNIT)
    return load_report(store, form, unit, p, form.round("estimate")).sub_id is not None


def _values(
    store: Store, form: Form, units: list[str], p: Period, factor: float
) -> dict[str, dict[str, float]]:
    """Each unit's synthetic estimates: ``factor`` × its actual figures of ``p``."""
    actual = {
        (o.indicator, o.unit): o.value
        for o in store.current(
            [p.id], indicators=list(form.indicators), units=units, kinds=[Kind.ACTUAL]
        )
    }
    return {
        u: {c: round(v * factor) for c in form.indicators if (v := actual.get((c, u))) is not None}
        for u in units
    }


def _save(
    store: Store,
    who: Account,
    form: Form,
    unit: str,
    p: Period,
    rnd: FormRound,
    values: dict[str, float],
    at: datetime,
) -> None:
    r = load_report(store, form, unit, p, rnd)
    parsed = Parsed({c: Field(float(v), SYNTHETIC, True) for c, v in values.items()})
    save(store, who, r, parsed, expected=r.etag, at=at)


def _step(
    store: Store,
    who: Account,
    form: Form,
    unit: str,
    p: Period,
    rnd: FormRound,
    action: str,
    at: datetime,
    comment: str | None = None,
) -> None:
    r = load_report(store, form, unit, p, rnd)
    transition(store, who, r, action, comment, at=at)


def _review_round(store: Store, form: Form, analyst: Account) -> None:
    """H1/2026's estimates: saved, submitted, accepted, approved, returned — or missing."""
    p, rnd = parse_period(DEMO_PERIOD), form.round("estimate")
    due = form.deadline_utc(p, rnd.round)
    rng = random.Random(2026)
    units = [u for u in form.units_for(p) if u != DEMO_UNIT]
    estimates = _values(store, form, units, p, 0.98)  # sent before the half closed
    for i, unit in enumerate(units):
        if i % 7 == 6 or not estimates[unit]:
            continue  # has not reported
        who = _actors(unit, analyst)
        at = due + timedelta(hours=rng.uniform(-240, 72))
        _save(store, who.officer, form, unit, p, rnd, estimates[unit], at - timedelta(hours=1))
        _step(store, who.officer, form, unit, p, rnd, Action.SUBMIT, at)
        if i % 5 == 2:
            _step(
                store,
                who.head,
                form,
                unit,
                p,
                rnd,
                Action.RETURN,
                at + timedelta(hours=6),
                RETURN_NOTE,
            )
            continue
        if i % 3 != 2:
            _step(store, who.head, form, unit, p, rnd, Action.ACCEPT, at + timedelta(hours=8))
        if i % 3 == 0:
            _step(store, analyst, form, unit, p, rnd, Action.APPROVE, at + timedelta(hours=20))
