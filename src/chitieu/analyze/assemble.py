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

from chitieu.analyze.rounding import round_half_up_array
from chitieu.catalog.indicators import Catalog, Direction, UnitsRule
from chitieu.catalog.periods import Period
from chitieu.catalog.vocabulary import NATION_ID, Boundaries, Kind, Status
from chitieu.store.analytics import ESTIMATED, PLAN_SLOT, PRESENT, PROVISIONAL

#: (targets, {slot: CELL array over the targets}) of one indicator-year
Slices = dict[tuple[str, int], tuple[list[str], dict[int, np.ndarray]]]


@dataclass
class Grid:
    """Figures of one slot of one year: a row per unit, a column per indicator."""

    value: np.ndarray  # float, NaN where there is none
    flags: np.ndarray  # cell flags (PRESENT, ESTIMATED, PROVISIONAL); 0 where none
    n: np.ndarray  # stored values behind each figure

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
    flags = np.zeros(shape, dtype=np.int64)
    n = np.zeros(shape, dtype=np.int64)
    for j, code in enumerate(codes):
        got = slices.get((code, year))
        if got is None:
            continue
        targets, cells = got
        c = cells.get(slot)
        if c is None or not len(c):
            continue
        rows = np.fromiter((unit_ix[t] for t in targets), dtype=np.int64, count=len(targets))
        ok = (c["flags"] & PRESENT) != 0
        value[rows[ok], j] = c["value"][ok]
        flags[rows[ok], j] = c["flags"][ok]
        n[rows[ok], j] = c["n"][ok]
    return Grid(value, flags, n)


def _closure(cat: Catalog, wanted: set[str]) -> set[str]:
    """``wanted`` and every indicator their formulas read, down to the stored ones."""
    out: set[str] = set()
    stack = list(wanted)
    while stack:
        code = stack.pop()
        if code not in out:
            out.add(code)
            stack += list(cat.get(code).operands)
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
           unit_ix: dict[str, int]) -> np.ndarray:  # fmt: skip
    """The annual plans (NaN where none); the nation's summed for additive indicators."""
    g = _grid(slices, codes, year, PLAN_SLOT, unit_ix)
    for j, code in enumerate(codes):
        ind = cat.get(code)
        if ind.formula:
            g.value[:, j] = np.nan
            continue
        have = g.present[1:, j]
        if not g.present[0, j] and have.any() and ind.units_rule == UnitsRule.SUM:
            g.value[0, j] = np.where(have, g.value[1:, j], 0.0).sum(axis=0)
    return g.value


def _round(x: np.ndarray) -> list[float | None]:
    r = round_half_up_array(x)
    return [None if v != v else v for v in r.tolist()]  # NaN → None


def _pct(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b × 100 where both exist and b is not 0, else NaN."""
    ok = ~np.isnan(a) & ~np.isnan(b) & (b != 0)
    out = np.full(a.shape, np.nan)
    np.divide(a, b, out=out, where=ok)
    out[ok] *= 100.0
    return out


def _ranks(cat: Catalog, codes: list[str], g: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's rank among the units with a figure (1 = best by the indicator's direction;
    ties by unit id), and how many were ranked; 0 where not ranked."""
    rank = np.zeros(g.value.shape, dtype=np.int64)
    of = np.zeros(len(codes), dtype=np.int64)
    units = np.arange(1, g.value.shape[0])
    for j, code in enumerate(codes):
        have = g.present[1:, j]
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


def assemble(
    cat: Catalog,
    slices: Slices,
    p: Period,
    boundaries: Boundaries,
    wanted: set[str] | None = None,
    as_of: datetime | None = None,
    *,
    fact: Callable[..., Any],
    fact_set: Callable[..., Any],
) -> Any:
    """The facts of ``p`` from cube slices holding its slot of its year and the year before,
    and the plan slot of its year: ``fact_set`` of ``fact`` objects (``analyze.facts`` gives
    its :class:`~chitieu.analyze.facts.FactSet` and ``Fact``: this module imports nothing of
    it, so that the two make no import cycle)."""

    prev = p.same_period_last_year()
    codes = [i.code for i in cat if wanted is None or i.code in _closure(cat, wanted)]
    units = _units(slices, [(c, y) for c in codes for y in (p.year, prev.year)])
    unit_ix = {u: i for i, u in enumerate(units)}
    now = _figures(cat, slices, codes, p.year, p.slot, unit_ix)
    before = _figures(cat, slices, codes, prev.year, prev.slot, unit_ix)
    plan = _plans(cat, slices, codes, p.year, unit_ix)
    change = _pct(now.value, before.value) - 100.0
    plan_pct = _pct(now.value, plan)
    additive = np.array([cat.get(c).units_rule == UnitsRule.SUM for c in codes], dtype=bool)
    ind_of = {c: j for j, c in enumerate(codes)}
    share = _pct(now.value, np.broadcast_to(now.value[0], now.value.shape))
    share[0] = np.nan
    share[:, ~additive | ~now.present[0]] = np.nan
    share[~now.present] = np.nan
    rank, rank_of = _ranks(cat, codes, now)
    keep = now.present | before.present | ~np.isnan(plan)
    kind, status = _KIND, _STATUS
    # columns of Python values (one conversion each), then the facts in catalog order
    value, previous, plans = now.value.tolist(), before.value.tolist(), plan.tolist()
    flags, pflags = now.flags.tolist(), before.flags.tolist()
    ch, ch_r = change.tolist(), _round(change.ravel())
    pp, pp_r = plan_pct.tolist(), _round(plan_pct.ravel())
    sh_r = _round(share.ravel())
    ranks = rank.tolist()
    width = len(codes)
    b, pid, prev_id, year_id = str(boundaries), p.id, prev.id, str(p.year)
    out: list[Any] = []
    for ind in cat:
        if wanted is not None and ind.code not in wanted:
            continue
        j = ind_of[ind.code]
        for r in np.flatnonzero(keep[:, j]).tolist():
            k = r * width + j
            v = value[r][j]
            out.append(
                fact(
                    ind.code, units[r], pid,
                    None if v != v else v, kind[flags[r][j]], status[flags[r][j]],
                    None if previous[r][j] != previous[r][j] else previous[r][j], prev_id,
                    kind[pflags[r][j]],
                    ch_r[k], None if ch[r][j] != ch[r][j] else ch[r][j],
                    None if plans[r][j] != plans[r][j] else plans[r][j], year_id,
                    pp_r[k], None if pp[r][j] != pp[r][j] else pp[r][j],
                    sh_r[k], ranks[r][j] or None, int(rank_of[j]) if ranks[r][j] else None,
                    0 if r == 0 else 1, b, ind.measure, ind.decimals,
                )
            )  # fmt: skip
    return fact_set(p, b, as_of, tuple(out))
