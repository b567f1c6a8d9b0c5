"""Demo accounts (one per role) and demo report submissions for the web application.

The passwords are for the demo only and printed by scripts/demo.sh. The submissions are
SYNTHETIC: for form TTTT-6T of 2026S1 most provinces have submitted (some late, some
approved), a few have not, so the ministry's board has something to show.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select

from chitieu.catalog.periods import parse_period
from chitieu.catalog.vocabulary import Role
from chitieu.catalog.vocabulary import SubmissionStatus as S
from chitieu.store.values import Store
from chitieu.store.web_schema import submission, submission_event

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
    with store.engine.begin() as conn:
        done = conn.execute(
            select(submission.c.id).where(
                submission.c.form == DEMO_FORM, submission.c.period == DEMO_PERIOD
            )
        ).first()
        if done is not None:
            return made  # loaded before
        for i, unit in enumerate(units):
            if i % 7 == 6:
                continue  # has not reported
            at = due + timedelta(hours=rng.uniform(-240, 72))
            status = S.APPROVED if i % 3 == 0 else S.SUBMITTED
            sub_id = conn.execute(
                insert(submission).values(
                    form=DEMO_FORM,
                    unit=unit,
                    period=DEMO_PERIOD,
                    status=status,
                    version=2,
                    updated_at=at,
                    updated_by="analyst" if status == S.APPROVED else created_by,
                    submitted_at=at,
                )
            ).inserted_primary_key[0]
            conn.execute(
                insert(submission_event).values(
                    submission_id=sub_id,
                    at=at,
                    actor=created_by,
                    action="submit",
                    from_status=S.DRAFT,
                    to_status=S.SUBMITTED,
                    comment="synthetic demo submission",
                )
            )
            if status == S.APPROVED:
                conn.execute(
                    insert(submission_event).values(
                        submission_id=sub_id,
                        at=at + timedelta(hours=20),
                        actor="analyst",
                        action="approve",
                        from_status=S.SUBMITTED,
                        to_status=S.APPROVED,
                    )
                )
    return made
