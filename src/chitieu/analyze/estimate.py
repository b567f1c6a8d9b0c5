"""Estimates ("ước đạt") for a period not yet closed and for units that have not reported.

Methods (Eurostat/UNSD Handbook on Rapid Estimates; ONS ratio-of-means imputation):

- ``same_period_ratio``: last year's value × this year's movement so far
  (Ĥ1_t = H1_{t−1} × Σ(Jan–May)_t / Σ(Jan–May)_{t−1});
- ``seasonal_share``: the value so far ÷ the usual share of that span in the period
  (Ĥ1_t = Σ(Jan–May)_t / s̄, s̄ the mean share over the last years);
- ``ratio_of_means``: the unit's value last year × the movement of similar units that have
  reported (Σ responders_t / Σ responders_{t−1});
- ``carry_forward``: the unit's last comparable value (same period last year for flows, the
  latest earlier period for stocks).

Each indicator lists the methods to try in order (catalog field ``estimation``); the first whose
inputs exist gives the estimate. Estimates are stored as kind ``estimate`` with their method and
inputs, and are superseded — never deleted — when the unit's own figures arrive.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from chitieu.analyze.facts import round_half_up
from chitieu.catalog.forms import forms
from chitieu.catalog.indicators import ESTIMATION_METHODS, Catalog, Indicator, catalog
from chitieu.catalog.periods import Period, PeriodType, TimeRule, parse_period, periods_within
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.check.findings import Report
from chitieu.check.outliers import previous_periods
from chitieu.errors import ChitieuError
from chitieu.store.db import utcnow
from chitieu.store.values import BatchInfo, NewValue, Store, best_value

DEFAULT_METHODS = ESTIMATION_METHODS
#: years of history read (seasonal shares average over up to this many years)
HISTORY_YEARS = 3
#: ratio of means needs at least this many responding units
MIN_RESPONDERS = 3


@dataclass
class Estimate:
    """One estimated figure with how it was made."""

    indicator: str
    unit: str
    period: str
    value: float
    method: str
    inputs: dict[str, Any]

    def new_value(self) -> NewValue:
        """The value to store (kind estimate, provisional)."""
        return NewValue(
            self.indicator, self.unit, self.period, Kind.ESTIMATE, self.value,
            Status.PROVISIONAL, f"ước tính của Bộ / ministry estimate ({self.method})",
            self.method, self.inputs,
        )  # fmt: skip


@dataclass
class Skipped:
    """A figure that could not be estimated, and why."""

    indicator: str
    unit: str
    reason: str


@dataclass
class EstimateRun:
    """The outcome of estimating a period."""

    period: str
    as_of: datetime
    estimates: list[Estimate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    reported: int = 0  # targets that already have the unit's own figure
    unchanged: int = 0  # targets whose stored estimate already has this value
    batch: BatchInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "period": self.period,
            "as_of": self.as_of.isoformat(timespec="seconds"),
            "estimated": len(self.estimates),
            "reported": self.reported,
            "unchanged": self.unchanged,
            "skipped": [asdict(s) for s in self.skipped],
            "estimates": [asdict(e) for e in self.estimates],
            "batch": self.batch.id if self.batch else None,
        }


def tile(year: int, first: int, last: int) -> list[Period]:
    """Months ``first..last`` of ``year`` as the largest aligned periods (halves, quarters)."""
    out: list[Period] = []
    m = first
    while m <= last:
        for ptype, size in ((PeriodType.HALF, 6), (PeriodType.QUARTER, 3), (PeriodType.MONTH, 1)):
            if (m - 1) % size == 0 and m + size - 1 <= last:
                out.append(Period(year, m, m + size - 1, ptype))
                m += size
                break
    return out


def _span(first: int, last: int, year: int) -> str:
    return f"{first:02d}-{last:02d}/{year}" if first != last else f"{first:02d}/{year}"


class Estimator:
    """Estimates figures of one period from the values stored as of a time."""

    def __init__(
        self,
        store: Store,
        period: str | Period,
        as_of: datetime | None = None,
        indicators: Iterable[str] | None = None,
        cat: Catalog | None = None,
    ) -> None:
        self.store = store
        self.p = parse_period(str(period))
        self.as_of = as_of or utcnow()
        self.cat = cat or catalog()
        self.units = registry()
        ids: set[str] = set()
        for y in range(self.p.year - HISTORY_YEARS, self.p.year + 1):
            ids.update(q.id for q in periods_within(parse_period(str(y))))
        obs = store.current(ids, indicators=sorted(indicators) if indicators else None,
                            as_of=self.as_of)  # fmt: skip
        self.any: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        self.own: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        self.stored_estimates: dict[tuple[str, str, str], float | None] = {}
        for (ind, unit, pid), o in best_value(obs).items():
            self.any[(ind, unit)][pid] = o.value  # type: ignore[assignment]
        for (ind, unit, pid), o in best_value(o for o in obs if o.method is None).items():
            self.own[(ind, unit)][pid] = o.value  # type: ignore[assignment]
        for o in obs:
            if o.kind == Kind.ESTIMATE:
                self.stored_estimates[(o.indicator, o.unit, o.period)] = o.value

    # -- reading values --------------------------------------------------------------------
    def value(self, ind: Indicator, unit: str, p: Period, own: bool = False) -> float | None:
        """The unit's value for ``p`` (rolled up over time; summed over merged provinces)."""
        src = self.own if own else self.any
        got = self._roll(src[(ind.code, unit)], p, ind.time_rule)
        if got is None and unit != NATION_ID and unit.endswith("@34"):
            olds = [u.id for u in self.units.predecessors(unit) if u.id != unit]
            parts = [self._roll(src[(ind.code, u)], p, ind.time_rule) for u in olds]
            known = [x for x in parts if x is not None]
            if olds and len(known) == len(parts):
                return sum(known)
        return got

    @staticmethod
    def _roll(values: dict[str, float], p: Period, rule: TimeRule) -> float | None:
        from chitieu.catalog.periods import roll_up

        r = roll_up(values, p, rule)
        return r.value if r else None

    def so_far(self, ind: Indicator, unit: str, year: int, last: int) -> float | None:
        """The value of months ``p.first_month..last`` of ``year`` (by the time rule)."""
        parts = tile(year, self.p.first_month, last)
        got = [self.value(ind, unit, q) for q in parts]
        vals = [v for v in got if v is not None]
        if len(vals) < len(got):
            return None
        if ind.time_rule == TimeRule.LAST:
            return vals[-1]
        if ind.time_rule == TimeRule.AVERAGE:
            months = sum(q.n_months for q in parts)
            return sum(v * q.n_months for v, q in zip(vals, parts, strict=True)) / months
        if ind.time_rule == TimeRule.NONE:
            return None
        return sum(vals)

    def _latest_span(self, ind: Indicator, unit: str) -> tuple[int, float] | None:
        """The longest span of the period reported so far this year: (last month, value)."""
        for last in range(self.p.last_month - 1, self.p.first_month - 1, -1):
            v = self.so_far(ind, unit, self.p.year, last)
            if v is not None:
                return last, v
        return None

    # -- methods ---------------------------------------------------------------------------
    def same_period_ratio(self, ind: Indicator, unit: str) -> Estimate | str:
        """Last year's value × this year's movement so far."""
        prev_p = self.p.same_period_last_year()
        prev = self.value(ind, unit, prev_p)
        if prev is None:
            return f"no value for {prev_p.id}"
        span = self._latest_span(ind, unit)
        if span is None:
            return f"no months of {self.p.id} reported yet"
        last, cur = span
        old = self.so_far(ind, unit, self.p.year - 1, last)
        if not old:
            return f"no value for {_span(self.p.first_month, last, self.p.year - 1)}"
        ratio = cur / old
        return self._make(ind, unit, prev * ratio, "same_period_ratio", {
            "previous": {"period": prev_p.id, "value": prev},
            "so_far": {"months": _span(self.p.first_month, last, self.p.year), "value": cur},
            "so_far_last_year": {
                "months": _span(self.p.first_month, last, self.p.year - 1), "value": old},
            "ratio": ratio,
        })  # fmt: skip

    def seasonal_share(self, ind: Indicator, unit: str) -> Estimate | str:
        """The value so far ÷ the usual share of that span in the period."""
        span = self._latest_span(ind, unit)
        if span is None:
            return f"no months of {self.p.id} reported yet"
        last, cur = span
        shares: dict[str, float] = {}
        for k in range(1, HISTORY_YEARS + 1):
            q = self.p.shift_years(-k)
            whole, part = self.value(ind, unit, q), self.so_far(ind, unit, q.year, last)
            if whole and part is not None:
                shares[q.id] = part / whole
        if not shares:
            return "no earlier year with both the span and the whole period"
        mean = statistics.fmean(shares.values())
        if mean == 0:
            return "the usual share is 0"
        return self._make(ind, unit, cur / mean, "seasonal_share", {
            "so_far": {"months": _span(self.p.first_month, last, self.p.year), "value": cur},
            "shares": shares, "mean_share": mean,
        })  # fmt: skip

    def ratio_of_means(self, ind: Indicator, unit: str) -> Estimate | str:
        """The unit's value last year × the movement of similar units that have reported."""
        prev_p = self.p.same_period_last_year()
        prev = self.value(ind, unit, prev_p)
        if prev is None:
            return f"no value for {prev_p.id}"
        if unit == NATION_ID:
            return "the nation has no similar units"
        peers = [u.id for u in self.units.provinces(self.p.end) if u.id != unit]
        cur_sum = prev_sum = 0.0
        used: list[str] = []
        for peer in peers:
            c = self.value(ind, peer, self.p, own=True)
            b = self.value(ind, peer, prev_p)
            if c is not None and b is not None:
                cur_sum, prev_sum = cur_sum + c, prev_sum + b
                used.append(peer)
        if len(used) < MIN_RESPONDERS or not prev_sum:
            return f"{len(used)} similar units reported (at least {MIN_RESPONDERS} needed)"
        ratio = cur_sum / prev_sum
        return self._make(ind, unit, prev * ratio, "ratio_of_means", {
            "previous": {"period": prev_p.id, "value": prev},
            "responders": len(used), "responders_current": cur_sum,
            "responders_previous": prev_sum, "ratio": ratio, "responder_units": used,
        })  # fmt: skip

    def carry_forward(self, ind: Indicator, unit: str) -> Estimate | str:
        """The last comparable value: same period last year (flows), latest earlier (stocks)."""
        if ind.time_rule == TimeRule.SUM:
            candidates = [self.p.same_period_last_year()]
        else:
            candidates = previous_periods(self.p, 4)
        for q in candidates:
            v = self.value(ind, unit, q)
            if v is not None:
                return self._make(
                    ind, unit, v, "carry_forward", {"from": {"period": q.id, "value": v}}
                )
        return "no earlier value"

    def _make(self, ind: Indicator, unit: str, raw: float, method: str, inputs: dict) -> Estimate:
        value = round_half_up(raw, ind.decimals)
        inputs = {**inputs, "raw": raw, "as_of": self.as_of.isoformat(timespec="seconds")}
        return Estimate(ind.code, unit, self.p.id, value, method, inputs)  # type: ignore[arg-type]

    # -- running ---------------------------------------------------------------------------
    def estimate(self, ind: Indicator, unit: str, methods: Iterable[str]) -> Estimate | Skipped:
        """The first method in ``methods`` that can estimate the figure."""
        why: list[str] = []
        for m in methods:
            fn: Callable[[Indicator, str], Estimate | str] = getattr(self, m)
            got = fn(ind, unit)
            if isinstance(got, Estimate) and got.value in ind.domain:
                return got
            if isinstance(got, Estimate):  # NaN, an infinity, a negative count: not an estimate
                got = f"{got.value!r} is outside the domain ({ind.domain.describe('en')})"
            why.append(f"{m}: {got}")
        return Skipped(ind.code, unit, "; ".join(why))


