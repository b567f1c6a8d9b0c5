"""From cube slices to the facts of one period: the nation, derived indicators, comparisons.

For every indicator of the catalog, on columns (one row per unit, one column per indicator):
the units' figures of the period and of the same period last year, and the annual plans, as
the cube slabs hold them; the nation as stored, else (additive indicators) the sum of the
units' figures; derived indicators evaluated from their operands after those are aggregated;
then the change on last year, % of the plan, the share of the national total and the rank
among the units, rounded half up to two decimals (the exact values kept beside them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from chitieu.analyze.components import components_choice, say_which
from chitieu.analyze.coverage import INCOMPLETE
from chitieu.analyze.rounding import as_list, rounded_list
from chitieu.analyze.withhold import (
    Covs,
    GridCoverage,
    comparable,
    judge_fact,
    made_of,
    nation_choice,
    rank_reasons,
)
from chitieu.catalog.indicators import Catalog, Direction, UnitsRule
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import NATION_ID, Boundaries, Kind, Status, system_for
from chitieu.store.analytics import ESTIMATED, PLAN_SLOT, PRESENT, PROVISIONAL

#: (targets, {slot: CELL array over the targets}, source units per target) of one
#: indicator-year
Slices = dict[tuple[str, int], tuple[list[str], dict[int, np.ndarray], list[list[str]]]]


@dataclass
class Grid:
    """Figures of one slot of one year: a row per unit, a column per indicator."""

    value: np.ndarray  # float, NaN where there is none
    flags: np.ndarray  # cell flags (PRESENT, ESTIMATED, PROVISIONAL); 0 where none
    n: np.ndarray  # stored values behind each figure
    units: np.ndarray  # the cell's masks over its target's source units (store/analytics.py)
    full: np.ndarray
    est: np.ndarray
    src: list[dict[int, tuple[str, ...]]]  # per column: row → its source units
    summed: np.ndarray  # per column: the nation's figure is the sum of the units'
    periods: np.ndarray | None = None  # the cell's stored slots used (bit s: slot s)

    @property
    def present(self) -> np.ndarray:
        """Where there is a figure (a view that follows ``flags``)."""
        return (self.flags & PRESENT) != 0


def _units(slices: Slices, keys: Iterable[tuple[str, int]]) -> list[str]:
    """Every target unit of the slices asked for: the nation first, then by id."""
    found = {t for k in keys if k in slices for t in slices[k][0]} | {NATION_ID}
    return [NATION_ID, *sorted(found - {NATION_ID})]


def _grid(slices: Slices, codes: list[str], year: int, slot: int, unit_ix: dict[str, int]) -> Grid:
    """The stored figures of ``slot`` of ``year`` for every indicator of ``codes``."""
    shape = (len(unit_ix), len(codes))
    value = np.full(shape, np.nan)
    flags, n, units, full, est, periods = (np.zeros(shape, dtype=np.int64) for _ in range(6))
    src: list[dict[int, tuple[str, ...]]] = [{} for _ in codes]
    # the slabs of a year share their targets and sources (store/analytics.py): rows and
    # row → sources are made once per distinct list (and cells present), not per indicator
    rows_of: dict[int, tuple[list[str], np.ndarray]] = {}
    src_of: dict[tuple[int, int, bytes], tuple[Any, dict[int, tuple[str, ...]]]] = {}
    for j, code in enumerate(codes):
        got = slices.get((code, year))
        if got is None:
            continue
        targets, cells, sources = got
        c = cells.get(slot)
        if c is None or not len(c):
            continue
        hit = rows_of.get(id(targets))
        if hit is None or hit[0] is not targets:
            ix = np.fromiter((unit_ix[t] for t in targets), dtype=np.int64, count=len(targets))
            hit = rows_of[id(targets)] = (targets, ix)
        rows = hit[1]
        ok = (c["flags"] & PRESENT) != 0
        r = rows[ok]
        value[r, j] = c["value"][ok]
        flags[r, j] = c["flags"][ok]
        for name, a in (("n", n), ("units", units), ("full", full), ("est", est),
                        ("periods", periods)):  # fmt: skip
            a[r, j] = c[name][ok]
        key = (id(targets), id(sources), ok.tobytes())
        made = src_of.get(key)
        if made is None or made[0] is not sources:
            kept = zip(rows.tolist(), sources, ok.tolist(), strict=True)
            made = src_of[key] = (sources, {row: tuple(s) for row, s, k in kept if k})
        src[j] = made[1]  # shared between columns: read only
    return Grid(value, flags, n, units, full, est, src, np.zeros(len(codes), dtype=bool), periods)


def _closure(cat: Catalog, wanted: set[str]) -> set[str]:
    """``wanted`` and every indicator their formulas read, down to the stored ones, and the
    components of a total (its figure may be their sum: ``analyze/components.py``)."""
    out: set[str] = set()
    stack = list(wanted)
    while stack:
        code = stack.pop()
        if code not in out:
            out.add(code)
            ind = cat.get(code)
            stack += [*ind.operands, *ind.components]
    return out


def _figures(cat: Catalog, slices: Slices, codes: list[str], year: int, slot: int,
             unit_ix: dict[str, int]) -> Grid:  # fmt: skip
    """Every indicator's figure of every unit: stored, nation summed, derived evaluated."""
    g = _grid(slices, codes, year, slot, unit_ix)
    col = {c: j for j, c in enumerate(codes)}
    inds = [cat.get(c) for c in codes]
    summed = np.array(
        [j for j, i in enumerate(inds) if not i.formula and i.units_rule == UnitsRule.SUM],
        dtype=np.int64,
    )
    need = summed[~g.present[0, summed]] if len(summed) else summed
    if len(need):  # the nation, where not stored: the sum of the units (row 0 is the nation)
        have = g.present[1:][:, need]
        # added down each column, unit after unit, in unit order
        total = np.where(have, g.value[1:][:, need], 0.0).sum(axis=0)
        marks = np.bitwise_or.reduce(np.where(have, g.flags[1:][:, need], 0), axis=0)
        some = have.any(axis=0)
        cols = need[some]
        g.value[0, cols] = total[some]
        g.flags[0, cols] = PRESENT | (marks[some] & (ESTIMATED | PROVISIONAL))
        g.n[0, cols] = np.where(have, g.n[1:][:, need], 0).sum(axis=0)[some]
        g.summed[cols] = True
    for ind in cat.evaluation_order():
        if ind.formula and ind.code in col:
            _evaluate(ind, g, col)
    return g


