"""Current values changed for one read, and the cube figures they change computed again.

Two readers of the facts see values other than the stored ones, and share this seam:

- values of reports not in a publishing state are left out (``analyze/published.py``);
- a what-if lays hypothetical values over the stored ones (``analyze/whatif.py``): :class:`Laid`.

Either way only the targets (the units of the province system a figure is shown under) whose
source units' values change are computed again, by the cube's own rules, from the slab's
entries of those targets with the change made (:func:`changed_part`), and their columns are
spliced into the stored slices (``analyze/asof.splice``). Nothing here writes: the slabs and
cube slabs made are used for the read and dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from chitieu.analyze.cube import CubeRules
from chitieu.store.current import ACTUAL, ENTRY, ESTIMATE, KINDS, METHOD, Slab, SlabKey

#: a value key of a slab: (period, unit, kind)
Key = tuple[str, str, str]
#: a laid value: (unit, period, value)
LaidValue = tuple[str, str, float]


@dataclass(frozen=True)
class Laid:
    """Values laid over the current values for one read, per slab (year, indicator).

    Each value takes the place of whatever its unit has stored for its period (the actual and
    the estimate: a hypothesis is what the unit's figure would be); it is an entry of kind
    estimate made by a method, provisional — the marks of a ministry's estimate, so the cube
    counts it as estimated (``CELL.est``) and the figure it feeds is an estimate ("ước")."""

    values: Mapping[SlabKey, tuple[LaidValue, ...]] = field(default_factory=dict)

    def keys(self, years: Collection[int], indicators: Collection[str] | None) -> list[SlabKey]:
        """The slabs of ``years`` (of ``indicators`` if given) it changes."""
        return [
            k for k in self.values if k[0] in years and (indicators is None or k[1] in indicators)
        ]


def changed_part(
    rules: CubeRules,
    system: str,
    slab: Slab,
    drop: Collection[Key] = (),
    add: Sequence[LaidValue] = (),
) -> tuple[Slab, set[str]] | None:
    """The entries of the targets a change touches, with the change made, and those targets
    (None: it touches none). ``drop``: keys left out; ``add``: values laid over (each replacing
    its unit's actual and estimate of its period)."""
    gone = set(drop) | {(p, u, str(k)) for u, p, _ in add for k in (KINDS[ACTUAL], KINDS[ESTIMATE])}
    e, names = slab.entries, list(slab.units)
    hit = _hits(e, names, gone)
    units_touched = {names[int(e["unit"][i])] for i in hit} | {u for u, _, _ in add}
    targets = {t for u in units_touched if (t := rules.target(u, system)) is not None}
    if not targets or (not hit and not add):
        return None
    mine = np.array([rules.target(u, system) in targets for u in names], dtype=bool)
    keep = mine[e["unit"]] if len(e) else np.zeros(0, dtype=bool)
    keep[hit] = False
    kept = e[keep]
    if add:
        for u, _, _ in add:
            if u not in names:
                names.append(u)
        kept = np.concatenate([kept, _entries(add, names)])
    return Slab(slab.indicator, slab.year, names, kept, slab.version, slab.overlaid), targets


def _hits(e: np.ndarray, names: list[str], gone: set[Key]) -> list[int]:
    """Indices of the entries whose key is one of ``gone``."""
    units = {u for _, u, _ in gone}
    idx = [i for i, u in enumerate(names) if u in units]
    if not idx or not len(e):
        return []
    cand = np.flatnonzero(np.isin(e["unit"], idx))
    return [
        i
        for i in cand.tolist()
        if (e["period"][i].decode(), names[e["unit"][i]], KINDS[e["kind"][i]]) in gone
    ]


def _entries(add: Sequence[LaidValue], names: list[str]) -> np.ndarray:
    """The laid values as slab entries: kind estimate, made by a method, provisional; batch 0
    (no batch wrote them)."""
    out = np.zeros(len(add), dtype=ENTRY)
    at = {u: i for i, u in enumerate(names)}
    out["unit"] = [at[u] for u, _, _ in add]
    out["period"] = [p.encode() for _, p, _ in add]
    out["kind"] = ESTIMATE
    out["flags"] = METHOD
    out["value"] = [v for _, _, v in add]
    out["batch"] = 0
    return out
