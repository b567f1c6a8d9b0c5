"""The fact table as the first round computed it (analyze/facts.py at 3fdb793): the oracle the
analytics layer is checked against (same figures from raw vintages, by a different road).

A fact holds the value of the period (rolled up over time by the indicator's time rule,
over units by its units rule), the same period last year, the annual plan, and the
comparisons a review states: change, % of plan, share of the national total, rank among
provinces. Every output (summary, report, dashboard, API) reads these facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from chitieu.analyze.recipes import Recipe, recipe, within
from chitieu.catalog.indicators import Catalog, Direction, Indicator, UnitsRule, catalog
from chitieu.catalog.periods import Period, TimeRule, parse_period, periods_within
from chitieu.catalog.units import NATION_ID, UnitRegistry, registry
from chitieu.catalog.vocabulary import Kind, Status
from chitieu.errors import UnitError
from chitieu.store.values import Observation, Store

#: decimals a percentage is stated with ("8,66%", "39,6%": trailing zeros dropped in text)
PCT_DECIMALS = 2


class Boundaries(StrEnum):
    """Which provinces figures are shown on."""

    CURRENT = "current"  # today's 34 provinces, older data summed through the crosswalk
    AS_REPORTED = "as_reported"  # the provinces in force at the end of the period


def round_half_up(x: float | None, decimals: int = PCT_DECIMALS) -> float | None:
    """Round as officials do (0,125 → 0,13), not banker's rounding."""
    if x is None:
        return None
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def group_getter(
    sources: dict[str, dict[str, Any]],
) -> Callable[[str], float | None]:
    """The value of a period id summed over a group's stored units (None if incomplete).

    A unit takes part in period ``q`` when it stored a value for some period inside ``q``;
    the sum needs every such unit to have a value for ``q`` itself.
    """
    if len(sources) == 1:  # one stored unit: its own value or nothing
        (only,) = sources.values()

        def get_one(pid: str) -> float | None:
            o = only.get(pid)
            return None if o is None else o.value or 0.0

        return get_one
    spans = {u: [parse_period(k) for k in by_period] for u, by_period in sources.items()}

    def get(pid: str) -> float | None:
        have = [u for u, by_period in sources.items() if pid in by_period]
        if not have:
            return None
        q = parse_period(pid)
        for u, ps in spans.items():
            if pid not in sources[u] and any(q.contains(x) for x in ps):
                return None  # a unit that takes part in q has no value for it
        return sum(sources[u][pid].value or 0.0 for u in have)

    return get


@dataclass
class Figure:
    """A value with its kind and status, and what it was made from."""

    value: float
    kind: str
    status: str
    sources: int = 1  # stored values that went into it


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _pct(a: float | None, b: float | None) -> float | None:
    if a is None or b in (None, 0):
        return None
    return a / b * 100.0


def _merge(figs: list[Figure]) -> tuple[str, str]:
    kind = Kind.ESTIMATE if any(f.kind == Kind.ESTIMATE for f in figs) else Kind.ACTUAL
    status = (
        Status.PROVISIONAL if any(f.status == Status.PROVISIONAL for f in figs) else Status.FINAL
    )
    return str(kind), str(status)


def _roll_group(
    sources: dict[str, dict[str, Observation]],
    p: Period,
    rule: TimeRule,
    recipes: dict[Any, Recipe] | None = None,
) -> Figure | None:
    """Roll the values of several stored units (one displayed unit) up to period ``p``.

    Groups whose stored periods are alike (most of them) share one recorded roll-up.
    """
    get = group_getter(sources)
    vals = {pid: v for pid in within(p) if (v := get(pid)) is not None}
    key = (p, rule, frozenset(vals))
    recipes = {} if recipes is None else recipes
    if key not in recipes:
        recipes[key] = recipe(p, rule, key[2])
    found = recipes[key]
    if found is None:
        return None
    replay, leaves, used_ids = found
    value = replay([vals[pid] for pid in leaves])
    used = [
        by_period[pid] for pid in used_ids for by_period in sources.values() if pid in by_period
    ]
    kind, status = _merge([Figure(0, o.kind, o.status) for o in used])
    return Figure(value, kind, status, len(used))


