"""A fact and a period's set of facts: the shape every output (summary, report, dashboard, API,
``facts.json``) reads. Made by ``analyze/facts.py`` (and ``analyze/whatif.py``); kept apart so
that the shape and its loading each stay one small module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from chitieu.analyze.coverage import Coverage
from chitieu.catalog.periods import Period


@dataclass
class Fact:
    """One indicator for one unit and period, with its comparisons."""

    indicator: str
    unit: str
    period: str
    value: float | None
    kind: str | None  # actual | estimate (estimate if any part is estimated)
    status: str | None
    previous: float | None  # same period last year
    previous_period: str
    previous_kind: str | None
    change_pct: float | None  # rounded to PCT_DECIMALS
    change_pct_exact: float | None
    plan: float | None  # annual plan of the period's year
    plan_period: str
    plan_pct: float | None
    plan_pct_exact: float | None
    share_pct: float | None  # of the national total
    rank: int | None  # among provinces (1 = best by the indicator's direction)
    rank_of: int | None
    level: int
    boundaries: str
    measure: str = ""
    decimals: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: what the value covers (units reporting / expected, estimated, missing: analyze/coverage)
    coverage: Coverage | None = None
    #: what last year's figure covers
    previous_coverage: Coverage | None = None
    #: what the coverage rules withhold: field (value, previous, change_pct, plan_pct,
    #: share_pct, rank, prior_change_pct, cumulative…) → reason (``coverage.REASONS``); a
    #: withheld field is None
    withheld: dict[str, str] = field(default_factory=dict)
    #: where the nation's own figure and the sum of its provinces disagree (check/consistency):
    #: {"value"|"previous": {check, stored, parts, gap, gap_pct, used: stored|parts}}; where a
    #: total and the sum of its components disagree (analyze/components.py), also
    #: {"components": {"value"|"previous": {check: components_total, stored, parts, gap,
    #: gap_pct, used: total|components, components}}}
    consistency: dict[str, Any] | None = None
    #: what the value was made of (issue 17, item 2): ``stored`` (the period's own stored
    #: figure) or ``parts`` (its stored parts: months, quarters…, by the time rule; where none
    #: is stored, or the indicator's ``consistency: prefer`` is ``parts``); analyze/withhold.py;
    #: ``components`` (the sum of its components: ``consistency: components``)
    source: str | None = None
    # months and quarters (analyze/steps.py): the period before ("so với tháng trước") …
    prior_period: str | None = None
    prior: float | None = None
    prior_change_pct: float | None = None
    prior_change_pct_exact: float | None = None
    # … and the year to date ("Lũy kế 9 tháng"), with its change on last year and % of plan
    cumulative_period: str | None = None
    cumulative: float | None = None
    cumulative_kind: str | None = None
    cumulative_change_pct: float | None = None
    cumulative_change_pct_exact: float | None = None
    cumulative_plan_pct: float | None = None
    cumulative_coverage: Coverage | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (coverage as the contract's mapping)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["extra"] = dict(self.extra)
        out["withheld"] = dict(self.withheld)
        for name in ("coverage", "previous_coverage", "cumulative_coverage"):
            c = out[name]
            out[name] = None if c is None else c.to_dict()
        return out

    @property
    def coverage_text(self) -> str | None:
        """ "33/34" (None: no figure, or the unit's own figure for itself)."""
        c = self.coverage
        return None if c is None or c.own else c.text()


@dataclass(frozen=True)
class FactSet:
    """Every fact of one period: per indicator in catalog order, the nation first, then units
    by id. Iterating gives :class:`Fact` objects; lookups are by indicator and unit."""

    period: Period
    boundaries: str
    as_of: datetime | None
    items: tuple[Fact, ...]

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, indicator: str, unit: str) -> Fact | None:
        """The fact of ``indicator`` for ``unit``, if any."""
        return self._index().get((indicator, unit))

    def of_unit(self, unit: str) -> list[Fact]:
        """The facts of one unit, in catalog order."""
        return [f for f in self.items if f.unit == unit]

    def of_indicator(self, indicator: str) -> list[Fact]:
        """The facts of one indicator (nation first)."""
        return [f for f in self.items if f.indicator == indicator]

    def _index(self) -> dict[tuple[str, str], Fact]:
        idx = self.__dict__.get("_idx")
        if idx is None:
            idx = {(f.indicator, f.unit): f for f in self.items}
            object.__setattr__(self, "_idx", idx)
        return idx
