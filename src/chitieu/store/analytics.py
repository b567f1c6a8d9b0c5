"""The analytics tables: every target unit's figure of every period of a year, kept up to date.

A cube slab holds, for one province system (the 34 provinces of today, or the 63 before the
merger), one indicator and one year, the figure of each target unit (a province of that
system, or the nation) for each of the year's periods (``catalog.periods.YEAR_SLOTS``) plus
its annual plan: the old provinces summed onto their successor, the months rolled up to
quarters, halves, years and cumulative periods by the indicator's time rule. Each cell also
keeps how it was made: which of the target's source units and which stored periods went into
it, how many stored values, whether any was an estimate, provisional, or an estimate the
ministry made for a unit (:data:`CELL`). The rules that compute a slab live in
``chitieu.analyze.cube`` (they need the catalog); the store only keeps the result and knows
when it is out of date: a slab reflects one version of its current-value slab
(``based_on``) computed by one version of the rules (``generation``). ``Store.write`` keeps
the materialised systems up to date in its own transaction; a reader finding a slab missing
or stale computes it again (and stores it).

Cells are stored slot by slot (all targets of slot 0, then of slot 1, …), so that a summary
of one period reads one slice of each slab (``substr``), not the whole slab.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Connection, DateTime, bindparam, text

from chitieu.store.asof import FIRST_LATE
from chitieu.store.current import Slab

CELL = np.dtype(
    [
        ("value", "<f8"),
        ("flags", "u1"),
        ("n", "u1"),  # stored values that went into the figure (at most 255 counted)
        ("units", "u1"),  # bit i: source unit i of the target took part
        ("est", "u1"),  # bit i: source unit i took part with an estimate made by the ministry
        ("periods", "<u4"),  # bit s: a stored value of slot s was used
        ("full", "u1"),  # bit i: source unit i had a figure for every stored period used
    ]
)
#: cell flags
PRESENT = 1  # the figure exists
ESTIMATED = 2  # some value it was made of is an estimate (kind estimate)
PROVISIONAL = 4  # some value it was made of is provisional
#: slots of a slab: the 27 periods of a year, then the annual plan
N_PERIOD_SLOTS = 27
PLAN_SLOT = 27
N_SLOTS = 28


@dataclass
class CubeSlab:
    """The figures of one system, indicator and year."""

    system: str
    indicator: str
    year: int
    targets: list[str]
    sources: list[list[str]]  # per target, its source units (bit i of a mask = sources[i])
    cells: np.ndarray  # CELL, shape (N_SLOTS, len(targets))
    based_on: int
    generation: str

    def row(self) -> dict[str, Any]:
        """The columns of its table row."""
        return {
            "system": self.system,
            "year": self.year,
            "indicator": self.indicator,
            "generation": self.generation,
            "based_on": self.based_on,
            "targets": "\x1f".join(self.targets),
            "sources": json.dumps(self.sources, separators=(",", ":")),
            "n_targets": len(self.targets),
            "cells": np.ascontiguousarray(self.cells).tobytes(),
        }


class CubeModel(Protocol):
    """What computes cube slabs from current-value slabs (``chitieu.analyze.cube``)."""

    #: an id of the rules and reference data the slabs are computed with
    generation: str
    #: the systems ``Store.write`` keeps materialised
    systems: tuple[str, ...]

    def compute(self, slabs: Sequence[Slab], system: str) -> list[CubeSlab]:
        """The cube slabs of ``slabs`` in ``system``."""


_SAVE = text(
    "INSERT INTO cube_slab (system, year, indicator, generation, based_on, targets, sources, "
    "n_targets, cells) VALUES (:system, :year, :indicator, :generation, :based_on, :targets, "
    ":sources, :n_targets, :cells) ON CONFLICT (system, year, indicator) DO UPDATE SET "
    "generation = excluded.generation, based_on = excluded.based_on, targets = "
    "excluded.targets, sources = excluded.sources, n_targets = excluded.n_targets, cells = "
    "excluded.cells WHERE excluded.based_on >= cube_slab.based_on"
)


def save_cubes(conn: Connection, cubes: Iterable[CubeSlab]) -> int:
    """Store cube slabs (a newer one is never replaced by an older computation)."""
    rows = [c.row() for c in cubes]
    if rows:
        conn.execute(_SAVE, rows)
    return len(rows)


@dataclass
class CubeRows:
    """What a read of cube slabs found: fresh slices, and the current slabs to compute again."""

    #: (indicator, year, targets, {slot: CELL array over the targets})
    fresh: list[tuple[str, int, list[str], dict[int, np.ndarray]]]
    #: (indicator, year, sources per target) of the fresh slabs, when asked for
    sources: dict[tuple[str, int], list[list[str]]]
    #: current slabs whose cube slab is missing or out of date
    stale: list[Slab]
    #: the stale slabs with pending values laid over them (their cubes are not to be kept)
    overlaid: set[tuple[int, str]] = field(default_factory=set)
    #: as of an instant: slabs whose cube is fresh but which a batch recorded after the
    #: instant changed: (current slab, targets, {slot: CELL array}) (``store/asof.py``)
    touched: list[tuple[Slab, list[str], dict[int, np.ndarray]]] = field(default_factory=list)
    #: as of an instant: ids of the batches recorded after it, sorted
    late: np.ndarray | None = None
    #: as of an instant: (year, indicator) of the slabs that held nothing yet then (their
    #: first vintage was recorded after it: ``store/since.py``); read no further
    unborn: set[tuple[int, str]] = field(default_factory=set)


class _Shared:
    """Slabs of one year share their targets and sources (the same units report every
    indicator): each distinct text is decoded once, and the slices share the lists (which
    their readers do not change)."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}
        self._sources: dict[str, list[list[str]]] = {}

    def names(self, text: str) -> list[str]:
        got = self._names.get(text)
        if got is None:
            got = self._names[text] = text.split("\x1f") if text else []
        return got

    def sources(self, text: str) -> list[list[str]]:
        got = self._sources.get(text)
        if got is None:
            got = self._sources[text] = json.loads(text)
        return got


