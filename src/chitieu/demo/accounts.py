"""Demo accounts (one per role) and demo report submissions for the web application.

The passwords are for the demo only and printed by scripts/demo.sh. The submissions are
SYNTHETIC: for form TTTT-6T of 2026S1 most provinces have sent their estimates and submitted
(some late, some approved), a few have not, so the ministry's board has something to show.
The estimates go in through the one write path (``collect.ingest``), the submissions through
the workflow's repository, each on its date.
"""

from __future__ import annotations

import random
from datetime import timedelta

from chitieu.catalog.periods import parse_period
from chitieu.catalog.vocabulary import Kind, Role
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.collect.ingest import Origin, ingest
from chitieu.store import workflow
from chitieu.store.rows import NewValue
from chitieu.store.values import Store

#: (user name, password, role, display name, units)
DEMO_ACCOUNTS = [
    ("admin", "admin-demo-2023", Role.ADMIN, "Quản trị hệ thống", ()),
    ("analyst", "analyst-demo-2023", Role.ANALYST, "Vụ Kế hoạch - Tài chính", ()),
    ("hanoi", "hanoi-demo-2023", Role.REPORTER, "Sở TT&TT Hà Nội", ("01@34",)),
    ("viewer", "viewer-demo-2023", Role.VIEWER, "Lãnh đạo Bộ (xem)", ()),
]
DEMO_FORM, DEMO_PERIOD = "TTTT-6T", "2026S1"


def load_accounts(store: Store, created_by: str = "demo") -> int:
    """Create the demo accounts and synthetic submissions; returns the accounts made."""
    from chitieu.catalog.forms import forms
    from chitieu.web.accounts import Accounts

    accounts = Accounts(store)
    made = 0
    for name, password, role, display, units in DEMO_ACCOUNTS:
        if accounts.by_username(name) is None:
            accounts.add(name, password, role, display_name=display, units=list(units))
            made += 1
    form = forms()[DEMO_FORM]
    p = parse_period(DEMO_PERIOD)
    due = form.deadline_utc(p)
    rng = random.Random(2026)
    units = [u for u in form.units_for(p) if u != "01@34"]  # Hà Nội is left to the demo user
    with store.read_conn() as conn:
        if workflow.any_of_form(conn, DEMO_FORM, DEMO_PERIOD):
            return made  # loaded before
    estimates = _estimates(store, form.indicators, units)
    for i, unit in enumerate(units):
        if i % 7 == 6:
            continue  # has not reported
        at = due + timedelta(hours=rng.uniform(-240, 72))
        sent = ingest(
            store,
            estimates[unit],
            Origin(created_by, "demo", at=at - timedelta(hours=1),
                   note=f"{DEMO_FORM} {unit} {DEMO_PERIOD}: synthetic demo estimates"),
            validate=False,  # synthetic shares of the checked national series
        )  # fmt: skip
        approved = i % 3 == 0
        with store.transaction() as conn:
            sub_id = workflow.ensure_submission(conn, DEMO_FORM, unit, DEMO_PERIOD, created_by,
                                                at - timedelta(hours=1))  # fmt: skip
            workflow.bump(conn, sub_id, 0, S.DRAFT, at - timedelta(hours=1), created_by)
            workflow.add_event(
                conn,
                submission_id=sub_id,
                at=at - timedelta(hours=1),
                actor=created_by,
                action="save",
                from_status=S.DRAFT,
                to_status=S.DRAFT,
                batch_id=sent.batch.id if sent.batch else None,
            )
            workflow.move(
                conn,
                sub_id,
                S.DRAFT,
                {
                    "status": S.SUBMITTED,
                    "version": None,
                    "updated_at": at,
                    "updated_by": created_by,
                    "submitted_at": at,
                },
            )
            workflow.add_event(
                conn,
                submission_id=sub_id,
                at=at,
                actor=created_by,
                action="submit",
                from_status=S.DRAFT,
                to_status=S.SUBMITTED,
                comment="synthetic demo submission",
            )
            if approved:
                later = at + timedelta(hours=20)
                workflow.move(
                    conn,
                    sub_id,
                    S.SUBMITTED,
                    {
                        "status": S.APPROVED,
                        "version": None,
                        "updated_at": later,
                        "updated_by": "analyst",
                    },
                )
                workflow.add_event(conn, submission_id=sub_id, at=later, actor="analyst",
                                   action="approve", from_status=S.SUBMITTED,
                                   to_status=S.APPROVED)  # fmt: skip
    return made


def _estimates(store: Store, indicators: tuple[str, ...], units: list[str]) -> dict[str, list]:
    """Each unit's synthetic H1/2026 estimates: 98 % of its actual figures, as sent before the
    half closed (the actuals arrive later and supersede them)."""
    from chitieu.demo.build import SYNTHETIC

    actual = {
        (o.indicator, o.unit): o.value
        for o in store.current(
            [DEMO_PERIOD], indicators=list(indicators), units=units, kinds=[Kind.ACTUAL]
        )
    }
    out: dict[str, list[NewValue]] = {u: [] for u in units}
    for u in units:
        for code in indicators:
            v = actual.get((code, u))
            if v is not None:
                out[u].append(NewValue(code, u, DEMO_PERIOD, Kind.ESTIMATE, round(v * 0.98),
                                       comment=SYNTHETIC))  # fmt: skip
    return out
