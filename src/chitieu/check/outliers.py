"""Outliers against history: modified z-score over past values, change on last year.

The modified z-score (Iglewicz and Hoaglin) compares a value with the median of the same unit's
past values of the indicator for periods of the same type, scaled by the median absolute
deviation; the change check compares it with the same period last year against a per-indicator
threshold. Both give warnings with the range that would not have been flagged.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.check.findings import Finding, Severity
from chitieu.check.rules import RuleSet
from chitieu.fmt import format_number, format_pct

#: scales the median absolute deviation to a normal standard deviation
MAD_K = 0.6745
#: scales the mean absolute deviation when the median one is 0 (IBM SPSS's convention)
MEAN_AD_K = 1.253314


def previous_periods(p: Period, n: int) -> list[Period]:
    """The ``n`` periods of the same type before ``p``, most recent first."""
    return p.series(n + 1)[-2::-1]


@cache
def _past_ids(period: str, n: int) -> tuple[tuple[str, ...], str]:
    """(ids of the ``n`` previous periods of the same type, id of the same period last year)."""
    p = parse_period(period)
    return tuple(q.id for q in previous_periods(p, n)), p.same_period_last_year().id


@dataclass(frozen=True)
class ZScore:
    """A modified z-score and the range of values that would not be flagged."""

    z: float
    low: float
    high: float
    median: float


def modified_z(x: float, history: list[float], threshold: float) -> ZScore | None:
    """Modified z-score of ``x`` against ``history``; None when history has no spread."""
    med = statistics.median(history)
    mad = statistics.median(abs(h - med) for h in history)
    if mad > 0:
        scale = mad / MAD_K
    else:
        mean_ad = statistics.fmean(abs(h - med) for h in history)
        if mean_ad == 0:
            return None
        scale = MEAN_AD_K * mean_ad
    return ZScore((x - med) / scale, med - threshold * scale, med + threshold * scale, med)


class Num:
    """A number in a finding's message, formatted (Babel) only when the message is rendered."""

    __slots__ = ("decimals", "lang", "sign", "value")

    def __init__(self, value: float, lang: str, decimals: int | None = None, sign: bool = False):
        self.value, self.lang, self.decimals, self.sign = value, lang, decimals, sign

    def __str__(self) -> str:
        if self.decimals is None:
            return format_pct(self.value, 2, self.lang, self.sign)
        return format_number(self.value, self.decimals, self.lang)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return str(self)


def _both(
    name: str, v: float, out: dict[str, object], sign: bool = False, decimals: int | None = None
) -> None:
    """Put ``v`` for vi and en into ``out`` (at most 2 decimals, or exactly ``decimals``)."""
    for lang in ("vi", "en"):
        out[f"{name}_{lang}"] = Num(v, lang, decimals, sign)


def check_value(
    indicator: str,
    unit: str,
    period: str,
    value: float,
    history: Mapping[str, float],
    ruleset: RuleSet,
    place: Mapping[str, object] | None = None,
) -> list[Finding]:
    """Outlier findings for one value given the unit's past values by period id."""
    s = ruleset.outlier_settings(indicator)
    ind = catalog().indicators.get(indicator)
    dec = ind.decimals if ind else 2
    past_ids, prev_id = _past_ids(period, s.history)
    where = {"indicator": indicator, "unit": unit, "period": period, **(place or {})}
    found: list[Finding] = []
    past = [history[q] for q in past_ids if q in history]
    if len(past) >= s.min_history:
        z = modified_z(value, past, s.z_threshold)
        if z is not None and abs(z.z) > s.z_threshold:
            params: dict[str, object] = {"n": len(past)}
            for name, v in (("z", z.z), ("threshold", s.z_threshold)):
                _both(name, v, params)
            for name, v in (("value", value), ("low", z.low), ("high", z.high)):
                _both(name, v, params, decimals=dec)
            params.update(low=z.low, high=z.high, z=round(z.z, 2))
            found.append(
                Finding(
                    "outlier-history",
                    Severity.WARNING,
                    value=value,
                    column="value" if place else None,
                    params=params,
                    **where,  # type: ignore[arg-type]
                )
            )
    prev = history.get(prev_id)
    if s.max_change_pct is not None and prev:
        change = (value / prev - 1) * 100
        if abs(change) > s.max_change_pct:
            t = s.max_change_pct / 100
            low, high = sorted((prev * (1 - t), prev * (1 + t)))
            params = {"previous_period": prev_id, "change": round(change, 2)}
            _both("threshold", s.max_change_pct, params)
            for name, v in (("value", value), ("previous", prev), ("low", low), ("high", high)):
                _both(name, v, params, decimals=dec)
            _both("change", change, params, sign=True)
            params.update(low=low, high=high)
            found.append(
                Finding(
                    "outlier-change",
                    Severity.WARNING,
                    value=value,
                    column="value" if place else None,
                    params=params,
                    **where,  # type: ignore[arg-type]
                )
            )
    return found


def history_ids(periods: set[str], ruleset: RuleSet) -> set[str]:
    """Period ids the outlier checks of ``periods`` read (past periods and last year's)."""
    n = max(s.history for s in ruleset.outliers.values())
    out: set[str] = set()
    for pid in periods:
        p = parse_period(pid)
        out.update(q.id for q in previous_periods(p, n))
        out.add(p.same_period_last_year().id)
    return out


@dataclass(frozen=True)
class Expected:
    """The range of values :func:`check_value` would not flag (``None``: no bound on that side
    or no history to judge by) and the same period last year's value it compared with."""

    low: float | None
    high: float | None
    last_year: float | None


def expected_range(
    indicator: str, period: str, history: Mapping[str, float], ruleset: RuleSet
) -> Expected:
    """The values of ``indicator`` for ``period`` that neither outlier check would flag, given
    the unit's past values by period id (the import's rules: the same settings, the same
    ranges): the z-score's range over the past periods and the change on last year's value."""
    s = ruleset.outlier_settings(indicator)
    past_ids, prev_id = _past_ids(period, s.history)
    lows: list[float] = []
    highs: list[float] = []
    past = [history[q] for q in past_ids if q in history]
    if len(past) >= s.min_history and (z := modified_z(past[0], past, s.z_threshold)):
        lows.append(z.low)
        highs.append(z.high)
    prev = history.get(prev_id)
    if s.max_change_pct is not None and prev:
        t = s.max_change_pct / 100
        low, high = sorted((prev * (1 - t), prev * (1 + t)))
        lows.append(low)
        highs.append(high)
    if lows and max(lows) > min(highs):  # the two ranges do not meet: last year's one holds
        lows, highs = lows[-1:], highs[-1:]
    return Expected(max(lows, default=None), min(highs, default=None), prev)


def history_for(period: str, ruleset: RuleSet, indicator: str) -> set[str]:
    """The period ids :func:`expected_range` reads for ``indicator`` in ``period``."""
    past_ids, prev_id = _past_ids(period, ruleset.outlier_settings(indicator).history)
    return {*past_ids, prev_id}
