"""How good a unit's "ước đạt" is: its estimates against the actuals that followed.

A unit reports an estimate of a period before it ends (kind ``estimate``) and the actual after
(kind ``actual``). For every figure with both — the last estimate recorded before the first
actual, against the newest actual — the *revision* is actual − estimate, and in % of the
actual. Per unit and indicator, across periods, the table states what the OECD's revisions
analysis states (OECD/Eurostat guidelines on revisions policy and analysis; Di Fonzo 2005):

- the mean revision (the bias: positive when the estimates were too low) and the mean
  absolute revision (the size), in value and in %;
- whether the mean revision differs from zero at the 5 % level (a two-sided t-test of the
  revisions' mean; at least :data:`MIN_PERIODS` periods): the unit's estimates are then
  *biased*, and ``chitieu estimate`` says so.

Estimates the ministry made for a unit (a method) are not the unit's own and are left out.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chitieu.catalog.periods import parse_period
from chitieu.store.history import Guess, estimates_and_actuals
from chitieu.store.values import Store

#: fewest periods with an estimate and an actual before a bias is judged
MIN_PERIODS = 3
#: two-sided 5 % critical values of Student's t by degrees of freedom (1–30; 1.96 beyond)
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


@dataclass
class Accuracy:
    """A unit's estimates of one indicator across periods."""

    indicator: str
    unit: str
    periods: list[str] = field(default_factory=list)
    revisions: list[float] = field(default_factory=list)  # actual − estimate, per period
    revisions_pct: list[float] = field(default_factory=list)  # in % of the actual

    @property
    def n(self) -> int:
        """Periods with an estimate and an actual."""
        return len(self.revisions)

    @property
    def mean_revision(self) -> float | None:
        """Mean of actual − estimate (bias: > 0 when the estimates were too low)."""
        return statistics.fmean(self.revisions) if self.revisions else None

    @property
    def mean_abs_revision(self) -> float | None:
        """Mean absolute revision (size)."""
        return statistics.fmean(abs(r) for r in self.revisions) if self.revisions else None

    @property
    def mean_revision_pct(self) -> float | None:
        """Mean revision in % of the actuals."""
        return statistics.fmean(self.revisions_pct) if self.revisions_pct else None

    @property
    def mean_abs_revision_pct(self) -> float | None:
        """Mean absolute revision in % of the actuals."""
        r = self.revisions_pct
        return statistics.fmean(abs(x) for x in r) if r else None

    @property
    def t_stat(self) -> float | None:
        """The t statistic of the mean revision (None below two periods; ±inf when every
        revision is the same non-zero amount)."""
        if self.n < 2:
            return None
        mean, sd = statistics.fmean(self.revisions), statistics.stdev(self.revisions)
        if sd == 0:
            return 0.0 if mean == 0 else math.copysign(math.inf, mean)
        return mean / (sd / math.sqrt(self.n))

    @property
    def biased(self) -> bool:
        """The mean revision differs from zero at the 5 % level (at least MIN_PERIODS)."""
        t = self.t_stat
        if t is None or self.n < MIN_PERIODS:
            return False
        df = self.n - 1
        return abs(t) > (_T95[df - 1] if df <= len(_T95) else 1.96)

    @property
    def direction(self) -> str | None:
        """``low`` (estimates below the actuals on average), ``high``, or None."""
        m = self.mean_revision
        return None if not m else ("low" if m > 0 else "high")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        t = self.t_stat
        return {
            "indicator": self.indicator,
            "unit": self.unit,
            "periods": self.periods,
            "n": self.n,
            "revisions": self.revisions,
            "revisions_pct": self.revisions_pct,
            "mean_revision": self.mean_revision,
            "mean_abs_revision": self.mean_abs_revision,
            "mean_revision_pct": self.mean_revision_pct,
            "mean_abs_revision_pct": self.mean_abs_revision_pct,
            "t_stat": None if t is None or math.isinf(t) else t,
            "biased": self.biased,
            "direction": self.direction,
        }


def accuracy(
    store: Store,
    indicators: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    *,
    period_type: str | None = None,
    before: str | None = None,
    as_of: datetime | None = None,
) -> list[Accuracy]:
    """Per unit and indicator, the unit's estimates against its actuals (periods of one type
    and ending before ``before`` if given; vintages recorded by ``as_of`` if given), sorted
    by indicator then unit."""
    end = parse_period(before).start if before else None
    table: dict[tuple[str, str], Accuracy] = defaultdict(lambda: Accuracy("", ""))
    for g in sorted(estimates_and_actuals(store, indicators, units, as_of), key=_order):
        p = parse_period(g.period)
        if period_type is not None and str(p.type) != period_type:
            continue
        if end is not None and p.end >= end:
            continue
        acc = table[(g.indicator, g.unit)]
        acc.indicator, acc.unit = g.indicator, g.unit
        acc.periods.append(g.period)
        diff = round(g.actual - g.estimate, 9)
        acc.revisions.append(diff)
        acc.revisions_pct.append(round(100 * diff / abs(g.actual), 6) if g.actual else 0.0)
    return [table[k] for k in sorted(table)]


def _order(g: Guess) -> tuple[str, str, Any]:
    return (g.indicator, g.unit, parse_period(g.period).start)


def bias_warnings(
    store: Store,
    period: str,
    units: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    lang: str = "vi",
    as_of: datetime | None = None,
) -> list[tuple[Accuracy, str]]:
    """The units whose own estimates of earlier periods of ``period``'s type were biased, each
    with its warning in ``lang`` (what ``chitieu estimate`` prints)."""
    from chitieu.analyze.revisions import phrasing
    from chitieu.catalog.indicators import catalog
    from chitieu.catalog.units import registry
    from chitieu.fmt import format_pct

    p = parse_period(period)
    rows = accuracy(store, indicators, units, period_type=str(p.type), before=p.id, as_of=as_of)
    lang = lang if lang in ("vi", "en") else "vi"
    phr, cat, reg = phrasing()[lang], catalog(), registry()
    out = []
    for a in rows:
        if not a.biased or a.mean_revision_pct is None:
            continue
        u = reg.get(a.unit)
        text = phr["biased_low" if a.direction == "low" else "biased_high"].format(
            unit=u.name if lang == "vi" else u.name_en,
            indicator=cat.get(a.indicator).name(lang),
            pct=format_pct(abs(a.mean_revision_pct), 2, lang),
            n=a.n,
        )
        out.append((a, text))
    return out
