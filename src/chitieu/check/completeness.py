"""Completeness and timeliness: which units have reported a form's round for a period, and when.

One engine and one shape for the CLI (``chitieu completeness --json``), the API
(``GET /api/v1/board/{form}/{period}``) and the board page. Each expected unit has two separate
facts:

- its **state** — the workflow state of its report for the round (``draft``, ``submitted``,
  ``accepted``, ``approved``, ``returned``, ``reopened``), or, without a report, ``received``
  when its own values arrived by other means (a ministry's file import, the API's
  ``POST /values``) and ``not_started`` when nothing did; with the ``level`` the report stands
  at and ``returned_to`` (the level a returned report went back to);
- its **timeliness** — ``on_time`` or ``late`` against the round's deadline (the end of that day,
  Vietnam time), ``partial`` (some of the form's indicators only), ``pending`` (nothing yet, not
  due) or ``missing`` (nothing, deadline passed).

A unit whose report is in the workflow is judged on its first submission (basis
``submissions``); one without a report on the arrival of its own values (basis ``values``; the
ministry's estimates, which carry a method, do not count): ``auto``, the default, decides per
unit; ``values`` or ``submissions`` judge every unit one way. The ``estimate`` round counts
estimates and actuals, the ``actual`` round actual figures, the ``plan`` round plans.

A unit has *reported* when its state feeds published figures (``workflow.publish``: submitted
and beyond, or received) and it sent every indicator. The round looked at is the one given,
else the round due next on the day looked at (``Form.round_for``, by the one clock).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chitieu import clock
from chitieu.catalog.forms import Form, FormRound, Round, forms
from chitieu.catalog.instants import iso
from chitieu.catalog.periods import Period, parse_period, periods_within
from chitieu.catalog.units import Unit
from chitieu.catalog.vocabulary import Kind, ReportState, local_date
from chitieu.store import workflow
from chitieu.store.arrivals import Arrivals, first_values
from chitieu.store.values import Store
from chitieu.workflow.ladder import stands_at
from chitieu.workflow.publish import feeds_published


class Status:
    """How timely a unit is for a form's round and period."""

    ON_TIME = "on_time"
    LATE = "late"
    PARTIAL = "partial"  # some indicators only (values basis)
    PENDING = "pending"  # nothing yet, not due yet
    MISSING = "missing"  # nothing, deadline passed


STATUSES = (Status.ON_TIME, Status.LATE, Status.PARTIAL, Status.PENDING, Status.MISSING)
STATES = tuple(str(s) for s in ReportState)
#: the kinds of figure that count for each round
KINDS = {
    Round.ACTUAL: [Kind.ACTUAL],
    Round.ESTIMATE: [Kind.ACTUAL, Kind.ESTIMATE],
    Round.PLAN: [Kind.PLAN],
}


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
    state: str  # ReportState
    level: int | None  # where its report stands (None: its values came outside the workflow)
    returned_to: int | None  # a returned report: the level it went back to
    timeliness: str  # Status
    indicators_received: int
    indicators_expected: int
    submitted_at: datetime | None = None  # first submission (UTC)
    first_at: datetime | None = None  # first submission, else first value received (UTC)
    complete_at: datetime | None = None  # last of the indicators received (UTC)
    days_late: int | None = None
    estimated: bool = False  # the ministry has estimated figures for it
    published: bool = False  # its values feed published figures (workflow.publish)

    @property
    def reported(self) -> bool:
        """Its values feed published figures and it sent every indicator."""
        return self.published and self.timeliness in (Status.ON_TIME, Status.LATE)


