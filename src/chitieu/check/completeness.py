"""Completeness and timeliness: which units have reported a form for a period, and when.

A unit has reported when it has stored values of its own (not estimates made for it by the
ministry, which carry a method) for the form's indicators and the period. Its report is on
time when its first value arrived by the round's deadline (Vietnam time). Rounds: ``estimate``
(figures "ước" for the review held before the period closes) counts estimates and actuals;
``actual`` counts actual figures only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from chitieu.catalog.forms import Form, Round, forms
from chitieu.catalog.periods import Period, parse_period, periods_within
from chitieu.catalog.vocabulary import Kind
from chitieu.store.schema import observation
from chitieu.store.values import Store

#: Vietnam's offset from UTC (no daylight saving); the store keeps UTC
VN_OFFSET = timedelta(hours=7)


class Status:
    """How a unit stands for a form and period."""

    ON_TIME = "on_time"
    LATE = "late"
    PARTIAL = "partial"  # some indicators only
    PENDING = "pending"  # nothing yet, not due yet
    MISSING = "missing"  # nothing, deadline passed


@dataclass
class UnitStatus:
    """One expected reporter."""

    unit: str
    name: str
    status: str
    reported: int  # indicators with a value
    expected: int
    first_at: datetime | None = None  # first value received (UTC)
    complete_at: datetime | None = None  # last of the indicators received (UTC)
    days_late: int | None = None
    estimated: bool = False  # the ministry has estimated figures for it


@dataclass
class Completeness:
    """The reporting status of one form for one period."""

    form: str
    form_name: dict[str, str]
    period: str
    round: str
    due: date
    as_of: datetime
    units: list[UnitStatus] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Units with this status."""
        return sum(1 for u in self.units if u.status == status)

    @property
    def counts(self) -> dict[str, int]:
        """Units per status."""
        keys = (Status.ON_TIME, Status.LATE, Status.PARTIAL, Status.PENDING, Status.MISSING)
        return {k: self.count(k) for k in keys}

    @property
    def reporting_rate(self) -> float:
        """Share of expected units that sent a complete report, in %."""
        done = self.count(Status.ON_TIME) + self.count(Status.LATE)
        return 100.0 * done / len(self.units) if self.units else 0.0

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
            "due": self.due.isoformat(),
            "as_of": self.as_of.isoformat(timespec="seconds"),
            "expected": len(self.units),
            "counts": self.counts,
            "reporting_rate": round(self.reporting_rate, 2),
            "on_time_rate": round(self.on_time_rate, 2),
            "units": [asdict(u) for u in self.units],
        }


def local_date(at: datetime) -> date:
    """The day in Vietnam of a UTC timestamp."""
    return (at + VN_OFFSET).date()


def form_status(
    store: Store, form: Form, p: Period, round_: Round, as_of: datetime | None = None
) -> Completeness:
    """Who has reported ``form`` for ``p`` as of a time (default: now)."""
    from chitieu.store.db import utcnow

    as_of = as_of or utcnow()
    units = form.expected_units(p)
    due = form.due(p, round_)
    kinds = [Kind.ACTUAL] if round_ == Round.ACTUAL else [Kind.ACTUAL, Kind.ESTIMATE]
    o = observation.c
    q = (
        select(o.unit, o.indicator, o.method.is_(None).label("own"), func.min(o.created_at))
        .where(
            o.period.in_([q.id for q in periods_within(p)]),
            o.indicator.in_(form.indicators),
            o.unit.in_([u.id for u in units]),
            o.kind.in_([str(k) for k in kinds] + [Kind.ESTIMATE]),
            o.value.is_not(None),
            o.created_at <= as_of,
        )
        .group_by(o.unit, o.indicator, o.method.is_(None), o.kind)
        .add_columns(o.kind)
    )
    own: dict[str, dict[str, datetime]] = {}
    estimated: set[str] = set()
    with store.engine.connect() as conn:
        for unit, ind, is_own, first, kind in conn.execute(q):
            if not is_own:
                estimated.add(unit)
            elif kind in kinds:
                prev = own.setdefault(unit, {}).get(ind)
                own[unit][ind] = min(first, prev) if prev else first
    out = Completeness(form.code, {"vi": form.name.vi, "en": form.name.en}, p.id, str(round_),
                       due, as_of)  # fmt: skip
    n = len(form.indicators)
    for u in units:
        got = own.get(u.id, {})
        first = min(got.values()) if got else None
        complete = max(got.values()) if len(got) == n else None
        if not got:
            status = Status.PENDING if local_date(as_of) <= due else Status.MISSING
        elif complete is None:
            status = Status.PARTIAL
        else:
            status = Status.ON_TIME if local_date(first) <= due else Status.LATE
        late = (local_date(first) - due).days if first and local_date(first) > due else None
        out.units.append(
            UnitStatus(u.id, u.name, status, len(got), n, first, complete, late,
                       u.id in estimated)
        )  # fmt: skip
    return out


def completeness(
    store: Store,
    period: str,
    form: str | None = None,
    round_: Round | str | None = None,
    as_of: datetime | None = None,
) -> list[Completeness]:
    """Reporting status of every form of ``period``'s type (or of one form)."""
    p = parse_period(period)
    chosen = [forms().get(form)] if form else forms().for_period(p)
    out = []
    for f in chosen:
        r = Round(round_) if round_ else (Round.ESTIMATE if f.estimate_deadline else Round.ACTUAL)
        out.append(form_status(store, f, p, r, as_of))
    return out
