"""The rules that turn current values into cube slabs: old provinces summed onto the units of a
province system, periods rolled up by each indicator's time rule (``store/analytics.py``).

The semantics are those of a review's fact table (docs/ARCHITECTURE.md, "Facts"):

1. each stored unit's figure of a key is its actual, else its estimate;
2. stored units are grouped under the unit of the system that contains them (the nation stays
   the nation; a unit no unit of the system contains is left out); a group of several units
   is summed only for additive indicators (``units_rule: sum``);
3. a group's value of a stored period is the sum over its units that have it, unless a unit
   that stored something inside that period lacks the period itself (then the group has no
   value for it): so 2025 adds the old provinces' first half to the new province's second;
4. a period's figure is its group value if there is one, else it is tiled by its parts
   (``catalog.periods.roll_up``: sums for flows, the last part for stocks, averages weighted
   by months), replayed with the exact arithmetic roll_up does (``analyze/recipes.py``); an
   indicator whose ``consistency: prefer`` is ``parts`` takes its parts instead of a stored
   aggregate whenever they tile it (a stored 9-month figure gives way to its nine months), and
   the cell's ``periods`` say which it was made of (``analyze/withhold.py``: ``Fact.source``);
5. the annual plan is the sum of the group's stored plans of the year.

Everything is done on columns for all slabs at once (a year of 400 indicators × 64 units in
one pass), and each cell keeps what it was made of (units, stored periods, estimates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from chitieu.analyze.recipes import recipe
from chitieu.catalog.indicators import Catalog, Indicator, UnitsRule, catalog
from chitieu.catalog.periods import YEAR_SLOTS, PeriodType, TimeRule, year_periods
from chitieu.catalog.units import UnitRegistry, registry
from chitieu.catalog.vocabulary import (
    LAST_OLD_DAY,
    MERGER_DATE,
    NATION_ID,
    NEW_SYSTEM,
    OLD_SYSTEM,
)
from chitieu.errors import UnitError
from chitieu.store.analytics import (
    CELL,
    ESTIMATED,
    N_PERIOD_SLOTS,
    N_SLOTS,
    PLAN_SLOT,
    PRESENT,
    PROVISIONAL,
    CubeSlab,
)
from chitieu.store.current import ESTIMATE, FINAL, METHOD, PLAN, Slab, _period_key, concat

#: bump when the computation changes: every stored cube slab is then computed again
CUBE_FORMAT = 2  # 2: cells record the units that had every period used (coverage)
_REF_YEAR = 2001  # recipes are the same for every year; they are computed on this one
_RULES = (TimeRule.SUM, TimeRule.LAST, TimeRule.AVERAGE, TimeRule.NONE)


_REF_PERIODS = year_periods(_REF_YEAR)
#: the integer key of each slot's period id (``store.current._period_key``), sorted, and
#: the slot of each
_keys = _period_key(np.array([p.id for p in _REF_PERIODS], dtype="S9"))
_SLOT_KEYS = np.sort(_keys)
_SLOT_OF_KEY = np.argsort(_keys)
#: per slot: the bits of the slots it contains (itself included)
CONTAINED = np.array(
    [sum(1 << j for j, q in enumerate(_REF_PERIODS) if p.contains(q)) for p in _REF_PERIODS],
    dtype=np.int64,
)


@cache
def _recipe(slot: int, rule: TimeRule, pattern: int) -> tuple[Any, tuple[int, ...], int] | None:
    """How slot ``slot`` is made when the slots of ``pattern`` hold group values:
    (replay, leaf slots, bits of the slots used) or None."""
    have = frozenset(_REF_PERIODS[j].id for j in range(N_PERIOD_SLOTS) if pattern >> j & 1)
    r = recipe(_REF_PERIODS[slot], rule, have)
    if r is None:
        return None
    replay, leaves, used = r
    slot_of = {p.id: j for j, p in enumerate(_REF_PERIODS)}
    used_bits = 0
    for pid in used:
        used_bits |= 1 << slot_of[pid]
    return replay, tuple(slot_of[pid] for pid in leaves), used_bits


@dataclass(frozen=True)
class _Rules:
    """What the computation needs to know of each indicator."""

    time_rule: TimeRule
    summed: bool  # units_rule sum: several stored units may be summed into one
    parts: bool = False  # consistency prefer parts: a stored aggregate gives way to its parts


class CubeRules:
    """The model ``Store.write`` and the readers compute cube slabs with (``CubeModel``)."""

    #: systems kept up to date by every write; others are computed when read
    systems: tuple[str, ...] = (NEW_SYSTEM,)

    def __init__(self, cat: Catalog | None = None, units: UnitRegistry | None = None) -> None:
        self.cat = cat or catalog()
        self.units = units or registry()
        self._rules = {
            i.code: _Rules(
                i.time_rule, i.units_rule == UnitsRule.SUM, i.consistency.prefer == "parts"
            )
            for i in self.cat
            if not i.is_derived
        }
        self._targets: dict[tuple[str, str], str | None] = {}
        h = hashlib.sha256(f"cube {CUBE_FORMAT}\n".encode())
        for code in sorted(self._rules):
            r = self._rules[code]
            parts = " parts" if r.parts else ""  # (the default leaves stored generations be)
            h.update(f"{code} {r.time_rule} {r.summed}{parts}\n".encode())
        for old, new in self.units.crosswalk():
            h.update(f"{old}>{new}\n".encode())
        self.generation = h.hexdigest()[:32]

    def target(self, unit: str, system: str) -> str | None:
        """The unit of ``system`` a stored unit is shown under (None: none contains it)."""
        key = (unit, system)
        if key not in self._targets:
            if unit == NATION_ID:
                self._targets[key] = NATION_ID
            else:
                try:
                    self._targets[key] = self.units.on_boundaries(unit, system)
                except UnitError:  # a new province shown on old boundaries it spans
                    self._targets[key] = None
        return self._targets[key]

    def compute(self, slabs: Sequence[Slab], system: str) -> list[CubeSlab]:
        """The cube slabs of ``slabs`` in ``system``: empty for an indicator the catalog does
        not compute (unknown, or derived) and for a year the system has no period of."""
        chosen = [s for s in slabs if s.indicator in self._rules]
        if system == OLD_SYSTEM:  # the 63 provinces only exist before the merger
            chosen = [s for s in chosen if s.year <= LAST_OLD_DAY.year]
        out = _compute(self, chosen, system) if chosen else []
        done = {(c.indicator, c.year) for c in out}
        out += [self.empty(s, system) for s in slabs if (s.indicator, s.year) not in done]
        return out

    def empty(self, slab: Slab, system: str) -> CubeSlab:
        """A cube slab with no figure (what a slab of nothing to compute gives)."""
        none = np.zeros((N_SLOTS, 0), dtype=CELL)
        return CubeSlab(system, slab.indicator, slab.year, [], [], none, slab.version,
                        self.generation)  # fmt: skip


def _runs(keys: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def _slots_of(periods: np.ndarray) -> np.ndarray:
    """The slot of each period id (-1 for an id that is no period of its year)."""
    key = _period_key(periods)
    pos = np.searchsorted(_SLOT_KEYS, key)
    pos = np.minimum(pos, len(_SLOT_KEYS) - 1)
    return np.where(_SLOT_KEYS[pos] == key, _SLOT_OF_KEY[pos], -1)


def _sources(
    gu_keys: np.ndarray, gstart: np.ndarray, names: list[str], n_u: int
) -> list[list[str]]:
    """Each group's source units, in order: lists shared by the groups with the same units
    (a year's groups have the same units for every indicator)."""
    unit = gu_keys % n_u
    bounds = np.r_[gstart, len(gu_keys)]
    if n_u > 128 or not len(gstart):
        return [[names[u] for u in unit[bounds[i] : bounds[i + 1]].tolist()]
                for i in range(len(gstart))]  # fmt: skip
    # a signature of each group's set of units: a 128-bit mask of their codes, in two halves
    bit = np.left_shift(np.uint64(1), (unit % 64).astype(np.uint64))
    zero = np.uint64(0)
    sig_lo = np.bitwise_or.reduceat(np.where(unit < 64, bit, zero), gstart)
    sig_hi = np.bitwise_or.reduceat(np.where(unit >= 64, bit, zero), gstart)
    sig = list(zip(sig_lo.tolist(), sig_hi.tolist(), strict=True))
    made: dict[tuple[int, int], list[str]] = {}
    out = []
    for i, key in enumerate(sig):
        got = made.get(key)
        if got is None:
            got = made[key] = [names[u] for u in unit[bounds[i] : bounds[i + 1]].tolist()]
        out.append(got)
    return out


def _compute(rules: CubeRules, slabs: list[Slab], system: str) -> list[CubeSlab]:
    slabs, e, sidx = concat(slabs)
    n_slabs = len(slabs)
    # --- units (sorted by id), each entry's slot and target -----------------------------------
    names = sorted({u for s in slabs for u in s.units})
    code = {u: i for i, u in enumerate(names)}
    n_u = max(len(names), 1)
    offsets = np.cumsum([0] + [len(s.units) for s in slabs])
    to_global = np.array([code[u] for s in slabs for u in s.units], dtype=np.int64)
    unit = to_global[offsets[sidx] + e["unit"].astype(np.int64)] if len(e) else sidx
    slot = _slots_of(e["period"])
    kind = e["kind"].astype(np.int64)
    targets_of = {u: rules.target(u, system) for u in names}
    tnames = sorted({t for t in targets_of.values() if t is not None})
    tcode = {t: i for i, t in enumerate(tnames)}
    unit_target = np.array(
        [tcode[t] if (t := targets_of[u]) is not None else -1 for u in names] or [-1],
        dtype=np.int64,
    )
    target = unit_target[unit]
    keep = (slot >= 0) & (target >= 0)
    e, sidx, unit, slot, kind, target = (a[keep] for a in (e, sidx, unit, slot, kind, target))
    value, flags = e["value"], e["flags"].astype(np.int64)
    # --- groups: (slab, target), sorted by slab then target; their source units ----------------
    n_t = max(len(tnames), 1)
    group = sidx * n_t + target
    gu = group * n_u + unit
    gu_keys = np.unique(gu)
    gu_group = gu_keys // n_u
    groups, gstart = np.unique(gu_group, return_index=True)
    G = len(groups)
    pos_in_group = np.arange(len(gu_keys)) - np.repeat(gstart, np.diff(np.r_[gstart, len(gu_keys)]))
    g_of = np.searchsorted(groups, group)
    src_bit = np.left_shift(np.int64(1), pos_in_group[np.searchsorted(gu_keys, gu)])
    group_slab = groups // n_t
    if G == 0:
        return [rules.empty(sl, system) for sl in slabs]
    cells = np.zeros((G, N_SLOTS), dtype=CELL)
    # --- plans: the stored plans of the year, summed per group --------------------------------
    is_plan = (kind == PLAN) & (slot == 0)
    if is_plan.any():
        o = np.lexsort((unit[is_plan], g_of[is_plan]))
        gp, vp, bp = g_of[is_plan][o], value[is_plan][o], src_bit[is_plan][o]
        cells["value"][:, PLAN_SLOT] = np.bincount(gp, weights=vp, minlength=G)
        count = np.bincount(gp, minlength=G)
        cells["n"][:, PLAN_SLOT] = np.minimum(count, 255)
        cells["flags"][:, PLAN_SLOT] = np.where(count > 0, PRESENT, 0)
        units_mask = np.zeros(G, dtype=np.int64)
        np.bitwise_or.at(units_mask, gp, bp)
        cells["units"][:, PLAN_SLOT] = units_mask
        cells["full"][:, PLAN_SLOT] = units_mask
    # --- each unit's figure of each slot: its actual, else its estimate -----------------------
    fig = np.flatnonzero(kind != PLAN)
    order = np.lexsort((kind[fig], slot[fig], unit[fig], g_of[fig]))
    idx = fig[order]
    key = (g_of[idx] * n_u + unit[idx]) * N_PERIOD_SLOTS + slot[idx]
    idx = idx[_runs(key)]  # actual (kind 0) sorts before estimate (kind 1)
    bg, bu, bs = g_of[idx], unit[idx], slot[idx]
    bv, bk, bf, bb = value[idx], kind[idx], flags[idx], src_bit[idx]
    # --- group values of stored slots (step 3) ------------------------------------------------
    u_runs = _runs(bg * n_u + bu)  # one run per (group, unit) with figures
    mask_u = (
        np.bitwise_or.reduceat(np.left_shift(np.int64(1), bs), u_runs)
        if len(bs)
        else (np.zeros(0, dtype=np.int64))
    )
    run_group = bg[u_runs]
    g_runs = _runs(run_group)
    has = np.zeros((G, N_PERIOD_SLOTS), dtype=bool)
    blocked = np.zeros((G, N_PERIOD_SLOTS), dtype=bool)
    allowed = np.zeros(G, dtype=bool)
    if len(u_runs):
        shifts = np.arange(N_PERIOD_SLOTS, dtype=np.int64)
        present = ((mask_u[:, None] >> shifts) & 1) == 1
        takes_part = (mask_u[:, None] & CONTAINED[None, :]) != 0
        rows = run_group[g_runs]
        has[rows] = np.logical_or.reduceat(present, g_runs, axis=0)
        blocked[rows] = np.logical_or.reduceat(takes_part & ~present, g_runs, axis=0)
        # groups of several units are summed only for additive indicators
        n_value_units = np.diff(np.r_[g_runs, len(u_runs)])
        summed = np.array([rules._rules[s.indicator].summed for s in slabs], dtype=bool)
        allowed[rows] = summed[group_slab[rows]] | (n_value_units == 1)
    group_has = has & ~blocked & allowed[:, None]
    flat = bg * N_PERIOD_SLOTS + bs
    size = G * N_PERIOD_SLOTS
    gval = np.bincount(flat, weights=bv, minlength=size).reshape(G, -1)
    gn = np.bincount(flat, minlength=size).reshape(G, -1)
    gest = np.bincount(flat, weights=bk == ESTIMATE, minlength=size).reshape(G, -1) > 0
    gprov = np.bincount(flat, weights=(bf & FINAL) == 0, minlength=size).reshape(G, -1) > 0
    gunits: np.ndarray = np.zeros(size, dtype=np.int64)
    np.bitwise_or.at(gunits, flat, bb)
    gmeth: np.ndarray = np.zeros(size, dtype=np.int64)
    np.bitwise_or.at(gmeth, flat, np.where((bf & METHOD) != 0, bb, 0))
    gunits, gmeth = gunits.reshape(G, -1), gmeth.reshape(G, -1)
    pattern = (group_has * (np.int64(1) << np.arange(N_PERIOD_SLOTS, dtype=np.int64))).sum(axis=1)
    time_rule = np.array(
        [_RULES.index(rules._rules[s.indicator].time_rule) for s in slabs], dtype=np.int64
    )[group_slab]
    if len(u_runs):
        _prefer_parts(rules, slabs, group_slab, time_rule, pattern, mask_u, run_group)
    # --- roll-ups of every slot (step 4), one replay per pattern ------------------------------
    for s in range(N_PERIOD_SLOTS):
        pat = pattern & CONTAINED[s]
        combo = time_rule * (1 << N_PERIOD_SLOTS) + pat
        for c in np.unique(combo[pat != 0]).tolist():
            rule, p = _RULES[c >> N_PERIOD_SLOTS], c & ((1 << N_PERIOD_SLOTS) - 1)
            found = _recipe(s, rule, p)
            if found is None:
                continue
            replay, leaves, used = found
            rows = np.flatnonzero(combo == c)
            cells["value"][rows, s] = replay([gval[rows, j] for j in leaves])
            cols = np.array([j for j in range(N_PERIOD_SLOTS) if used >> j & 1], dtype=np.int64)
            sub = np.ix_(rows, cols)
            f = np.full(len(rows), PRESENT, dtype=np.int64)
            f |= np.where(gest[sub].any(axis=1), ESTIMATED, 0)
            f |= np.where(gprov[sub].any(axis=1), PROVISIONAL, 0)
            cells["flags"][rows, s] = f
            cells["n"][rows, s] = np.minimum(gn[sub].sum(axis=1), 255)
            cells["units"][rows, s] = np.bitwise_or.reduce(gunits[sub], axis=1)
            cells["est"][rows, s] = np.bitwise_or.reduce(gmeth[sub], axis=1)
            cells["periods"][rows, s] = used
    if len(u_runs):
        run_unit = bu[u_runs]
        run_year = np.array([s.year for s in slabs], dtype=np.int64)[group_slab[run_group]]
        valid = _valid_slots(rules, names, run_unit, run_year)
        _full(cells, run_group, mask_u, bb[u_runs], valid)
    # --- slabs out ----------------------------------------------------------------------------
    sources = _sources(gu_keys, gstart, names, n_u)
    nonempty = (cells["flags"] != 0).any(axis=1)
    slab_bounds = np.searchsorted(group_slab, np.arange(n_slabs + 1))
    out: list[CubeSlab] = []
    for i, sl in enumerate(slabs):
        rows_i = [r for r in range(slab_bounds[i], slab_bounds[i + 1]) if nonempty[r]]
        out.append(
            CubeSlab(
                system=system,
                indicator=sl.indicator,
                year=sl.year,
                targets=[tnames[groups[r] % n_t] for r in rows_i],
                sources=[sources[r] for r in rows_i],
                cells=np.ascontiguousarray(cells[rows_i].T),
                based_on=sl.version,
                generation=rules.generation,
            )
        )
    return out


def _prefer_parts(rules: CubeRules, slabs: list[Slab], group_slab: np.ndarray,
                  time_rule: np.ndarray, pattern: np.ndarray, mask_u: np.ndarray,
                  run_group: np.ndarray) -> None:  # fmt: skip
    """For indicators whose ``consistency: prefer`` is ``parts``: drop from each group's
    stored slots (``pattern``, in place) every aggregate each of its units' own stored parts
    tile (``mask_u``: per (group, unit) run, the slots it stored); an aggregate one of the
    units cannot tile by its own parts is kept (the parts would not be complete)."""
    parts = np.array([rules._rules[s.indicator].parts for s in slabs], dtype=bool)
    if not parts.any() or not len(mask_u):
        return
    runs = np.flatnonzero(parts[group_slab[run_group]])
    kept = mask_u.copy()
    combo = time_rule[run_group[runs]] * (1 << N_PERIOD_SLOTS) + mask_u[runs]
    for c in np.unique(combo).tolist():
        rule, p = _RULES[c >> N_PERIOD_SLOTS], c & ((1 << N_PERIOD_SLOTS) - 1)
        kept[runs[combo == c]] = _from_parts(rule, p)
    keep = np.zeros(len(pattern), dtype=np.int64)
    np.bitwise_or.at(keep, run_group, kept)
    rows = np.flatnonzero(parts[group_slab])
    pattern[rows] &= keep[rows]


@cache
def _from_parts(rule: TimeRule, pattern: int) -> int:
    """The stored slots of ``pattern`` left when every aggregate its other slots tile is
    dropped (dropping one keeps its parts, so the others' tiling is unchanged)."""
    out = pattern
    for s in range(N_PERIOD_SLOTS):
        keep = not out >> s & 1 or slot_type(s) == PeriodType.MONTH
        if not keep and _recipe(s, rule, out & ~(1 << s)) is not None:
            out &= ~(1 << s)
    return out


#: in the year of the merger, the slots each province system reports (the old provinces the
#: periods that end by 30 June 2025, the new ones those that start from 1 July)
_MERGER_PERIODS = year_periods(MERGER_DATE.year)
_OLD_SLOTS = sum(1 << j for j, q in enumerate(_MERGER_PERIODS) if q.end <= LAST_OLD_DAY)
_NEW_SLOTS = sum(1 << j for j, q in enumerate(_MERGER_PERIODS) if q.start >= MERGER_DATE)
_ALL_SLOTS = (1 << N_PERIOD_SLOTS) - 1


def _valid_slots(rules: CubeRules, names: list[str], run_unit: np.ndarray,
                 run_year: np.ndarray) -> np.ndarray:  # fmt: skip
    """Per (group, unit) run: the slots its unit reports (every slot, but in 2025)."""
    valid = np.full(len(run_unit), _ALL_SLOTS, dtype=np.int64)
    merger = run_year == MERGER_DATE.year
    if merger.any():
        system = np.array([_system_of(rules, u) for u in names] or [""], dtype=object)
        of_run = system[run_unit]
        valid[merger & (of_run == OLD_SYSTEM)] = _OLD_SLOTS
        valid[merger & (of_run == NEW_SYSTEM)] = _NEW_SLOTS
    return valid


def _system_of(rules: CubeRules, unit: str) -> str:
    try:
        return rules.units.get(unit).system
    except UnitError:
        return ""


def _full(cells: np.ndarray, run_group: np.ndarray, mask_u: np.ndarray, bit: np.ndarray,
          valid: np.ndarray) -> None:  # fmt: skip
    """Mark, in each cell, the source units that had a figure for every stored period the
    cell was made of that their unit reports (a unit missing a month of a half is then told
    apart; in 2025 the old provinces answer for the first half, the new for the second): one
    pass over the (group, unit) runs per slot."""
    for s in range(N_PERIOD_SLOTS):
        used = cells["periods"][run_group, s].astype(np.int64)
        need = used & valid
        ok = (used != 0) & np.where(need != 0, (mask_u & need) == need, (mask_u & used) != 0)
        if ok.any():
            full = np.zeros(len(cells), dtype=np.int64)
            np.bitwise_or.at(full, run_group[ok], bit[ok])
            cells["full"][:, s] = full


def slot_type(slot: int) -> PeriodType:
    """The period type of a slot."""
    return YEAR_SLOTS[slot][0]


def rules_of(ind: Indicator) -> tuple[TimeRule, bool]:
    """(time rule, summed over units) of an indicator."""
    return ind.time_rule, ind.units_rule == UnitsRule.SUM
