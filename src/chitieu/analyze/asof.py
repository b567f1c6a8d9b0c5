"""The cube slices of a time in the past: the stored ones, with what changed since rolled back.

``analyze.facts(store, period, as_of=T)`` reads the same analytics tables as a current read
(``Store.cubes(as_of=T)``): a slab no batch recorded after T changed gives its stored slices.
For a slab that one did change, only what the requested slots depend on is computed again:

- the entries a late batch wrote are found (``store/asof.py``); of those, only the ones inside
  a requested period matter (a slot's figure is made of values of periods it contains, and
  the year's plans for the plan slot) — for an additive indicator; for any other indicator
  every entry counts (whether a merged province's figure may be shown depends on all of its
  predecessors' values);
- their units' targets (the units of the province system they are shown under) are the only
  figures that change: those targets' source units, restricted as above, are rolled back to
  the instant and computed, and their columns replace the stored ones.

A slab whose first vintage was recorded after T (``store/since.py``: an instant before its
year's data came) gives no figure, without reading it. A revision of a few values of a year
thus costs the computation of a few targets, not of the year. A slab whose cube is out of
date, or with pending values, is rolled back and computed whole. Exact by construction;
``tests/test_asof.py`` checks it against the full reading of the vintages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from chitieu.analyze.assemble import Slices
from chitieu.analyze.cube import CONTAINED, CubeRules, _slots_of
from chitieu.store.analytics import CELL, N_PERIOD_SLOTS, PLAN_SLOT, CubeSlab
from chitieu.store.current import PLAN, Slab
from chitieu.store.values import Store

#: (targets, {slot: cells}, sources per target, targets replaced — None: all) of a slab
#: computed again in part
_Base = tuple[list[str], dict[int, np.ndarray], list[list[str]], set[str] | None]
#: what a slab gives: (targets, {slot: cells}, sources per target)
_Slice = tuple[list[str], dict[int, np.ndarray], list[list[str]]]


def slices_as_of(
    store: Store,
    rules: CubeRules,
    system: str,
    years: Sequence[int],
    slots: Sequence[int],
    as_of: datetime,
    indicators: Sequence[str] | None = None,
) -> Slices:
    """The cube slices of ``slots`` of ``years`` in ``system`` as they stood at ``as_of``."""
    got = store.cubes(
        system, years, rules.generation, slots, indicators, with_sources=True, as_of=as_of
    )
    late = got.late if got.late is not None else np.zeros(0, dtype=np.int64)
    out: Slices = {
        (ind, year): (targets, cells, got.sources[(ind, year)])
        for ind, year, targets, cells in got.fresh
    }
    if got.unborn:  # slabs that held nothing yet (pending values included): no figure
        none = np.zeros(0, dtype=CELL)
        out.update({(ind, year): ([], {s: none for s in slots}, []) for year, ind in got.unborn})
        got.stale = [s for s in got.stale if s.key not in got.unborn]
    parts = _parts(rules, [t[0] for t in got.touched], late, system, slots)
    bases: dict[tuple[str, int], _Base] = {}
    todo: list[Slab] = []
    for (slab, targets, cells), part in zip(got.touched, parts, strict=True):
        key = (slab.indicator, slab.year)
        sources = got.sources[key]
        if part is None:
            out[key] = (targets, cells, sources)
            continue
        todo.append(part[0])
        bases[key] = (targets, cells, sources, part[1])
    rolled = store.roll_back([*got.stale, *todo], late, as_of)
    for cube in rules.compute(rolled, system) if rolled else []:
        key = (cube.indicator, cube.year)
        base = bases.get(key)
        out[key] = slice_of(cube, slots) if base is None else splice(base, cube, slots)
    return out


def slice_of(cube: CubeSlab, slots: Sequence[int]) -> _Slice:
    return cube.targets, {s: cube.cells[s] for s in slots}, cube.sources


def _relevant(periods: np.ndarray, kinds: np.ndarray, slots: Sequence[int]) -> np.ndarray:
    """Entries a figure of ``slots`` can depend on (an additive indicator's): values of
    periods inside a requested period, and the year's plans for the plan slot."""
    slot = _slots_of(periods)
    bits = 0
    for s in slots:
        if s < N_PERIOD_SLOTS:
            bits |= int(CONTAINED[s])
    inside = (slot >= 0) & (((np.int64(bits) >> np.maximum(slot, 0)) & 1) == 1)
    plan = kinds == PLAN
    out = inside & ~plan
    if PLAN_SLOT in slots:
        out |= plan & (slot == 0)
    return out


def _parts(
    rules: CubeRules, slabs: Sequence[Slab], late: np.ndarray, system: str, slots: Sequence[int]
) -> list[tuple[Slab, set[str] | None] | None]:
    """Per slab, the part to roll back and compute again and the targets it makes (None:
    nothing the requested slots depend on changed since; targets None: the whole slab, every
    entry of which a late batch wrote — an instant before its data came, rolled back without
    finding targets). The others on columns, all at once."""
    out: list[tuple[Slab, set[str] | None] | None] = [None] * len(slabs)
    known = [rules._rules.get(s.indicator) for s in slabs]
    rest: list[int] = []
    for i, (s, rule) in enumerate(zip(slabs, known, strict=True)):
        if rule is None or not len(s.entries):
            continue
        if not _all_late(s, late):
            rest.append(i)
            continue
        e = s.entries
        keep = _relevant(e["period"], e["kind"], slots) if rule.summed else None
        if keep is None or keep.any():
            part = e if keep is None else e[keep]
            out[i] = (Slab(s.indicator, s.year, s.units, part, s.version), None)
    if rest:
        some = [slabs[i] for i in rest]
        for k, got in _by_target(rules, some, [known[i] for i in rest], late, system, slots):
            out[rest[k]] = got
    return out


def _all_late(slab: Slab, late: np.ndarray) -> bool:
    """Whether a batch of ``late`` (sorted ids) wrote every entry of ``slab`` (a slab older
    than the first late batch is rejected at a glance)."""
    b = slab.entries["batch"]
    if not len(late) or b.min() < late[0]:
        return False
    pos = np.minimum(np.searchsorted(late, b), len(late) - 1)
    return bool((late[pos] == b).all())


def _by_target(
    rules: CubeRules, slabs: Sequence[Slab], known: Sequence[Any], late: np.ndarray,
    system: str, slots: Sequence[int],
) -> list[tuple[int, tuple[Slab, set[str]]]]:  # fmt: skip
    """(slab index, (part, targets)) of the slabs a late entry changed that a requested slot
    depends on: the relevant entries of the targets those late entries belong to."""
    sizes = np.array([len(s.entries) for s in slabs], dtype=np.int64)
    e = np.concatenate([s.entries for s in slabs])
    sidx = np.repeat(np.arange(len(slabs), dtype=np.int64), sizes)
    batch, periods, kinds = e["batch"], e["period"], e["kind"]
    pos = np.minimum(np.searchsorted(late, batch), max(len(late) - 1, 0))
    is_late = late[pos] == batch if len(late) else np.zeros(len(e), dtype=bool)
    summed = np.array([r.summed for r in known], dtype=bool)

    def relevant(ix: np.ndarray) -> np.ndarray:  # of entries ``ix``: looked at where needed
        return ~summed[sidx[ix]] | _relevant(periods[ix], kinds[ix], slots)

    maybe = np.flatnonzero(is_late)
    changed = np.zeros(len(e), dtype=bool)
    changed[maybe[relevant(maybe)]] = True
    if not changed.any():
        return []
    # each entry's target, through one table of the slabs' units
    names = sorted({u for s in slabs for u in s.units})
    code = {u: i for i, u in enumerate(names)}
    offsets = np.cumsum([0] + [len(s.units) for s in slabs])
    to_global = np.array([code[u] for s in slabs for u in s.units], dtype=np.int64)
    targets = [rules.target(u, system) for u in names]
    tnames = sorted({t for t in targets if t is not None})
    tcode = {t: i for i, t in enumerate(tnames)}
    unit_target = np.array([tcode.get(t, -1) if t else -1 for t in targets], dtype=np.int64)
    target = unit_target[to_global[offsets[sidx] + e["unit"].astype(np.int64)]]
    width = len(tnames) + 1
    pair = sidx * width + target
    hit = changed & (target >= 0)
    affected = np.unique(pair[hit])  # (slab, target) pairs, sorted by slab
    table = np.zeros(len(slabs) * width, dtype=bool)
    table[affected] = True
    keep = np.flatnonzero(table[pair] & (target >= 0))  # target -1 wraps: masked out here
    keep = keep[relevant(keep)]
    kept, kept_slab = e[keep], sidx[keep]
    kbounds = np.searchsorted(kept_slab, np.arange(len(slabs) + 1))
    abounds = np.searchsorted(affected // width, np.arange(len(slabs) + 1))
    out: list[tuple[int, tuple[Slab, set[str]]]] = []
    for i, s in enumerate(slabs):
        if abounds[i] == abounds[i + 1]:
            continue
        made = {tnames[t] for t in (affected[abounds[i] : abounds[i + 1]] % width).tolist()}
        part = kept[kbounds[i] : kbounds[i + 1]]
        out.append((i, (Slab(s.indicator, s.year, s.units, part, s.version), made)))
    return out


def splice(base: _Base, cube: CubeSlab, slots: Sequence[int]) -> _Slice:
    """The stored slices with the columns of the recomputed targets replaced (a target that
    has no figure in the requested slots any more keeps an empty column). A cell's unit bits
    refer to its target's sources, so a replaced column takes its sources with it."""
    targets, cells, sources, replaced = base
    if replaced is None:  # the whole slab was computed again
        return slice_of(cube, slots)
    names = sorted(set(targets) | set(cube.targets))
    at = {t: j for j, t in enumerate(names)}
    src: list[list[str]] = [[] for _ in names]
    for i, t in enumerate(targets):
        if t not in replaced:
            src[at[t]] = sources[i]
    for i, t in enumerate(cube.targets):
        src[at[t]] = cube.sources[i]
    kept = [i for i, t in enumerate(targets) if t not in replaced]
    kept_to = np.array([at[targets[i]] for i in kept], dtype=np.int64)
    new_to = np.array([at[t] for t in cube.targets], dtype=np.int64)
    kept_ix = np.array(kept, dtype=np.int64)
    out: dict[int, np.ndarray] = {}
    for s in slots:
        col = np.zeros(len(names), dtype=CELL)
        col[kept_to] = cells[s][kept_ix]
        col[new_to] = cube.cells[s]
        out[s] = col
    return names, out, src
