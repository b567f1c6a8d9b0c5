"""Like-for-like series: the same sub-period across years (H1 2021, H1 2022, H1 2023…).

A half-year report that charts the halves one after the other (H2 2022, H1 2023) draws the
season, not the trend; statistics offices compare like with like. :func:`like_for_like`
gives the periods, :func:`series` the figures of some indicators for one unit over them, read
from the facts (one load of the analytics tables), each point with its kind (actual or
estimate), status and coverage, and ``None`` where the coverage rule withholds the figure (the
reason beside it). The report's charts and the dashboard read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chitieu.analyze.coverage import Coverage
from chitieu.analyze.facts import Fact, FactLoad, load
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.vocabulary import NATION_ID, Boundaries
from chitieu.store.values import Store

__all__ = ["Point", "like_for_like", "points", "series"]

#: points of a series by default (this period and the four same periods before it)
LENGTH = 5


@dataclass(frozen=True)
class Point:
    """One period's figure of a series."""

    period: str
    value: float | None  # None: no figure, or withheld (``withheld`` says why)
    kind: str | None  # actual | estimate
    status: str | None  # final | provisional
    coverage: Coverage | None
    withheld: str | None = None  # the reason the value is withheld

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (coverage in the facts' shape)."""
        return {
            "period": self.period,
            "value": self.value,
            "kind": self.kind,
            "status": self.status,
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
            "withheld": self.withheld,
        }


def like_for_like(period: str | Period, length: int = LENGTH) -> list[Period]:
    """``period`` and the same period of the ``length - 1`` years before it, oldest first
    (2023S1 → 2019S1 … 2023S1; 2023YTD09 → the first nine months of each year)."""
    p = parse_period(str(period)) if not isinstance(period, Period) else period
    return [p.shift_years(-k) for k in range(length - 1, -1, -1)]


def _point(q: Period, f: Fact | None) -> Point:
    if f is None:
        return Point(q.id, None, None, None, None)
    return Point(q.id, f.value, f.kind, f.status, f.coverage, f.withheld.get("value"))


def points(loaded: FactLoad, periods: Sequence[Period], indicators: Iterable[str],
           unit: str = NATION_ID) -> dict[str, list[Point]]:  # fmt: skip
    """The series of ``indicators`` for ``unit`` over ``periods`` from facts already loaded
    (``loaded`` must hold those periods): what a report with its own load calls."""
    codes = list(indicators)
    sets = [loaded.facts(q, codes) for q in periods]
    return {c: [_point(q, fs.get(c, unit)) for q, fs in zip(periods, sets, strict=True)]
            for c in codes}  # fmt: skip


def series(
    store: Store,
    period: str | Period,
    indicators: Iterable[str],
    unit: str = NATION_ID,
    *,
    length: int = LENGTH,
    boundaries: Boundaries | str = Boundaries.CURRENT,
    as_of: datetime | None = None,
) -> dict[str, list[Point]]:
    """Like-for-like series of ``indicators`` for ``unit`` ending at ``period`` (oldest first),
    from one load of the analytics tables."""
    codes = list(indicators)
    periods = like_for_like(period, length)
    return points(load(store, periods, boundaries, as_of, indicators=codes), periods, codes, unit)
