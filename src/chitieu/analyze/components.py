"""A total against its components (issue 17, item 2): which the facts use when they disagree.

An indicator with ``components:`` in the catalog (the sector's revenue and its sub-sectors'
revenues) has its own figure and the sum of its components' figures. Where a unit has both —
the total and every component present and complete (like with like) — and they disagree
beyond the indicator's tolerance (``consistency: tolerance``), the facts use the one its
``consistency: components`` names: ``total`` (the total as reported, the default) or
``components`` (the sum of the components, with their estimate and provisional marks). The
fact says what was found and which it used (``Fact.consistency["components"]``) and, where
the components' sum is its value, ``Fact.source == "components"``.

Where the components' sum is used, the figure's coverage is what its components cover
together (a unit covered when every component covers it, estimated — or hypothesised, in a
what-if — when any component is), so that what a component's figure is made of travels to the
total. A nation summed from its provinces is not judged itself: it is summed again from the
provinces' chosen figures (with their coverage), so that the nation remains the sum of the
provinces shown beside it.

Applied to the figures of the period and of the same period last year, before the nation is
judged against its provinces (``analyze/withhold.py``), so that a province's chosen figure
is the one its nation is compared with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from chitieu.analyze.coverage import Coverage, combine
from chitieu.analyze.withhold import Covs, GridCoverage
from chitieu.catalog.indicators import Catalog, within
from chitieu.store.analytics import ESTIMATED, PRESENT, PROVISIONAL

if TYPE_CHECKING:
    from chitieu.analyze.assemble import Grid

CHECK = "components_total"
TOTAL, COMPONENTS = "total", "components"
#: (row, column) of a figure → what was found there and which figure is used
Found = dict[tuple[int, int], dict[str, Any]]


def components_choice(cat: Catalog, codes: list[str], g: Grid, covs: Covs,
                      cov: GridCoverage) -> Found:  # fmt: skip
    """Where a total and the sum of its components (all of them present and complete in the
    same cell) disagree beyond the tolerance, use the one the indicator's ``consistency:
    components`` names (``components``: the grid's figure becomes their sum, its coverage
    theirs); a nation summed from its provinces is summed again from their chosen figures.
    Per figure, what was found and which was used."""
    col = {c: j for j, c in enumerate(codes)}
    out: Found = {}
    for j, code in enumerate(codes):
        ind = cat.get(code)
        parts = [col.get(c) for c in ind.components]
        if not parts or ind.formula or any(k is None for k in parts):
            continue
        ks = [k for k in parts if k is not None]
        present = g.present
        rows = np.flatnonzero(present[:, j] & present[:, ks].all(axis=1))
        used = ind.consistency.components
        for r in rows.tolist():
            if (r == 0 and g.summed[j]) or not all(_complete(covs[r][k]) for k in (j, *ks)):
                continue  # (the summed nation: below, from its provinces' chosen figures)
            stored, total = float(g.value[r, j]), float(g.value[r, ks].sum())
            if within(stored, total, ind.consistency.tolerance):
                continue
            out[(r, j)] = {
                "check": CHECK, "stored": stored, "parts": total, "gap": stored - total,
                "gap_pct": 100.0 * (stored - total) / total if total else None, "used": used,
                "components": list(ind.components),
            }  # fmt: skip
            if used == COMPONENTS:
                g.value[r, j] = total
                marks = np.bitwise_or.reduce(g.flags[r, ks])
                g.flags[r, j] = PRESENT | (marks & (ESTIMATED | PROVISIONAL))
                covs[r][j] = _of_components(cov, covs, r, j, ks)
        if used == COMPONENTS and g.summed[j] and any(r for r, k in out if k == j):
            _summed_again(g, covs, cov, j)
    return out


def _of_components(cov: GridCoverage, covs: Covs, r: int, j: int, ks: list[int]) -> Coverage:
    """What the components of row ``r`` cover together: a unit covered when every one covers
    it, estimated when any one is (the components are complete: see the caller)."""
    parts = [c for c in (covs[r][k] for k in ks) if c is not None]
    if all(c.own for c in parts):  # a unit's own figures for itself (the ministry's for VN)
        return combine(parts, (cov.units[r],), cov.pid)
    exp = cov.everyone if r == 0 else cov.exp(cov.units[r], j)
    return combine([cov.whole(c, exp) for c in parts], exp, cov.pid)


def _summed_again(g: Grid, covs: Covs, cov: GridCoverage, j: int) -> None:
    """The nation of column ``j`` (summed from its provinces) summed again from the provinces'
    figures as chosen, with what they cover together."""
    have = g.present[1:, j]
    g.value[0, j] = float(np.where(have, g.value[1:, j], 0.0).sum())
    marks = np.bitwise_or.reduce(np.where(have, g.flags[1:, j], 0))
    g.flags[0, j] = PRESENT | (int(marks) & (ESTIMATED | PROVISIONAL))
    covs[0][j] = cov.nation_of(covs, j)


def _complete(c: Any) -> bool:
    return c is not None and bool(c.complete)


def say_which(out: list[Any], found: tuple[Found, Found], ind_of: dict[str, int],
              units: list[str]) -> None:  # fmt: skip
    """The facts whose total and components disagreed say so, and which they use
    (``Fact.consistency["components"]``; ``Fact.source`` ``components`` where the value is
    the components' sum)."""
    if not found[0] and not found[1]:
        return
    cells = {(r, j) for f in found for r, j in f}
    row = {u: r for r, u in enumerate(units)}
    for f in out:
        key = (row.get(f.unit, -1), ind_of.get(f.indicator, -1))
        if key not in cells:
            continue
        got = {k: v[key] for k, v in zip(("value", "previous"), found, strict=True) if key in v}
        f.consistency = {**(f.consistency or {}), "components": got}
        now = got.get("value")
        if now is not None and now["used"] == COMPONENTS and f.value is not None:
            f.source = COMPONENTS
