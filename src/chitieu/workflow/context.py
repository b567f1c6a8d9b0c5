"""What a report's figures are judged against, beside each field of the entry and review pages:
the same period last year, the plan, and the range the import's outlier rules expect
(``check.outliers.expected_range``: the same settings, so a value outside it is the value the
save will warn about)."""

from __future__ import annotations

from dataclasses import dataclass

from chitieu.catalog.vocabulary import Kind
from chitieu.check.outliers import expected_range, history_for
from chitieu.check.rules import rules
from chitieu.store.values import Store
from chitieu.workflow.state import Report


@dataclass(frozen=True)
class Context:
    """One indicator's comparisons: last year's value (its period id), the plan (its period
    id) and the expected range; ``None`` where there is nothing to compare with."""

    last_year: float | None
    last_year_period: str
    plan: float | None
    plan_period: str
    low: float | None
    high: float | None

    def outside(self, value: float | None) -> bool:
        """Whether ``value`` lies outside the expected range."""
        if value is None:
            return False
        return (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        )


def value_context(store: Store, report: Report) -> dict[str, Context]:
    """Each indicator's comparisons for the report's unit and period (two reads)."""
    rs = rules()
    pid = report.period.id
    inds = list(report.form.indicators)
    wanted = set().union(*(history_for(pid, rs, i) for i in inds)) if inds else set()
    figures = store.current(sorted(wanted), indicators=inds, units=[report.unit],
                            kinds=[str(Kind.ACTUAL), str(Kind.ESTIMATE)])  # fmt: skip
    history: dict[str, dict[str, float]] = {}
    # as the outlier checks read them (check/screen.py): the actual, else the estimate
    for o in sorted(figures, key=lambda o: o.kind != Kind.ACTUAL, reverse=True):
        if o.value is not None:
            history.setdefault(o.indicator, {})[o.period] = o.value
    plan_period = report.period.year_period().id
    plans = store.current([plan_period], indicators=inds, units=[report.unit],
                          kinds=[str(Kind.PLAN)])  # fmt: skip
    plan = {o.indicator: o.value for o in plans}
    last_id = report.period.same_period_last_year().id
    out: dict[str, Context] = {}
    for ind in inds:
        e = expected_range(ind, pid, history.get(ind, {}), rs)
        out[ind] = Context(e.last_year, last_id, plan.get(ind), plan_period, e.low, e.high)
    return out


#: the setting that keeps a unit's habitual number format ("vi" or "en"), + the unit's id
HABIT = "number-habit:"


def number_habit(store: Store, unit: str) -> str | None:
    """The number format the unit was last seen to write ("vi", "en"), if any."""
    from chitieu.store.accounts import get_setting

    got = get_setting(store, HABIT + unit)
    return got if got in ("vi", "en") else None


def remember_habit(store: Store, unit: str, locale: str) -> None:
    """Remember the number format a unit's post decided (read for its next ambiguous numbers)."""
    from chitieu.store.accounts import put_setting

    put_setting(store, HABIT + unit, locale)
