"""The fact table of a review period: one entry (:func:`facts`), read from the analytics tables.

A fact holds the value of an indicator for a unit and period (rolled up over time by the
indicator's time rule, over units by its units rule), the same period last year, the annual
plan, and the comparisons a review states: change, % of plan, share of the national total,
rank among provinces. Every output (summary, report, dashboard, API) reads these facts.

The figures come from the cube slabs (``store/analytics.py``, computed by ``analyze/cube.py``):
a period's facts read one slice of each indicator's slab for the year and the year before,
about two rows per indicator. The nation is its own stored figure, else (for additive
indicators) the sum of the provinces; derived indicators are evaluated from their operands
after those are aggregated. Reads as of an earlier time build the slabs from the vintages
(slower, exact). Results are kept per process, keyed on the store's data version and the
catalog's fingerprint (:func:`fingerprint`: every indicator as defined, its measures and
groups), so that a read with another catalog is never served this one's facts.

A what-if (``analyze/whatif.py``) reads through the same load with hypothetical values laid
over the stored ones (``laid``, ``analyze/overlay.py``): the figures they change are computed
by the same rules, and nothing is kept or written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from chitieu.analyze.asof import slice_of, slices_as_of
from chitieu.analyze.assemble import Slices, assemble
from chitieu.analyze.cache import VersionedCache, version_key
from chitieu.analyze.cube import CubeRules
from chitieu.analyze.fact import Fact, FactSet
from chitieu.analyze.overlay import Laid
from chitieu.analyze.published import leave_out_unpublished
from chitieu.analyze.rounding import round_half_up
from chitieu.analyze.steps import companions, enrich
from chitieu.catalog.indicators import Catalog, catalog
from chitieu.catalog.periods import Period, parse_period
from chitieu.catalog.units import UnitRegistry, registry
from chitieu.catalog.vocabulary import Boundaries, system_for
from chitieu.store import StoreLike as StoreLike  # the store's type, for report/
from chitieu.store.analytics import PLAN_SLOT
from chitieu.store.gcpause import collector_paused
from chitieu.store.values import Store

__all__ = [
    "Boundaries",
    "Fact",
    "FactSet",
    "facts",
    "facts_of_periods",
    "facts_with_series",
    "load",
    "round_half_up",
]


# --- loading cube cells ----------------------------------------------------------------------


def load_slices(
    store: Store,
    rules: CubeRules,
    system: str,
    years: Iterable[int],
    slots: Sequence[int],
    as_of: datetime | None = None,
    indicators: Sequence[str] | None = None,
    laid: Laid | None = None,
) -> Slices:
    """The cube slices of ``slots`` of ``years``: one read of the analytics tables (the slabs
    found out of date are computed again and kept), or, as of a time, the current ones rolled
    back where something changed since (``analyze/asof.py``); with ``laid`` values (a
    what-if's) laid over the stored ones, and nothing kept: a what-if writes nothing."""
    years = sorted(set(years))
    if as_of is not None:
        out = slices_as_of(store, rules, system, years, slots, as_of, indicators)
    else:
        out = _current_slices(store, rules, system, years, slots, indicators, laid is None)
    # values of reports in a state that does not feed published figures: left out; a
    # what-if's values: laid over
    leave_out_unpublished(store, rules, system, out, slots, years, as_of, laid, indicators)
    return out


def _current_slices(store: Store, rules: CubeRules, system: str, years: list[int],
                    slots: Sequence[int], indicators: Sequence[str] | None,
                    keep: bool = True) -> Slices:  # fmt: skip
    out: Slices = {}
    got = store.cubes(system, years, rules.generation, slots, indicators, with_sources=True)
    for ind, year, targets, cells in got.fresh:
        out[(ind, year)] = (targets, cells, got.sources[(ind, year)])
    if got.stale:
        computed = rules.compute(got.stale, system)
        # kept for the next reader, unless made with pending values (not what is stored), or
        # read for a what-if (which writes nothing)
        if keep:
            store.keep_cubes([c for c in computed if (c.year, c.indicator) not in got.overlaid])
        for cube in computed:
            out[(cube.indicator, cube.year)] = slice_of(cube, slots)
    _LOADS.append(1)  # counted for the tests (one load per request)
    return out


#: every load of cube slices in this process (a test counts them per request)
_LOADS: list[int] = []


def loads() -> int:
    """How many times this process has loaded cube slices."""
    return len(_LOADS)


# --- the entry ---------------------------------------------------------------------------------


def fingerprint(cat: Catalog) -> str:
    """A digest of everything of the catalog the facts depend on — every indicator as frozen
    (formula, components, decimals, units and time rules, coverage and consistency rules,
    …), the units of measure and the groups — so that a fact set made with one catalog is
    never served for another (the facts cache key). Memoised per catalog object."""
    hit = _FINGERPRINTS.get(id(cat))
    if hit is not None and hit[0] is cat:
        return hit[1]
    frozen = [[(f.name, getattr(i, f.name)) for f in fields(i)] for i in cat]  # (no repr)
    text = repr((frozen, sorted(cat.measures.items()), sorted(cat.groups.items())))
    got = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if len(_FINGERPRINTS) >= 16:  # a few catalogs live in a process (tests make their own)
        _FINGERPRINTS.clear()
    _FINGERPRINTS[id(cat)] = (cat, got)  # the catalog kept: its id is not reused meanwhile
    return got


#: catalog id → (the catalog, its fingerprint)
_FINGERPRINTS: dict[int, tuple[Catalog, str]] = {}


def _needed(cat: Catalog, indicators: Iterable[str] | None) -> list[str] | None:
    """Stored indicators to load for ``indicators`` (a derived one needs its operands, a
    total its components: ``analyze/components.py``)."""
    if indicators is None:
        return None
    need: set[str] = set()
    stack = list(indicators)
    while stack:
        code = stack.pop()
        ind = cat.get(code)
        if ind.formula:
            stack += [o for o in ind.operands if o not in need]
        elif code not in need:
            need.add(code)
            stack += [c for c in ind.components if c not in need]
    return sorted(need)


#: fact sets of this process, under the store's data version (analyze/cache.py)
_CACHE: VersionedCache[FactSet] = VersionedCache(64)


def clear_cache() -> None:
    """Forget the fact sets kept in this process (benchmarks time the computation)."""
    _CACHE.clear()


def _rules(store: Store, cat: Catalog | None, units: UnitRegistry | None) -> CubeRules:
    model = store.analytics
    if isinstance(model, CubeRules) and (cat is None or model.cat is cat):
        return model
    return _default_rules(cat or catalog(), units or registry())


_RULES: dict[tuple[int, int], CubeRules] = {}


def _default_rules(cat: Catalog, units: UnitRegistry) -> CubeRules:
    key = (id(cat), id(units))
    if key not in _RULES:
        _RULES.clear()
        _RULES[key] = CubeRules(cat, units)
    return _RULES[key]


class FactLoad:
    """The fact sets of some periods, assembled from one load of cube slices per province
    system (the years and slots those periods need), and kept per process under the store's
    data version: a repeated request with nothing written since costs a version check.

    The load happens at the first fact set not already kept; ``indicators`` limits it to
    those indicators (and their operands). With ``laid`` values (a what-if's) the fact sets
    are neither kept nor looked up: they are not the store's.
    """

    def __init__(
        self,
        store: Store,
        periods: Sequence[Period],
        boundaries: Boundaries,
        as_of: datetime | None,
        rules: CubeRules,
        indicators: Iterable[str] | None = None,
        laid: Laid | None = None,
    ) -> None:
        self.store, self.rules, self.b, self.as_of = store, rules, boundaries, as_of
        self.periods = list(periods)
        self._load = _needed(rules.cat, indicators)
        self._slices: dict[str, Slices] = {}
        self._laid = laid
        #: fact sets of this load are kept per process (not as of a time, nor a what-if's)
        self._kept = as_of is None and laid is None
        self._key: tuple[Any, ...] = ()
        if self._kept:
            self._key = (*version_key(store, rules.generation, str(boundaries)),
                         fingerprint(rules.cat))  # fmt: skip

    def _slices_for(self, system: str) -> Slices:
        if system not in self._slices:
            qs = [q for q in self.periods if system_for(q.end, self.b) == system]
            qs += [c for q in qs for c in companions(q)]  # read on the boundaries of q
            years = {y for q in qs for y in (q.year, q.year - 1)}
            slots = sorted({q.slot for q in qs} | {PLAN_SLOT})
            self._slices[system] = load_slices(
                self.store, self.rules, system, years, slots, self.as_of, self._load, self._laid
            )
        return self._slices[system]

    @property
    def cells_read(self) -> int:
        """Aggregated cells this load has read so far (for benchmarks and diagnostics)."""
        return sum(
            len(a)
            for sl in self._slices.values()
            for _, cells, _full in sl.values()
            for a in cells.values()
        )

    def facts(self, period: str | Period, indicators: Iterable[str] | None = None) -> FactSet:
        """The facts of one of the load's periods (of some indicators only, if given)."""
        p = _period(period)
        if p not in self.periods:
            raise ValueError(f"{p.id} is not a period of this load")
        wanted = frozenset(indicators) if indicators is not None else None
        key = (*self._key, p.id, wanted)
        if self._kept and (hit := _CACHE.get(key)) is not None:
            return hit
        # tens of thousands of objects and no cycle: a pass of the cyclic collector over
        # the process's heap would cost more than the assembly (store/gcpause.py)
        with collector_paused():
            got = self._assemble(p, wanted)
        if self._kept:
            _CACHE.put(key, got)
        return got

    def _assemble(self, p: Period, wanted: frozenset[str] | None) -> FactSet:
        system = system_for(p.end, self.b)
        slices = self._slices_for(system)
        chosen = set(wanted) if wanted else None
        cat = self.rules.cat
        got = assemble(cat, slices, p, self.b, chosen, self.as_of, fact=Fact, fact_set=FactSet)
        if steps := companions(p):  # a month or a quarter: the period before, the year to date
            more = [assemble(cat, slices, q, self.b, chosen, self.as_of, system,
                             fact=Fact, fact_set=FactSet)
                    for q in steps]  # fmt: skip
            enrich(got, more[0], more[1] if len(more) > 1 else None, self.rules.cat)
        return got


def load(
    store: Store,
    periods: Sequence[str | Period],
    boundaries: Boundaries | str = Boundaries.CURRENT,
    as_of: datetime | None = None,
    *,
    indicators: Iterable[str] | None = None,
    cat: Catalog | None = None,
    units: UnitRegistry | None = None,
    laid: Laid | None = None,
) -> FactLoad:
    """The fact table of ``periods``, to be read with :meth:`FactLoad.facts` (one load); with
    ``laid`` values laid over the stored ones (a what-if's: ``analyze/whatif.py``)."""
    rules = _rules(store, cat, units)
    return FactLoad(store, [_period(q) for q in periods], Boundaries(boundaries), as_of, rules,
                    indicators, laid)  # fmt: skip


def _period(q: str | Period) -> Period:
    return parse_period(str(q)) if not isinstance(q, Period) else q


def facts(
    store: Store,
    period: str | Period,
    boundaries: Boundaries | str = Boundaries.CURRENT,
    as_of: datetime | None = None,
    *,
    indicators: Iterable[str] | None = None,
    cat: Catalog | None = None,
    units: UnitRegistry | None = None,
) -> FactSet:
    """Every fact of ``period`` on ``boundaries`` (as it stood at ``as_of`` if given).

    The one entry to the fact table: the summary, the report, the dashboard and the API all
    read it. ``indicators`` keeps only those facts (their operands are read as needed).
    """
    p = _period(period)
    got = load(store, [p], boundaries, as_of, indicators=indicators, cat=cat, units=units)
    return got.facts(p, indicators)


def facts_of_periods(
    store: Store,
    periods: Sequence[str | Period],
    boundaries: Boundaries | str = Boundaries.CURRENT,
    as_of: datetime | None = None,
    *,
    indicators: Iterable[str] | None = None,
    cat: Catalog | None = None,
    units: UnitRegistry | None = None,
) -> dict[str, FactSet]:
    """The facts of several periods (a time series), from one load of the analytics tables."""
    ps = [_period(q) for q in periods]
    got = load(store, ps, boundaries, as_of, indicators=indicators, cat=cat, units=units)
    return {q.id: got.facts(q, indicators) for q in ps}


def facts_with_series(
    store: Store,
    period: str | Period,
    boundaries: Boundaries | str = Boundaries.CURRENT,
    *,
    length: int,
    series: Iterable[str],
    as_of: datetime | None = None,
    cat: Catalog | None = None,
    units: UnitRegistry | None = None,
) -> tuple[FactSet, list[FactSet]]:
    """Every fact of ``period``, and the facts of the ``series`` indicators for the
    ``length - 1`` periods of its type before it (oldest first): what a report shows, from
    one load of the analytics tables."""
    p = _period(period)
    few = list(series)
    got = load(store, p.series(length), boundaries, as_of, cat=cat, units=units)
    return got.facts(p), [got.facts(q, few) for q in p.series(length)[:-1]]