def targets(
    p: Period, indicators: list[str] | None, units: list[str] | None
) -> list[tuple[str, str]]:
    """(indicator, unit) pairs to estimate: the period's forms, narrowed by the options."""
    pairs: list[tuple[str, str]] = []
    for f in forms().for_period(p):
        for u in f.expected_units(p):
            pairs += [(i, u.id) for i in f.indicators]
    if indicators:
        pairs = [x for x in pairs if x[0] in indicators]
    if units:
        pairs = [x for x in pairs if x[1] in units]
        if indicators and not pairs:  # figures outside any form, named explicitly
            pairs = [(i, u) for i in indicators for u in units]
    return list(dict.fromkeys(pairs))


def estimate_period(
    store: Store,
    period: str,
    as_of: datetime | None = None,
    *,
    methods: list[str] | None = None,
    indicators: list[str] | None = None,
    units: list[str] | None = None,
    cat: Catalog | None = None,
) -> EstimateRun:
    """Estimate every figure of ``period`` that its unit has not reported (nothing written)."""
    cat = cat or catalog()
    for m in methods or []:
        if m not in ESTIMATION_METHODS:
            raise ChitieuError(
                f"unknown estimation method '{m}'", "use one of " + ", ".join(ESTIMATION_METHODS)
            )
    p = parse_period(period)
    pairs = targets(p, indicators, units)
    est = Estimator(store, p, as_of, {i for i, _ in pairs}, cat)
    run = EstimateRun(p.id, est.as_of)
    for code, unit in pairs:
        ind = cat.get(code)
        if est.value(ind, unit, p, own=True) is not None:
            run.reported += 1
            continue
        got = est.estimate(ind, unit, methods or ind.estimation or DEFAULT_METHODS)
        if isinstance(got, Skipped):
            run.skipped.append(got)
        elif est.stored_estimates.get((code, unit, p.id)) == got.value:
            run.unchanged += 1
        else:
            run.estimates.append(got)
    return run


def write_estimates(
    store: Store, run: EstimateRun, created_by: str, at: datetime | None = None
) -> BatchInfo | None:
    """Store a run's estimates as one batch (source ``estimate``) through the one door
    (``collect.ingest``: the domains, the rules, the lock of submitted and approved reports);
    None if there are none. A refusal raises :class:`EstimatesRefused` and writes nothing."""
    from chitieu.collect.ingest import Origin, ingest

    if not run.estimates:
        return None
    note = f"estimates of {run.period} from the data as of {run.as_of:%Y-%m-%d %H:%M} UTC"
    res = ingest(
        store,
        [e.new_value() for e in run.estimates],
        Origin(created_by, "estimate", note=note, at=at),
    )
    if not res.report.valid:
        raise EstimatesRefused(res.report)
    run.batch = res.batch
    return run.batch


class EstimatesRefused(ChitieuError):
    """The checks or the workflow's lock refused a run's estimates (nothing was written)."""

    def __init__(self, report: Report) -> None:
        first = [f.message("en") for f in report.findings if f.severity == "error"][:3]
        super().__init__(code="estimates-refused", n=report.errors, reasons="; ".join(first))
        self.report = report