class ByYear:
    """Current values grouped once by indicator and year, in the order they were read."""

    def __init__(self, best: dict[tuple[str, str, str], Observation]) -> None:
        self._rows: dict[tuple[str, int], list[tuple[str, str, Observation]]] = defaultdict(list)
        years: dict[str, int] = {}
        for (code, unit, period), o in best.items():
            year = years.get(period)
            if year is None:
                year = years[period] = parse_period(period).year
            self._rows[(code, year)].append((unit, period, o))

    def get(self, code: str, year: int) -> list[tuple[str, str, Observation]]:
        """(unit, period, value) of one indicator in one year."""
        return self._rows.get((code, year), [])


class FactBuilder:
    """Computes facts for a period from the store's current values (or as of a time)."""

    def __init__(
        self,
        store: Store,
        cat: Catalog | None = None,
        units: UnitRegistry | None = None,
        as_of: datetime | None = None,
    ) -> None:
        self.store = store
        self.cat = cat or catalog()
        self.units = units or registry()
        self.as_of = as_of
        self._targets: dict[tuple[str, str], str | None] = {}
        self._recipes: dict[Any, Recipe] = {}

    def _load(self, periods: Iterable[Period]) -> tuple[dict[Any, Observation], dict[Any, float]]:
        ids: set[str] = set()
        for p in periods:
            ids.update(q.id for q in periods_within(p))
        rows = self.store.current_rows(ids, as_of=self.as_of)
        # best_value() in one pass over positions: (period, indicator, unit, kind, id, value)
        plan, actual = str(Kind.PLAN), str(Kind.ACTUAL)
        best: dict[Any, Any] = {}
        plans: dict[Any, float] = {}
        for r in rows:
            kind = r[3]
            if kind == plan:
                plans[(r[1], r[2], r[0])] = r[5]
                continue
            k = (r[1], r[2], r[0])
            have = best.get(k)
            if have is None or (kind == actual and have[3] != actual):
                best[k] = r
        return best, plans

    def _system(self, p: Period, boundaries: Boundaries) -> str:
        if boundaries == Boundaries.CURRENT:
            return "34"
        return "63" if p.end < date(2025, 7, 1) else "34"

    def _target(self, unit: str, system: str) -> str | None:
        """The unit of ``system`` a stored unit is shown under (None if none contains it)."""
        key = (unit, system)
        if key not in self._targets:
            try:
                self._targets[key] = self.units.on_boundaries(unit, system)
            except UnitError:  # a new province shown on old boundaries it spans
                self._targets[key] = None
        return self._targets[key]

    def _by_unit(
        self, best: ByYear | dict[Any, Observation], ind: Indicator, p: Period, system: str
    ) -> dict[str, Figure]:
        """Values of ``ind`` for ``p`` per unit of ``system`` (plus VN), before the formula.

        Stored units are first grouped by the unit of ``system`` that contains them (old
        provinces under their successor); each group is then rolled up over time, summing
        across the group's units at every sub-period where all of them have a value. So a
        year that straddles the merger adds the old provinces' first half to the new
        province's second half.
        """
        index = best if isinstance(best, ByYear) else ByYear(best)
        groups: dict[str, dict[str, dict[str, Observation]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for unit, period, o in index.get(ind.code, p.year):
            target = NATION_ID if unit == NATION_ID else self._target(unit, system)
            if target is not None:
                groups[target][unit][period] = o
        merged: dict[str, Figure] = {}
        for target, sources in groups.items():
            if len(sources) > 1 and ind.units_rule != UnitsRule.SUM:
                continue  # only additive indicators may be summed across a merger
            fig = _roll_group(sources, p, ind.time_rule, self._recipes)
            if fig is not None:
                merged[target] = fig
        provinces = [f for u, f in merged.items() if u != NATION_ID]
        if NATION_ID not in merged and provinces and ind.units_rule == UnitsRule.SUM:
            kind, status = _merge(provinces)
            merged[NATION_ID] = Figure(
                sum(f.value for f in provinces), kind, status, sum(f.sources for f in provinces)
            )
        return merged

    def _values(
        self, best: ByYear | dict[Any, Observation], p: Period, system: str
    ) -> dict[str, dict[str, Figure]]:
        """Per indicator, per unit: the figure for ``p``; derived indicators evaluated last."""
        index = best if isinstance(best, ByYear) else ByYear(best)
        table: dict[str, dict[str, Figure]] = {}
        for ind in self.cat.evaluation_order():
            if ind.formula:
                table[ind.code] = self._evaluate(ind, table)
            else:
                table[ind.code] = self._by_unit(index, ind, p, system)
        return table

    def _evaluate(self, ind: Indicator, table: dict[str, dict[str, Figure]]) -> dict[str, Figure]:
        from simpleeval import simple_eval

        ops = ind.operands
        common = set.intersection(*(set(table.get(o, {})) for o in ops)) if ops else set()
        out: dict[str, Figure] = {}
        for unit in common:
            figs = [table[o][unit] for o in ops]
            try:
                value = simple_eval(
                    ind.formula, names={o: f.value for o, f in zip(ops, figs, strict=True)}
                )
            except ZeroDivisionError:
                continue
            kind, status = _merge(figs)
            out[unit] = Figure(float(value), kind, status, sum(f.sources for f in figs))
        return out

    def _plans(
        self, plans: dict[Any, float], year: str, system: str
    ) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for (code, unit, period), value in plans.items():
            if period != year:
                continue
            target = NATION_ID if unit == NATION_ID else self._target(unit, system)
            if target is None:  # the first round raised here (a plan of a new province shown
                continue  # on old boundaries it spans); the analytics leave it out
            out[code][target] += value
        for code, by_unit in out.items():
            if (
                NATION_ID not in by_unit
                and by_unit
                and self.cat.get(code).units_rule == UnitsRule.SUM
            ):
                by_unit[NATION_ID] = sum(by_unit.values())
        return out

    def build(
        self,
        period: str | Period,
        boundaries: Boundaries = Boundaries.CURRENT,
        indicators: Iterable[str] | None = None,
    ) -> list[Fact]:
        """Every fact of ``period``: nation first, then provinces by code."""
        p = parse_period(str(period)) if not isinstance(period, Period) else period
        prev = p.same_period_last_year()
        year = p.year_period()
        system = self._system(p, boundaries)
        best, plans = self._load([p, prev, year])
        index = ByYear(best)
        now = self._values(index, p, system)
        before = self._values(index, prev, system)
        plan_table = self._plans(plans, year.id, system)
        wanted = set(indicators) if indicators is not None else None
        facts: list[Fact] = []
        for ind in self.cat:
            if wanted is not None and ind.code not in wanted:
                continue
            cur = now.get(ind.code, {})
            old = before.get(ind.code, {})
            plan = plan_table.get(ind.code, {})
            nation = cur.get(NATION_ID)
            provinces = sorted(
                ((u, f) for u, f in cur.items() if u != NATION_ID),
                key=lambda uf: uf[1].value,
                reverse=ind.direction != Direction.LOWER_BETTER,
            )
            ranks = {u: i for i, (u, _) in enumerate(provinces, start=1)}
            for unit in sorted(set(cur) | set(old) | set(plan), key=lambda u: (u != NATION_ID, u)):
                f, o, pl = cur.get(unit), old.get(unit), plan.get(unit)
                value = f.value if f else None
                change = _pct(value, o.value if o else None)
                plan_pct = _pct(value, pl)
                share = None
                if unit != NATION_ID and ind.units_rule == UnitsRule.SUM and nation and f:
                    share = round_half_up(_pct(f.value, nation.value))
                facts.append(
                    Fact(
                        indicator=ind.code,
                        unit=unit,
                        period=p.id,
                        value=value,
                        kind=f.kind if f else None,
                        status=f.status if f else None,
                        previous=o.value if o else None,
                        previous_period=prev.id,
                        previous_kind=o.kind if o else None,
                        change_pct=round_half_up(change - 100 if change is not None else None),
                        change_pct_exact=change - 100 if change is not None else None,
                        plan=pl,
                        plan_period=year.id,
                        plan_pct=round_half_up(plan_pct),
                        plan_pct_exact=plan_pct,
                        share_pct=share,
                        rank=ranks.get(unit),
                        rank_of=len(ranks) if unit in ranks else None,
                        level=0 if unit == NATION_ID else 1,
                        boundaries=str(boundaries),
                        measure=ind.measure,
                        decimals=ind.decimals,
                    )
                )
        return facts