def read_cubes(
    conn: Connection,
    system: str,
    years: Iterable[int],
    generation: str,
    slots: Sequence[int] | None = None,
    indicators: Sequence[str] | None = None,
    with_sources: bool = False,
    as_of: datetime | None = None,
) -> CubeRows:
    """The cube slices of ``slots`` (all slots if None) of ``years`` in ``system``.

    One statement reads each year's current slabs joined with their cube slabs: a cube slab
    that reflects its current slab's version and this ``generation`` gives its slices; for
    any other the current slab itself comes back (``stale``) to be computed again. With
    ``as_of``, a slab changed by a batch recorded after that instant comes back with its slices
    and its current values (``touched``: to be rolled back, ``store/asof.py``), and one whose
    first vintage was recorded after it only by its key (``unborn``: it held nothing then),
    told apart in the same statement (one snapshot).
    """
    ys = sorted(set(years))
    if not ys or (indicators is not None and not indicators):
        return CubeRows([], {}, [])
    wanted = list(range(N_SLOTS)) if slots is None else list(slots)
    sql, params = _cube_sql(system, ys, generation, wanted, indicators, with_sources, as_of)
    out = CubeRows([], {}, [])
    skip = 8 if with_sources else 7
    shared = _Shared()
    for row in conn.execute(sql, params).all():
        year, ind, version, targets, units, data, is_touched = row[:7]
        if is_touched == 2:
            out.unborn.add((int(year), ind))
            continue
        if targets is None:
            out.stale.append(Slab.decode(ind, year, units, data, version))
            continue
        names = shared.names(targets)
        cells = {s: np.frombuffer(row[skip + i] or b"", dtype=CELL) for i, s in enumerate(wanted)}
        if with_sources:
            out.sources[(ind, int(year))] = shared.sources(row[7])
        if is_touched:
            out.touched.append((Slab.decode(ind, year, units, data, version), names, cells))
            continue
        out.fresh.append((ind, int(year), names, cells))
    return out


def _cube_sql(
    system: str, ys: list[int], generation: str, wanted: list[int],
    indicators: Sequence[str] | None, with_sources: bool, as_of: datetime | None,
) -> tuple[Any, dict[str, Any]]:  # fmt: skip
    """The statement of :func:`read_cubes` and its parameters. Its 7th column tells a row
    apart: 0 fresh (or stale: no targets), 1 touched, 2 unborn (as of an instant)."""
    fresh = "(c.based_on = u.version AND c.generation = :generation)"
    gone, since = "(1 = 0)", ""
    if as_of is not None:  # (a slab with no row in slab_since is never taken as unborn)
        gone = "(ss.first_at IS NOT NULL AND ss.first_at > :as_of)"
        since = "LEFT JOIN slab_since ss ON ss.year = u.year AND ss.indicator = u.indicator "
        fresh = f"({fresh} AND NOT {gone})"
    cols = [
        f"CASE WHEN {fresh} THEN substr(c.cells, {s} * c.n_targets * {CELL.itemsize} + 1, "
        f"c.n_targets * {CELL.itemsize}) END AS s{s}"
        for s in wanted
    ]
    more = f", CASE WHEN {fresh} THEN c.sources END AS src" if with_sources else ""
    years_in = ", ".join(f":y{i}" for i in range(len(ys)))
    params: dict[str, Any] = {f"y{i}": y for i, y in enumerate(ys)}
    params.update(system=system, generation=generation)
    where = f"u.year IN ({years_in})"
    if indicators is not None:
        where += " AND u.indicator IN (" + ", ".join(f":i{i}" for i in range(len(indicators)))
        where += ")"
        params.update({f"i{i}": c for i, c in enumerate(indicators)})
    late, touched, keep = "", "(1 = 0)", fresh
    if as_of is not None:
        params["as_of"] = as_of
        late, touched = f"CROSS JOIN (SELECT {FIRST_LATE} AS f) fl ", "(u.version >= fl.f)"
        keep = f"({fresh} AND NOT {touched})"
    sql = text(
        f"SELECT u.year, u.indicator, u.version, CASE WHEN {fresh} THEN c.targets END, "
        f"CASE WHEN {keep} OR {gone} THEN NULL ELSE u.units END, "
        f"CASE WHEN {keep} OR {gone} THEN NULL ELSE u.data END, "
        f"CASE WHEN {gone} THEN 2 WHEN {touched} THEN 1 ELSE 0 END{more}, {', '.join(cols)} "
        f"FROM current_slab u {late}{since}LEFT JOIN cube_slab c ON c.system = :system "
        f"AND c.year = u.year AND c.indicator = u.indicator WHERE {where}"
    )
    if as_of is not None:
        sql = sql.bindparams(bindparam("as_of", type_=DateTime))
    return sql, params


def clear_cubes(conn: Connection) -> None:
    """Forget every cube slab (they are computed again when read)."""
    conn.execute(text("DELETE FROM cube_slab"))
