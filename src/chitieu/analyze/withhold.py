"""Coverage of every figure of a fact grid, and what the coverage rules withhold.

``assemble`` builds, per year-slot, a grid of figures (a row per unit, the nation first; a
column per indicator) with each cell's masks from the cube (source units that took part, had
every period used, were estimated by the ministry). This module turns those masks into a
:class:`~chitieu.analyze.coverage.Coverage` per figure — stored figures from their cell, the
nation summed from the provinces as the union of theirs, derived indicators from their
operands — and applies each indicator's coverage rule (:mod:`chitieu.analyze.coverage`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from chitieu.analyze.coverage import (
    BELOW,
    INCOMPLETE,
    TOO_FEW,
    TOTAL,
    Coverage,
    change_reason,
    combine,
    of_units,
    own_coverage,
    plan_reason,
    reporters_of,
    value_ok,
)
from chitieu.catalog.indicators import Catalog, within
from chitieu.catalog.periods import Period, TimeRule
from chitieu.catalog.vocabulary import NATION_ID, NEW_SYSTEM
from chitieu.errors import UnitError

if TYPE_CHECKING:
    from chitieu.analyze.assemble import Grid

#: Coverage per cell of a grid (None where there is no figure)
Covs = list[list[Coverage | None]]


@cache
def expected_map(start: date, end: date, system: str) -> dict[str, tuple[str, ...]]:
    """For each unit of ``system``: the reporters of a period from ``start`` to ``end`` it
    contains."""
    from chitieu.catalog.units import registry

    reg = registry()
    out: dict[str, list[str]] = {}
    for u in reporters_of(start, end):
        try:
            out.setdefault(reg.on_boundaries(u, system), []).append(u)
        except UnitError:  # a new province on the old boundaries: it spans several
            continue
    return {t: tuple(us) for t, us in out.items()}


def _whole(unit: str, target: str) -> bool:
    """Whether a source unit that is not one of the expected reporters covers the whole of
    ``target``: the target itself, or a province of today whose borders are the target's (a
    province of today is shown under an old one only when it has no other predecessor)."""
    from chitieu.catalog.units import registry

    if unit == target:
        return True
    try:
        return registry().get(unit).system == NEW_SYSTEM
    except UnitError:
        return False


def _bits(mask: int, names: Sequence[str]) -> frozenset[str]:
    return frozenset(n for i, n in enumerate(names) if mask >> i & 1)


class GridCoverage:
    """The coverage of each figure of one grid (one period's slot of one year)."""

    def __init__(self, cat: Catalog, codes: list[str], units: list[str], q: Period,
                 system: str, plan: bool = False) -> None:  # fmt: skip
        self.cat, self.codes, self.units, self.pid = cat, codes, units, q.id
        # a plan is set by the units in charge when the year begins; a stock is its last
        # part's figure (a year across the merger: the new provinces' December)
        start, end = (q.start, q.start) if plan else (q.start, q.end)
        self.spans = {
            False: (expected_map(start, end, system), reporters_of(start, end)),
            True: (expected_map(end, end, system), reporters_of(end, end)),
        }
        self.last = [cat.get(c).time_rule == TimeRule.LAST for c in codes]
        self.expected, self.everyone = self.spans[False]
        self._memo: dict[tuple[Any, ...], Coverage] = {}
        self._nations: dict[tuple[Any, ...], Coverage] = {}

    def exp(self, target: str, j: int | None = None) -> tuple[str, ...]:
        """The reporters ``target`` should cover (itself if it reports nothing else), for
        indicator column ``j`` if given."""
        expected = self.expected if j is None else self.spans[self.last[j]][0]
        return expected.get(target, (target,))

    def of(self, g: Grid) -> Covs:
        """Coverage of every present figure of ``g`` (one pass over the stored cells; the
        coverage of equal cells is made once)."""
        rows, width = len(self.units), len(self.codes)
        out: Covs = [[None] * width for _ in range(rows)]
        col = {c: j for j, c in enumerate(self.codes)}
        stored = np.array([not self.cat.get(c).formula for c in self.codes], dtype=bool)
        mask = g.present & stored
        mask[0, g.summed] = False  # the nation summed: from its provinces' coverage below
        rr, jj = np.nonzero(mask)
        cells = zip(rr.tolist(), jj.tolist(), g.units[rr, jj].tolist(),
                    g.full[rr, jj].tolist(), g.est[rr, jj].tolist(), strict=True)  # fmt: skip
        memo, last, src = self._memo, self.last, g.src
        for r, j, units, full, est in cells:
            s = src[j].get(r, ())
            key = (r, last[j], s, units, full, est)
            got = memo.get(key)
            if got is None:
                got = memo[key] = self._stored(r, j, s, units, full, est)
            out[r][j] = got
        for j in np.flatnonzero(g.summed & stored).tolist():
            out[0][j] = self.nation_of(out, j)
        for ind in self.cat.evaluation_order():
            if ind.formula and ind.code in col:
                self._derived(g, out, col, ind)
        return out

    def _stored(self, r: int, j: int, src: tuple[str, ...], units: int, full: int,
                est: int) -> Coverage:  # fmt: skip
        target = self.units[r]
        exp = self.exp(target, j)
        covered = _bits(units & full, src)
        estimated = _bits(est, src)
        if target == NATION_ID:
            return own_coverage(target, self.pid, target in covered, target in estimated)
        if any(_whole(u, target) for u in covered - set(exp)):
            # a figure for the whole territory others report (a province of today storing a
            # figure of 2023, or the plan of a province that kept its borders)
            every = frozenset(exp)
            return of_units(exp, self.pid, every, every if estimated else frozenset())
        return of_units(exp, self.pid, covered, estimated)

    def nation_of(self, out: Covs, j: int) -> Coverage:
        """The nation summed from the provinces: what they cover together."""
        column = [row[j] for row in out[1:]]
        key = (self.last[j], *map(id, column))  # coverage objects are shared (coverage._cov)
        got = self._nations.get(key)
        if got is not None:
            return got
        everyone = self.spans[self.last[j]][1]
        covered: set[str] = set()
        est: set[str] = set()
        for c in column:
            if c is not None:
                covered |= c.covered
                est |= c.est
        got = self._nations[key] = of_units(everyone, self.pid, frozenset(covered),
                                            frozenset(est))  # fmt: skip
        return got

    def _derived(self, g: Grid, out: Covs, col: dict[str, int], ind: Any) -> None:
        ops = [col[o] for o in ind.operands]
        for r in np.flatnonzero(g.present[:, col[ind.code]]).tolist():
            parts = [out[r][k] for k in ops]
            exp = self.everyone if r == 0 else self.exp(self.units[r], col[ind.code])
            known = [self.whole(p, exp) for p in parts if p is not None]
            out[r][col[ind.code]] = combine(known, exp, self.pid) if known else None

    def whole(self, c: Coverage, exp: tuple[str, ...]) -> Coverage:
        """An own figure seen as covering every unit of ``exp`` (to combine with sums)."""
        if not c.own or (len(exp) == 1 and c.covered == frozenset(exp)):
            return c
        every = frozenset(exp) if c.complete else frozenset()
        return of_units(exp, self.pid, every, every if c.est else frozenset())


# --- the rules ---------------------------------------------------------------------------------


def judge_fact(rule: Any, r: int, now: Coverage | None, before: Coverage | None,
               plan: Coverage | None, nation: Coverage | None) -> dict[str, str]:  # fmt: skip
    """What the coverage rule withholds of one fact (rank apart: :func:`rank_mask`)."""
    held: dict[str, str] = {}
    if before is not None and not value_ok(before, rule):
        held["previous"] = BELOW
    if now is None:
        return held
    if not value_ok(now, rule):
        for name in ("value", "change_pct", "plan_pct", *(("share_pct", "rank") if r else ())):
            held[name] = BELOW
        return held
    if (why := change_reason(now, before, rule)) is not None:
        held["change_pct"] = why
    if (why := plan_reason(now, plan)) is not None:
        held["plan_pct"] = why
    if r > 0:
        if nation is None or not nation.complete:
            held["share_pct"] = TOTAL
        elif not now.complete:
            held["share_pct"] = INCOMPLETE
    return held


def comparable(covs: Covs, present: np.ndarray) -> np.ndarray:
    """Where a figure is complete (the units that may be ranked)."""
    flat = [c is not None and c.complete for row in covs for c in row]
    return np.array(flat, dtype=bool).reshape(present.shape) & present


def rank_reasons(
    cat: Catalog, codes: list[str], ok: np.ndarray, n_targets: int
) -> list[str | None]:
    """Per indicator: why no unit is ranked (None: the complete units are ranked)."""
    out: list[str | None] = []
    for j, code in enumerate(codes):
        rule = cat.get(code).coverage
        n = int(ok[1:, j].sum())
        enough = n >= rule.rank_min and 100.0 * n >= rule.rank_from * max(n_targets, 1)
        out.append(None if enough else TOO_FEW)
    return out


# --- a stored nation against its provinces (issue 17, item 2) ----------------------------------


def nation_choice(cat: Catalog, codes: list[str], g: Grid, covs: Covs,
                  cov: GridCoverage) -> dict[int, dict[str, Any]]:  # fmt: skip
    """Where the nation's own figure and the sum of its provinces (all of them reporting)
    disagree beyond the indicator's tolerance, use the one its ``consistency: prefer`` names
    (the parts: the grid's nation becomes their sum, with their coverage); per column, what
    was found and which was used."""
    from chitieu.catalog.indicators import UnitsRule
    from chitieu.store.analytics import ESTIMATED, PRESENT, PROVISIONAL

    out: dict[int, dict[str, Any]] = {}
    present = g.present  # (a column's flags change below only after its own checks)
    for j, code in enumerate(codes):
        ind = cat.get(code)
        if ind.formula or ind.units_rule != UnitsRule.SUM or g.summed[j] or not present[0, j]:
            continue
        parts = cov.nation_of(covs, j)
        have = present[1:, j]
        if not parts.complete or not have.any():
            continue
        stored, total = float(g.value[0, j]), float(g.value[1:, j][have].sum())
        if within(stored, total, ind.consistency.tolerance):
            continue
        used = ind.consistency.prefer
        out[j] = {
            "check": "nation_provinces", "stored": stored, "parts": total,
            "gap": stored - total, "gap_pct": 100.0 * (stored - total) / total if total else None,
            "used": used,
        }  # fmt: skip
        if used == "parts":
            g.value[0, j] = total
            marks = np.bitwise_or.reduce(g.flags[1:, j][have])
            g.flags[0, j] = PRESENT | (marks & (ESTIMATED | PROVISIONAL))
            covs[0][j] = parts
    return out


# --- a stored aggregate period against its parts (issue 17, item 2) ----------------------------

STORED, PARTS = "stored", "parts"


def made_of(cat: Catalog, codes: list[str], g: Grid, slot: int) -> list[list[str | None]]:
    """Per figure of ``g`` (the grid of ``slot``): ``stored`` where it is the period's own
    stored figure, ``parts`` where it was made of stored parts (the cube's cell ``periods``:
    none stored for the period, or ``consistency: prefer: parts``); the nation summed from
    its provinces and a derived figure are ``parts`` if any figure they are made of is."""
    present = g.present
    periods = g.periods if g.periods is not None else np.zeros(present.shape, dtype=np.int64)
    parts = (periods != 0) & (periods != (1 << slot))
    for j in np.flatnonzero(g.summed).tolist():
        parts[0, j] = bool((parts[1:, j] & present[1:, j]).any())
    col = {c: j for j, c in enumerate(codes)}
    for ind in cat.evaluation_order():
        if ind.formula and ind.code in col:
            ops = [col[o] for o in ind.operands]
            parts[:, col[ind.code]] = parts[:, ops].any(axis=1) if ops else False
    made = np.where(parts, PARTS, STORED).astype(object)
    made[~present] = None
    out: list[list[str | None]] = made.tolist()
    return out