@dataclass
class Completeness:
    """The reporting status of one round of one form for one period."""

    form: str
    form_name: dict[str, str]
    period: str
    round: str
    title: dict[str, str]  # "Ước 6 tháng đầu năm 2026 — hạn 20/06/2026"
    basis: str
    due: date
    as_of: datetime
    levels: int
    units: list[UnitStatus] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Units with this timeliness."""
        return sum(1 for u in self.units if u.timeliness == status)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Units per timeliness and, apart, per state."""
        states = Counter(u.state for u in self.units)
        return {
            "timeliness": {k: self.count(k) for k in STATUSES},
            "state": {k: states[k] for k in STATES},
        }

    @property
    def reported(self) -> int:
        """Units that have reported (see :attr:`UnitStatus.reported`)."""
        return sum(u.reported for u in self.units)

    @property
    def published(self) -> int:
        """Units whose values feed published figures."""
        return sum(u.published for u in self.units)

    @property
    def reporting_rate(self) -> float:
        """Share of expected units that have reported, in %."""
        return 100.0 * self.reported / len(self.units) if self.units else 0.0

    @property
    def on_time_rate(self) -> float:
        """Share of expected units that reported on time, in %."""
        on_time = sum(u.reported and u.timeliness == Status.ON_TIME for u in self.units)
        return 100.0 * on_time / len(self.units) if self.units else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the shape the CLI, the API and the board share."""
        return {
            "form": self.form,
            "form_name": self.form_name,
            "period": self.period,
            "round": self.round,
            "title": self.title,
            "basis": self.basis,
            "due": self.due.isoformat(),
            "as_of": iso(self.as_of),
            "levels": self.levels,
            "expected": len(self.units),
            "reported": self.reported,
            "published": self.published,
            "counts": self.counts,
            "reporting_rate": round(self.reporting_rate, 2),
            "on_time_rate": round(self.on_time_rate, 2),
            "units": [_jsonable(asdict(u)) for u in self.units],
        }


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    """Times as ISO text (UTC), so that the CLI's JSON and the API's are the same text."""
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in d.items()}


def _timeliness(first: datetime | None, due: date, as_of: datetime) -> tuple[str, int | None]:
    if first is None:
        return (Status.PENDING if local_date(as_of) <= due else Status.MISSING), None
    day = local_date(first)
    if day <= due:
        return Status.ON_TIME, None
    return Status.LATE, (day - due).days


@dataclass
class _Judge:
    """Judges each unit of one form's round and period."""

    due: date
    as_of: datetime
    basis: Basis
    n: int  # the form's indicators
    levels: int
    subs: dict[str, Any]
    arrivals: Arrivals

    def unit(self, u: Unit) -> UnitStatus:
        """One unit's state and timeliness."""
        got = self.arrivals.own.get(u.id, {})
        sub = self.subs.get(u.id)
        level: int | None
        if sub is not None:
            state, level = sub.status, stands_at(sub.status, sub.returned_to, self.levels)
            back = sub.returned_to if sub.status == ReportState.RETURNED else None
        else:
            state, level, back = _without_report(got)
        submitted = sub.submitted_at if sub is not None else None
        submitted = submitted if submitted is not None and submitted <= self.as_of else None
        by_submission = self.basis == Basis.SUBMISSIONS or (
            self.basis == Basis.AUTO and sub is not None
        )
        out = UnitStatus(
            u.id,
            u.name,
            state,
            level,
            back,
            "",
            len(got),
            self.n,
            submitted,
            estimated=u.id in self.arrivals.estimated,
            published=feeds_published(state),
        )
        if by_submission:
            out.timeliness, out.days_late = _timeliness(submitted, self.due, self.as_of)
            out.first_at = submitted
            out.indicators_received = self.n if submitted is not None else len(got)
        else:
            self.by_values(out, got)
        return out

    def by_values(self, out: UnitStatus, got: dict[str, datetime]) -> None:
        """Timeliness on the arrival of the unit's own values."""
        first = min(got.values()) if got else None
        out.first_at = first
        out.complete_at = max(got.values()) if len(got) == self.n else None
        if first is not None and out.complete_at is None:
            out.timeliness = Status.PARTIAL
            late = (local_date(first) - self.due).days
            out.days_late = late if late > 0 else None
            return
        out.timeliness, out.days_late = _timeliness(first, self.due, self.as_of)


def _without_report(got: dict[str, datetime]) -> tuple[str, int | None, None]:
    """A unit without a report: its values came by other means, or nothing did."""
    if got:
        return ReportState.RECEIVED, None, None
    return ReportState.NOT_STARTED, 0, None


def _title(form: Form, p: Period, rnd: FormRound) -> dict[str, str]:
    from chitieu.workflow.words import round_title

    due = rnd.deadline.due(p)
    return {lang: round_title(str(rnd.round), p, lang, due) for lang in ("vi", "en")}


def form_status(
    store: Store,
    form: Form,
    p: Period,
    round_: Round | str | None = None,
    as_of: datetime | None = None,
    basis: Basis | str = Basis.AUTO,
    units: list[str] | None = None,
) -> Completeness:
    """Who has reported a round of ``form`` for ``p`` as of a time (default: now, by the one
    clock); the round due next that day if none is given; only ``units`` if given (a
    reporter or a head sees its own)."""
    from chitieu.workflow.deadlines import in_force

    as_of = as_of or clock.now()
    form = in_force(store, form)  # the deadlines an administrator set (workflow/deadlines.py)
    rnd = form.round(round_) if round_ else form.round_for(p, local_date(as_of))
    expected = form.expected_units(p)
    if units is not None:
        expected = [u for u in expected if u.id in units]
    due = rnd.deadline.due(p)
    ids = [u.id for u in expected]
    with store.read_conn() as conn:
        subs = workflow.of_form(conn, form.code, p.id, str(rnd.round))
        levels = workflow.approval_overrides(conn).get(form.code) or form.approval_levels
        arrivals = first_values(
            conn, [q.id for q in periods_within(p)], form.indicators, ids, KINDS[rnd.round], as_of
        )
    chosen = Basis(basis)
    shown = chosen if chosen != Basis.AUTO else (Basis.SUBMISSIONS if subs else Basis.VALUES)
    out = Completeness(
        form.code,
        {"vi": form.name.vi, "en": form.name.en},
        p.id,
        str(rnd.round),
        _title(form, p, rnd),
        str(shown),
        due,
        as_of,
        levels,
    )
    judge = _Judge(due, as_of, chosen, len(form.indicators), levels, subs, arrivals)
    out.units = [judge.unit(u) for u in expected]
    return out


def completeness(
    store: Store,
    period: str,
    form: str | None = None,
    round_: Round | str | None = None,
    as_of: datetime | None = None,
    basis: Basis | str = Basis.AUTO,
) -> list[Completeness]:
    """Reporting status of every form of ``period``'s type (or of one form); with ``round_``,
    of the forms that have that round."""
    p = parse_period(period)
    chosen = [forms().get(form)] if form else forms().for_period(p)
    if round_ and not form:
        chosen = [f for f in chosen if f.find_round(round_) is not None]
    return [form_status(store, f, p, round_, as_of, basis) for f in chosen]
