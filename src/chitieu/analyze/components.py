"""A total against its components (issue 17, item 2): which the facts use when they disagree.

An indicator with ``components:`` in the catalog (the sector's revenue and its sub-sectors'
revenues) has its own figure and the sum of its components' figures. Where a unit has both —
the total and every component present and complete (like with like) — and they disagree
beyond the indicator's tolerance (``consistency: tolerance``), the facts use the one its
``consistency: components`` names: ``total`` (the total as reported, the default) or
``components`` (the sum of the components, with their estimate and provisional marks). The
fact says what was found and which it used (``Fact.consistency["components"]``) and, where
the components' sum is its value, ``Fact.source == "components"``.

Applied to the figures of the period and of the same period last year, before the nation is
judged against its provinces (``analyze/withhold.py``), so that a province's chosen figure
is the one its nation is compared with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from chitieu.analyze.withhold import Covs
from chitieu.catalog.indicators import Catalog
from chitieu.store.analytics import ESTIMATED, PRESENT, PROVISIONAL

if TYPE_CHECKING:
    from chitieu.analyze.assemble import Grid

CHECK = "components_total"
TOTAL, COMPONENTS = "total", "components"
#: (row, column) of a figure → what was found there and which figure is used
Found = dict[tuple[int, int], dict[str, Any]]


def components_choice(cat: Catalog, codes: list[str], g: Grid, covs: Covs) -> Found:
    """Where a total and the sum of its components (all of them present and complete in the
    same cell) disagree beyond the tolerance, use the one the indicator's ``consistency:
    components`` names (``components``: the grid's figure becomes their sum); per figure,
    what was found and which was used."""
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
        for r in rows.tolist():
            if not all(_complete(covs[r][k]) for k in (j, *ks)):
                continue
            stored, total = float(g.value[r, j]), float(g.value[r, ks].sum())
            tol = ind.consistency.tolerance
            if abs(stored - total) <= tol * max(abs(stored), abs(total), 1e-12):
                continue
            used = ind.consistency.components
            out[(r, j)] = {
                "check": CHECK, "stored": stored, "parts": total, "gap": stored - total,
                "gap_pct": 100.0 * (stored - total) / total if total else None, "used": used,
                "components": list(ind.components),
            }  # fmt: skip
            if used == COMPONENTS:
                g.value[r, j] = total
                marks = np.bitwise_or.reduce(g.flags[r, ks])
                g.flags[r, j] = PRESENT | (marks & (ESTIMATED | PROVISIONAL))
    return out


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