def _evaluate(ind: Any, g: Grid, col: dict[str, int]) -> None:
    """A derived indicator for every unit that has all its operands."""
    from simpleeval import simple_eval

    ops = [col[o] for o in ind.operands]
    j = col[ind.code]
    if not ops:
        return
    rows = np.flatnonzero(g.present[:, ops].all(axis=1))
    for r in rows.tolist():
        names = {o: float(g.value[r, k]) for o, k in zip(ind.operands, ops, strict=True)}
        try:
            value = simple_eval(ind.formula, names=names)
        except ZeroDivisionError:
            continue
        g.value[r, j] = float(value)
        g.flags[r, j] = PRESENT | np.bitwise_or.reduce(g.flags[r, ops] & (ESTIMATED | PROVISIONAL))
        g.n[r, j] = g.n[r, ops].sum()


def _plans(cat: Catalog, slices: Slices, codes: list[str], year: int,
           unit_ix: dict[str, int]) -> Grid:  # fmt: skip
    """The annual plans (NaN where none); the nation's summed for additive indicators."""
    g = _grid(slices, codes, year, PLAN_SLOT, unit_ix)
    present = g.present
    for j, code in enumerate(codes):
        ind = cat.get(code)
        if ind.formula:
            g.value[:, j] = np.nan
            continue
        have = present[1:, j]
        if not present[0, j] and have.any() and ind.units_rule == UnitsRule.SUM:
            g.value[0, j] = np.where(have, g.value[1:, j], 0.0).sum(axis=0)
            g.flags[0, j] = PRESENT
            g.summed[j] = True
    return g


