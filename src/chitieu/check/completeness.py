"""Completeness and timeliness: which units have reported a form for a period, and when.

One engine for the CLI (``chitieu completeness``), the web's board and the API. It judges a
unit on one of two bases:

- ``submissions``: the unit's report went through the workflow; it is on time when it was
  first submitted by the round's deadline (the end of that day, Vietnam time);
- ``values``: the unit's own values arrived (not estimates the ministry made for it, which
  carry a method); on time when its first value arrived by the deadline; ``partial`` when
  some of the form's indicators have none. The ``estimate`` round counts estimates and
  actuals, the ``actual`` round actual figures only.

``auto`` (the default) takes submissions for the form's entry round when any unit has a
report in the workflow for the period, else values. A unit that has nothing is ``pending``
until the deadline and ``missing`` after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chitieu.catalog.forms import Form, Round, forms
from chitieu.catalog.periods import Period, parse_period, periods_within
from chitieu.catalog.vocabulary import Kind, local_date
from chitieu.store import workflow
from chitieu.store.arrivals import first_values
from chitieu.store.db import utcnow
from chitieu.store.values import Store


class Status:
    """How a unit stands for a form and period."""

    ON_TIME = "on_time"
    LATE = "late"
    PARTIAL = "partial"  # some indicators only (values basis)
    PENDING = "pending"  # nothing yet, not due yet
    MISSING = "missing"  # nothing, deadline passed


STATUSES = (Status.ON_TIME, Status.LATE, Status.PARTIAL, Status.PENDING, Status.MISSING)


class Basis(StrEnum):
    """What counts as having reported."""

    AUTO = "auto"
    VALUES = "values"
    SUBMISSIONS = "submissions"


@dataclass
class UnitStatus:
    """One expected reporter."""

    unit: str
    name: str
    status: str
    reported: int  # indicators with a value (values basis; all of them once submitted)
    expected: int
    first_at: datetime | None = None  # first value received, or first submission (UTC)
    complete_at: datetime | None = None  # last of the indicators received (UTC)
    days_late: int | None = None
    estimated: bool = False  # the ministry has estimated figures for it
    workflow: str | None = None  # the report's workflow status (None: never started)


@dataclass
class Completeness:
    """The reporting status of one form for one period."""

    form: str
    form_name: dict[str, str]
    period: str
    round: str
    basis: str
    due: date
    as_of: datetime
    units: list[UnitStatus] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Units with this status."""
        return sum(1 for u in self.units if u.status == status)

    @property
    def counts(self) -> dict[str, int]:
        """Units per status."""
        return {k: self.count(k) for k in STATUSES}

    @property
    def reported(self) -> int:
        """Units that sent a complete report."""
        return self.count(Status.ON_TIME) + self.count(Status.LATE)

    @property
    def reporting_rate(self) -> float:
        """Share of expected units that sent a complete report, in %."""
        return 100.0 * self.reported / len(self.units) if self.units else 0.0

    @property
    def on_time_rate(self) -> float:
        """Share of expected units that reported completely and on time, in %."""
        return 100.0 * self.count(Status.ON_TIME) / len(self.units) if self.units else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "form": self.form,
            "form_name": self.form_name,
            "period": self.period,
            "round": self.round,
            "basis": self.basis,
            "due": self.due.isoformat(),
            "as_of": self.as_of.isoformat(timespec="seconds"),
            "expected": len(self.units),
            "counts": self.counts,
            "reporting_rate": round(self.reporting_rate, 2),
            "on_time_rate": round(self.on_time_rate, 2),
            "units": [asdict(u) for u in self.units],
        }


def _timeliness(first: datetime | None, due: date, as_of: datetime) -> tuple[str, int | None]:
    if first is None:
        return (Status.PENDING if local_date(as_of) <= due else Status.MISSING), None
    day = local_date(first)
    if day <= due:
        return Status.ON_TIME, None
    return Status.LATE, (day - due).days


def form_status(
    store: Store,
    form: Form,
    p: Period,
    round_: Round | str | None = None,
    as_of: datetime | None = None,
    basis: Basis | str = Basis.AUTO,
    units: list[str] | None = None,
) -> Completeness:
    """Who has reported ``form`` for ``p`` as of a time (default: now); only ``units`` if
    given (a reporter sees its own)."""
    as_of = as_of or utcnow()
    rnd = form.round(round_)
    expected = form.expected_units(p)
    if units is not None:
        expected = [u for u in expected if u.id in units]
    due = rnd.deadline.due(p)
    ids = [u.id for u in expected]
    kinds = {Round.ACTUAL: [Kind.ACTUAL], Round.ESTIMATE: [Kind.ACTUAL, Kind.ESTIMATE],
             Round.PLAN: [Kind.PLAN]}[rnd.round]  # fmt: skip
    with store.read_conn() as conn:
        subs = workflow.of_form(conn, form.code, p.id) if rnd is form.entry else {}
        arrivals = first_values(
            conn, [q.id for q in periods_within(p)], form.indicators, ids, kinds, as_of
        )
    chosen = Basis(basis)
    if chosen == Basis.AUTO:
        chosen = Basis.SUBMISSIONS if subs else Basis.VALUES
    out = Completeness(form.code, {"vi": form.name.vi, "en": form.name.en}, p.id,
                       str(rnd.round), str(chosen), due, as_of)  # fmt: skip
    n = len(form.indicators)
    for u in expected:
        got = arrivals.own.get(u.id, {})
        sub = subs.get(u.id)
        state = sub.status if sub is not None else None
        if chosen == Basis.SUBMISSIONS:
            at = sub.submitted_at if sub is not None else None
            at = at if at is not None and at <= as_of else None
            status, late = _timeliness(at, due, as_of)
            reported = n if at is not None else len(got)
            out.units.append(UnitStatus(u.id, u.name, status, reported, n, at, None, late,
                                        u.id in arrivals.estimated, state))  # fmt: skip
            continue
        first = min(got.values()) if got else None
        complete = max(got.values()) if len(got) == n else None
        if got and complete is None:
            status, late = Status.PARTIAL, None
            if local_date(first) > due:  # type: ignore[arg-type]
                late = (local_date(first) - due).days  # type: ignore[arg-type]
        else:
            status, late = _timeliness(first, due, as_of)
        out.units.append(UnitStatus(u.id, u.name, status, len(got), n, first, complete, late,
                                    u.id in arrivals.estimated, state))  # fmt: skip
    return out


def completeness(
    store: Store,
    period: str,
    form: str | None = None,
    round_: Round | str | None = None,
    as_of: datetime | None = None,
    basis: Basis | str = Basis.AUTO,
) -> list[Completeness]:
    """Reporting status of every form of ``period``'s type (or of one form)."""
    p = parse_period(period)
    chosen = [forms().get(form)] if form else forms().for_period(p)
    return [form_status(store, f, p, round_, as_of, basis) for f in chosen]
