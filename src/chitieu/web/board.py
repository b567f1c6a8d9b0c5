"""The ministry's completeness and timeliness board: per form and period, who has reported.

Timeliness is judged on a unit's first submission against the form's deadline (end of day,
Vietnam time); a unit that has not submitted is *missing*, and *overdue* once the deadline is
past.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from chitieu.catalog.periods import Period
from chitieu.catalog.units import registry
from chitieu.store.db import utcnow
from chitieu.store.values import Store
from chitieu.store.web_schema import submission
from chitieu.web.forms import ReportingForm


@dataclass
class BoardRow:
    """One unit on the board."""

    unit: str
    name: str
    status: str | None  # workflow status, None if never started
    submitted_at: datetime | None
    timeliness: str  # on_time | late | overdue | pending

    @property
    def reported(self) -> bool:
        """The unit has submitted (it may since have been approved or returned)."""
        return self.submitted_at is not None


@dataclass
class Board:
    """Completeness and timeliness of one form for one period."""

    form: ReportingForm
    period: Period
    deadline: date
    rows: list[BoardRow]
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def expected(self) -> int:
        """Units that must report."""
        return len(self.rows)

    @property
    def reported(self) -> int:
        """Units that have submitted."""
        return sum(r.reported for r in self.rows)

    @property
    def completeness_pct(self) -> float:
        """Share of units that have submitted, in %."""
        return 100.0 * self.reported / self.expected if self.expected else 0.0

    @property
    def timeliness_pct(self) -> float:
        """Share of units that submitted on time, in %."""
        return 100.0 * self.counts["on_time"] / self.expected if self.expected else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "form": self.form.code,
            "period": self.period.id,
            "deadline": self.deadline.isoformat(),
            "expected": self.expected,
            "reported": self.reported,
            "completeness_pct": round(self.completeness_pct, 2),
            "timeliness_pct": round(self.timeliness_pct, 2),
            "counts": dict(self.counts),
            "units": [
                {
                    "unit": r.unit,
                    "name": r.name,
                    "status": r.status or "not_started",
                    "submitted_at": r.submitted_at,
                    "timeliness": r.timeliness,
                }
                for r in self.rows
            ],
        }


def build_board(
    store: Store,
    form: ReportingForm,
    period: Period,
    units: list[str] | None = None,
    now: datetime | None = None,
) -> Board:
    """The board of ``form`` for ``period`` (only ``units`` if given, e.g. a reporter's own)."""
    now = now or utcnow()
    due = form.deadline_utc(period)
    expected = form.units_for(period)
    if units is not None:
        expected = [u for u in expected if u in units]
    with store.engine.connect() as conn:
        subs = {
            r.unit: r
            for r in conn.execute(
                select(submission.c.unit, submission.c.status, submission.c.submitted_at).where(
                    submission.c.form == form.code, submission.c.period == period.id
                )
            )
        }
    reg = registry()
    rows: list[BoardRow] = []
    counts: Counter[str] = Counter()
    for u in expected:
        sub = subs.get(u)
        at = sub.submitted_at if sub else None
        if at is not None:
            timeliness = "on_time" if at <= due else "late"
        else:
            timeliness = "overdue" if now > due else "pending"
        counts[timeliness] += 1
        counts[sub.status if sub else "not_started"] += 1
        rows.append(BoardRow(u, reg.get(u).name, sub.status if sub else None, at, timeliness))
    return Board(form, period, form.deadline(period), rows, counts)