def _pct(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b × 100 where both exist and b is not 0, else NaN."""
    ok = ~np.isnan(a) & ~np.isnan(b) & (b != 0)
    out = np.full(a.shape, np.nan)
    np.divide(a, b, out=out, where=ok)
    out[ok] *= 100.0
    return out


def _ranks(cat: Catalog, codes: list[str], g: Grid, ok: np.ndarray,
           reasons: list[str | None]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Each unit's rank among the units with a complete figure (``ok``; 1 = best by the
    indicator's direction; ties by unit id), and how many were ranked; 0 where not ranked
    (and for every unit of an indicator with too few to rank)."""
    rank = np.zeros(g.value.shape, dtype=np.int64)
    of = np.zeros(len(codes), dtype=np.int64)
    units = np.arange(1, g.value.shape[0])
    for j, code in enumerate(codes):
        have = ok[1:, j]
        if reasons[j] is not None:
            continue
        if not have.any():
            continue
        vals = g.value[1:, j][have]
        who = units[have]
        key = vals if cat.get(code).direction == Direction.LOWER_BETTER else -vals
        order = np.lexsort((who, key))
        rank[who[order], j] = np.arange(1, len(order) + 1)
        of[j] = len(order)
    return rank, of


#: a figure's kind and status by its cell flags (None where there is no figure)
_KIND = [
    None if not f & PRESENT else str(Kind.ESTIMATE if f & ESTIMATED else Kind.ACTUAL)
    for f in range(8)
]
_STATUS = [
    None if not f & PRESENT else str(Status.PROVISIONAL if f & PROVISIONAL else Status.FINAL)
    for f in range(8)
]
_KINDS, _STATUSES = np.array(_KIND, dtype=object), np.array(_STATUS, dtype=object)


def assemble(
    cat: Catalog,
    slices: Slices,
    p: Period,
    boundaries: Boundaries,
    wanted: set[str] | None = None,
    as_of: datetime | None = None,
    system: str | None = None,
    *,
    fact: Callable[..., Any],
    fact_set: Callable[..., Any],
) -> Any:
    """The facts of ``p`` from cube slices holding its slot of its year and the year before,
    and the plan slot of its year (``fact_set`` of ``fact`` objects: ``analyze.facts`` gives
    its :class:`~chitieu.analyze.facts.FactSet` and ``Fact``, so that this module imports
    nothing of it and the two make no import cycle), each with its coverage and what the
    coverage rules withhold (``analyze/withhold.py``). ``system``: the province system the
    slices are on (by default the one of ``p``'s end on ``boundaries``; a month's period
    before it is read on the month's)."""

    prev = p.same_period_last_year()
    needed = None if wanted is None else _closure(cat, wanted)
    codes = [i.code for i in cat if needed is None or i.code in needed]
    units = _units(slices, [(c, y) for c in codes for y in (p.year, prev.year)])
    unit_ix = {u: i for i, u in enumerate(units)}
    now = _figures(cat, slices, codes, p.year, p.slot, unit_ix)
    before = _figures(cat, slices, codes, prev.year, prev.slot, unit_ix)
    plan = _plans(cat, slices, codes, p.year, unit_ix)
    system = system or system_for(p.end, boundaries)
    cov = GridCoverage(cat, codes, units, p, system)
    last = GridCoverage(cat, codes, units, prev, system)
    covs = _Covs(cov.of(now), last.of(before),
                 GridCoverage(cat, codes, units, _year(p), system, plan=True).of(plan))  # fmt: skip
    comps = (components_choice(cat, codes, now, covs.now, cov),
             components_choice(cat, codes, before, covs.before, last))  # fmt: skip
    chosen = (nation_choice(cat, codes, now, covs.now, cov),
              nation_choice(cat, codes, before, covs.before, last))  # fmt: skip
    ok = comparable(covs.now, now.present)
    why_not = rank_reasons(cat, codes, ok, len(cov.expected))
    rank, rank_of = _ranks(cat, codes, now, ok, why_not)
    cols = _Columns(cat, codes, now, before, plan.value, rank, rank_of)
    cols.made = made_of(cat, codes, now, p.slot)
    b = str(boundaries)
    out = cols.facts(cat, wanted, units, p, prev, b, covs, why_not, ok, fact)
    _say_which(out, chosen, cols.ind_of)
    say_which(out, comps, cols.ind_of, units)
    return fact_set(p, b, as_of, tuple(out))


def _say_which(out: list[Any], chosen: tuple[dict[int, Any], dict[int, Any]],
               ind_of: dict[str, int]) -> None:  # fmt: skip
    """The nation's facts say where its own figure and its provinces disagreed, and which
    the facts use (``Fact.consistency``)."""
    if not chosen[0] and not chosen[1]:
        return
    code = {j: c for c, j in ind_of.items()}
    which = {code[j] for j in (*chosen[0], *chosen[1])}
    for f in out:
        if f.level == 0 and f.indicator in which:
            j = ind_of[f.indicator]
            got = {k: v[j] for k, v in zip(("value", "previous"), chosen, strict=True) if j in v}
            f.consistency = got or None


def _year(p: Period) -> Period:
    from chitieu.catalog.periods import parse_period

    return parse_period(str(p.year))


@dataclass
class _Covs:
    now: Covs
    before: Covs
    plan: Covs


_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


class _Columns:
    """The comparisons of every fact, on columns; the facts kept are made from them in one
    pass (each field gathered and converted to Python values once, for all facts)."""

    def __init__(self, cat: Catalog, codes: list[str], now: Grid, before: Grid,
                 plan: np.ndarray, rank: np.ndarray, rank_of: np.ndarray) -> None:  # fmt: skip
        change = _pct(now.value, before.value) - 100.0
        plan_pct = _pct(now.value, plan)
        additive = np.array([cat.get(c).units_rule == UnitsRule.SUM for c in codes], dtype=bool)
        share = _pct(now.value, np.broadcast_to(now.value[0], now.value.shape))
        share[0] = np.nan
        present = now.present
        share[:, ~additive | ~present[0]] = np.nan
        share[~present] = np.nan
        self.keep = present | before.present | ~np.isnan(plan)
        self.value, self.previous, self.plans = now.value, before.value, plan
        self.flags, self.pflags = now.flags, before.flags
        self.ch, self.pp, self.share = change, plan_pct, share
        self.ranks, self.rank_of = rank, rank_of
        self.ind_of = {c: j for j, c in enumerate(codes)}
        self.width = len(codes)
        self.made: list[list[str | None]] = []  # per figure: stored | parts (withhold.made_of)

    def cells(self, cat: Catalog, wanted: set[str] | None) -> tuple[list[Any], *_Arrays]:
        """The facts to make: their indicators, and per fact (catalog order, the nation
        first, then units by id) its indicator's position, row and column."""
        inds = [i for i in cat if wanted is None or i.code in wanted]
        js = np.array([self.ind_of[i.code] for i in inds], dtype=np.int64)
        jpos, rr = np.nonzero(self.keep[:, js].T) if len(js) else (js, js)
        return inds, jpos, rr, js[jpos]

    def fields(self, rr: np.ndarray, jj: np.ndarray) -> list[list[Any]]:
        """Per field of a fact (in ``Fact``'s order, after indicator, unit and period), its
        values for the cells (``rr``, ``jj``): None where there is none."""
        ch, pp = self.ch[rr, jj], self.pp[rr, jj]
        rank = self.ranks[rr, jj]
        fl, pfl = self.flags[rr, jj], self.pflags[rr, jj]
        return [
            as_list(self.value[rr, jj]), _KINDS[fl].tolist(), _STATUSES[fl].tolist(),
            as_list(self.previous[rr, jj]), _KINDS[pfl].tolist(),
            rounded_list(ch), as_list(ch), as_list(self.plans[rr, jj]),
            rounded_list(pp), as_list(pp), rounded_list(self.share[rr, jj]),
            as_list(np.where(rank > 0, rank, np.nan), integer=True),
            as_list(np.where(rank > 0, self.rank_of[jj], np.nan), integer=True),
        ]  # fmt: skip

    def facts(self, cat: Catalog, wanted: set[str] | None, units: list[str], p: Period,
              prev: Period, b: str, covs: _Covs, why_not: list[str | None],
              ok: np.ndarray, make: Callable[..., Any]) -> list[Any]:  # fmt: skip
        """Every fact kept, in catalog order (the nation first, then units by id), made by
        ``make`` (``analyze.facts.Fact``), with its coverage and what the rules withhold."""
        inds, jpos, rr, jj = self.cells(cat, wanted)
        pid, prev_id, year = p.id, prev.id, str(p.year)
        cols = self.fields(rr, jj)
        oks = ok[rr, jj].tolist()
        judged: dict[tuple[Any, ...], dict[str, str]] = {}
        same: dict[Any, int] = {}  # equal coverage rules judge alike
        meta = [(i.code, i.measure, i.decimals, i.coverage, same.setdefault(i.coverage, len(same)))
                for i in inds]  # fmt: skip
        now_c, before_c, plan_c = covs.now, covs.before, covs.plan
        nation_c, made = now_c[0], self.made
        out: list[Any] = []
        cells = zip(jpos.tolist(), rr.tolist(), jj.tolist(), oks, *cols, strict=True)
        for i, r, j, is_ok, v, kind, status, pv, pkind, ch_r, ch, pl, pp_r, pp, sh_r, rank, \
                rank_of in cells:  # fmt: skip
            code, measure, decimals, rule, same_rule = meta[i]
            f = make(code, units[r], pid, v, kind, status, pv, prev_id, pkind, ch_r, ch, pl,
                     year, pp_r, pp, sh_r, rank, rank_of, 1 if r else 0, b, measure,
                     decimals)  # fmt: skip
            now, before = now_c[r][j], before_c[r][j]
            f.coverage, f.previous_coverage = now, before
            f.source = made[r][j]
            plan, nation = plan_c[r][j], nation_c[j]
            key = (same_rule, r > 0, now, before, plan, nation)  # coverage: hashed by identity
            held = judged.get(key)
            if held is None:  # the coverage objects are shared: a few distinct judgements
                held = judged[key] = judge_fact(rule, r, now, before, plan, nation)
            rank_why = None
            if r > 0 and v is not None and "rank" not in held:
                rank_why = why_not[j] if why_not[j] is not None else None if is_ok else INCOMPLETE
            if held or rank_why is not None:
                _withhold(f, {**held, "rank": rank_why} if rank_why is not None else dict(held))
            out.append(f)
        return out


#: the fields of a fact each withheld item empties
_EMPTIES = {
    "value": ("value",),
    "previous": ("previous",),
    "change_pct": ("change_pct", "change_pct_exact"),
    "plan_pct": ("plan_pct", "plan_pct_exact"),
    "share_pct": ("share_pct",),
    "rank": ("rank", "rank_of"),
}


def _withhold(f: Any, held: dict[str, str]) -> None:
    """Empty what the rules withhold, and say why (only what there was to withhold)."""
    for name, reason in held.items():
        fields = _EMPTIES[name]
        if name in ("value", "previous", "rank") or getattr(f, fields[0]) is not None:
            for field in fields:
                setattr(f, field, None)
            f.withheld[name] = reason
