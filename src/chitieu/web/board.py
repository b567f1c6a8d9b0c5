"""The ministry's completeness and timeliness board: per form and period, who has reported.

A view of the one completeness engine (``chitieu.check.completeness``), the same that
``chitieu completeness`` prints: judged on the workflow's submissions when the form's reports
go through it, else on the values received; a unit that has not reported is ``pending``
until the deadline and ``missing`` (shown as overdue) after it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chitieu.catalog.forms import Form
from chitieu.catalog.periods import Period
from chitieu.check.completeness import Completeness, Status, form_status
from chitieu.store.values import Store
from chitieu.web.i18n import N_

#: the words the board shows for each timeliness status (gettext ids)
TIMELINESS = {
    Status.ON_TIME: N_("on_time"),
    Status.LATE: N_("late"),
    Status.PARTIAL: N_("partial"),
    Status.PENDING: N_("pending"),
    Status.MISSING: N_("overdue"),
}


@dataclass
class BoardRow:
    """One unit on the board."""

    unit: str
    name: str
    status: str | None  # workflow status, None if never started
    submitted_at: datetime | None
    timeliness: str  # on_time | late | partial | pending | missing

    @property
    def reported(self) -> bool:
        """The unit has reported (submitted, or sent all its values)."""
        return self.timeliness in (Status.ON_TIME, Status.LATE)

    @property
    def label(self) -> str:
        """The gettext id of its timeliness."""
        return TIMELINESS.get(self.timeliness, self.timeliness)


@dataclass
class Board:
    """Completeness and timeliness of one form for one period."""

    form: Form
    period: Period
    deadline: date
    rows: list[BoardRow]
    basis: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def expected(self) -> int:
        """Units that must report."""
        return len(self.rows)

    @property
    def reported(self) -> int:
        """Units that have reported."""
        return sum(r.reported for r in self.rows)

    @property
    def completeness_pct(self) -> float:
        """Share of units that have reported, in %."""
        return 100.0 * self.reported / self.expected if self.expected else 0.0

    @property
    def timeliness_pct(self) -> float:
        """Share of units that reported on time, in %."""
        return 100.0 * self.counts[Status.ON_TIME] / self.expected if self.expected else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "form": self.form.code,
            "period": self.period.id,
            "deadline": self.deadline.isoformat(),
            "basis": self.basis,
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


def board_of(c: Completeness, form: Form, period: Period) -> Board:
    """The board of a completeness result."""
    counts: Counter[str] = Counter()
    rows = []
    for u in c.units:
        counts[u.status] += 1
        counts[u.workflow or "not_started"] += 1
        at = u.first_at if c.basis == "submissions" else None
        rows.append(BoardRow(u.unit, u.name, u.workflow, at, u.status))
    return Board(form, period, c.due, rows, c.basis, counts)


def build_board(
    store: Store,
    form: Form,
    period: Period,
    units: list[str] | None = None,
    now: datetime | None = None,
) -> Board:
    """The board of ``form`` for ``period`` (only ``units`` if given, e.g. a reporter's own)."""
    return board_of(form_status(store, form, period, as_of=now, units=units), form, period)
