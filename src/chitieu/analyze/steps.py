"""A month's or a quarter's facts beside the period before it and the year to date.

A monthly or quarterly release as the General Statistics Office writes it states, besides the
change on the same period last year, the change on the period before ("tăng 6% so với tháng
trước", quarter on quarter) and the cumulative figure since January ("Lũy kế 9 tháng …") with
its own change on last year. :func:`companions` names the periods a month or a quarter needs
(read in the same load, on the same boundaries), :func:`enrich` fills the facts' ``prior_*``
and ``cumulative_*`` fields from their facts. The change on the period before is stated only
between figures of the same coverage, as any change (``analyze/coverage.py``); the cumulative
figure keeps what its own fact withholds.
"""

from __future__ import annotations

from typing import Any

from chitieu.analyze.coverage import change_reason
from chitieu.catalog.periods import Period, PeriodType

#: the period types whose facts are compared with the period before and the year to date
STEPPED = (PeriodType.MONTH, PeriodType.QUARTER)


def companions(p: Period) -> list[Period]:
    """The period before ``p`` and the year to date at ``p``'s end (months and quarters;
    the year to date only when it is longer than ``p``: not for January or Q1)."""
    if p.type not in STEPPED:
        return []
    out = [p.previous()]
    ytd = p.year_to_date()
    if ytd != p:
        out.append(ytd)
    return out


def _pct(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else (a / b - 1.0) * 100.0


def enrich(facts: Any, prior: Any | None, ytd: Any | None, cat: Any) -> None:
    """Fill each fact of ``facts`` (a FactSet) from the facts of the period before and of the
    year to date (FactSets of the same load; None where there is none)."""
    from chitieu.analyze.rounding import round_half_up

    for f in facts:
        rule = cat.get(f.indicator).coverage
        if prior is not None:
            pf = prior.get(f.indicator, f.unit)
            f.prior_period = prior.period.id
            f.prior = None if pf is None else pf.value
            exact = _pct(f.value, f.prior)
            why = change_reason(f.coverage, None if pf is None else pf.coverage, rule)
            if why is not None and exact is not None:
                f.withheld["prior_change_pct"] = why
                exact = None
            f.prior_change_pct_exact, f.prior_change_pct = exact, round_half_up(exact)
        if ytd is not None:
            _cumulative(f, ytd.get(f.indicator, f.unit), ytd.period.id)


def _cumulative(f: Any, yf: Any | None, period: str) -> None:
    f.cumulative_period = period
    if yf is None:
        return
    f.cumulative, f.cumulative_kind, f.cumulative_coverage = yf.value, yf.kind, yf.coverage
    f.cumulative_change_pct, f.cumulative_change_pct_exact = yf.change_pct, yf.change_pct_exact
    f.cumulative_plan_pct = yf.plan_pct
    for name in ("value", "change_pct", "plan_pct"):
        if name in yf.withheld:
            f.withheld["cumulative" if name == "value" else f"cumulative_{name}"] = yf.withheld[
                name
            ]
