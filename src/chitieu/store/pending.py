"""Values written but not yet folded into the current-value slabs: the writes of forms.

The current-value slab of an indicator-year holds every unit's values (``store/current.py``),
so if every web save rewrote it (and its cube slab), the saves of all 34 provinces' forms of
one indicator and year would queue for that one row and redo its arithmetic under the write
locks. Instead, a small write (fewer than :data:`FOLD_FROM` rows) stores its vintages and, in
the same transaction, the same values in ``pending_value`` (one row per key: a value saved
again replaces its pending one; on PostgreSQL in the same statement as the vintages) and
leaves the slabs alone. Whoever reads slabs or cubes reads the pending values first and lays
them over the slabs it reads (:func:`overlay`): the figures are exact at every moment. A
bigger write, or a small one that finds :data:`PENDING_MAX` values or more pending, folds them
all into their slabs and cubes in its own transaction and clears them (:func:`clear`).

Order matters for the overlay on PostgreSQL, where a fold may commit between two reads: the
pending values are read before the slabs, and a value is laid over a slab only where it is
newer (its batch is higher) than the slab's entry, so a value folded meanwhile is not laid
over a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from sqlalchemy import Connection, bindparam, text

from chitieu.store.analytics import CubeRows
from chitieu.store.current import Slab, SlabKey, merge, read_slabs, slab_keys, year_of
from chitieu.store.rows import Rows

#: writes of at least this many rows fold the pending values and their own into the slabs
FOLD_FROM = 1_000
#: a small write that finds this many values pending folds them (it pays for the fold once
#: in every few hundred saves; readers never overlay more than this)
PENDING_MAX = 256
#: small writes of a process between two looks at the pending count
LOOK_EVERY = 8

_COLS = "batch_id, indicator, unit, period, kind, value, status, method"
#: one row per key (a form saved ten times leaves one pending value per field); a newer
#: batch replaces an older one
UPSERT = (
    "ON CONFLICT (indicator, unit, period, kind) DO UPDATE SET batch_id = excluded.batch_id, "
    "value = excluded.value, status = excluded.status, method = excluded.method "
    "WHERE excluded.batch_id > pending_value.batch_id"
)
_INSERT = text(
    f"INSERT INTO pending_value ({_COLS}) VALUES (:batch_id, :indicator, :unit, :period, "
    f":kind, :value, :status, :method) {UPSERT}"
)
#: PostgreSQL: a small write's vintages and their pending values in one round trip (the
#: vintages as a multi-row VALUES; the newest of each key kept), giving the newest id
PG_WITH_VINTAGES = (
    "WITH new AS (INSERT INTO observation ({cols}) VALUES {values} RETURNING id, " + _COLS + "), "
    f"kept AS (INSERT INTO pending_value ({_COLS}) SELECT DISTINCT ON (indicator, unit, period, "
    f"kind) {_COLS} FROM new ORDER BY indicator, unit, period, kind, id DESC {UPSERT}) "
    "SELECT max(id) FROM new"
)
_ALL = text(f"SELECT {_COLS} FROM pending_value ORDER BY batch_id")
_OF = text(f"SELECT {_COLS} FROM pending_value WHERE indicator IN :inds ORDER BY batch_id")
_OF = _OF.bindparams(bindparam("inds", expanding=True))
_OF_UNITS = text(
    f"SELECT {_COLS} FROM pending_value WHERE indicator IN :inds AND unit IN :units "
    "ORDER BY batch_id"
).bindparams(bindparam("inds", expanding=True), bindparam("units", expanding=True))
_COUNT = text("SELECT count(*) FROM pending_value")
_CLEAR = text("DELETE FROM pending_value WHERE batch_id IN :batches")
_CLEAR = _CLEAR.bindparams(bindparam("batches", expanding=True))
_CLEAR_ALL = text("DELETE FROM pending_value")


class Pending:
    """Pending values (as :class:`Rows`, oldest first) and the batch of each."""

    def __init__(self, rows: Rows, batches: np.ndarray) -> None:
        self.rows, self.batches = rows, batches

    def __len__(self) -> int:
        return len(self.rows)

    def keys(self) -> set[SlabKey]:
        """The slabs the pending values belong to."""
        return set(slab_keys(self.rows)) if len(self.rows) else set()

    def of(self, keys: Iterable[SlabKey]) -> Pending:
        """The pending values of the slabs ``keys``."""
        wanted = set(keys)
        idx = [i for i, (ind, per) in enumerate(zip(self.rows.indicator, self.rows.period,
                                                      strict=True))
               if (year_of(per), ind) in wanted]  # fmt: skip
        if len(idx) == len(self.rows):
            return self
        return Pending(self.rows.take(idx), self.batches[idx])

    def in_years(self, years: Iterable[int]) -> Pending:
        """The pending values of periods of ``years``."""
        ys = set(years)
        return self.of(k for k in self.keys() if k[0] in ys)

    def batch_ids(self) -> list[int]:
        """The batches of the pending values."""
        return sorted({int(b) for b in self.batches.tolist()})


def add(conn: Connection, rows: Rows, batch_id: int) -> None:
    """Record a small write's values as pending (in its transaction)."""
    cols = (rows.indicator, rows.unit, rows.period, rows.kind, rows.value, rows.status,
            rows.method)  # fmt: skip
    names = ("indicator", "unit", "period", "kind", "value", "status", "method")
    newest = {r[:4]: r for r in zip(*cols, strict=True)}  # a key twice in a batch: the last
    params = [{"batch_id": batch_id, **dict(zip(names, r, strict=True))} for r in newest.values()]
    conn.execute(_INSERT, params)


def read(
    conn: Connection, indicators: Iterable[str] | None = None, units: Iterable[str] | None = None
) -> Pending:
    """The pending values (of ``indicators`` and ``units`` only, if given), oldest first."""
    if indicators is None:
        got = conn.execute(_ALL).all()
        if units is not None:
            keep = set(units)
            got = [r for r in got if r[2] in keep]
    else:
        inds = sorted(set(indicators))
        if not inds:
            got = []
        elif units is None:
            got = conn.execute(_OF, {"inds": inds}).all()
        else:
            got = conn.execute(_OF_UNITS, {"inds": inds, "units": sorted(set(units))}).all()
    if not got:
        return Pending(Rows(), np.zeros(0, dtype=np.int64))
    batch, ind, unit, per, kind, value, status, method = (list(c) for c in zip(*got, strict=True))
    n = len(ind)
    rows = Rows(ind, unit, per, kind, value, status, [None] * n, method, [None] * n)
    return Pending(rows, np.array(batch, dtype=np.int64))


def count(conn: Connection) -> int:
    """How many values are pending."""
    return int(conn.execute(_COUNT).scalar_one())


class Gauge:
    """When a small write should look at how many values are pending: every
    :data:`LOOK_EVERY` small writes of a process (the look is a statement; the pending table
    may then pass :data:`PENDING_MAX` by at most that many writes per process)."""

    def __init__(self) -> None:
        self.since = LOOK_EVERY  # the first small write looks

    def due(self) -> bool:
        """Whether this write looks (and counts the write)."""
        self.since += 1
        if self.since < LOOK_EVERY:
            return False
        self.since = 0
        return True


def clear(conn: Connection, batches: list[int] | None = None) -> None:
    """Forget pending values that were folded (of ``batches``; all if None)."""
    if batches is None:
        conn.execute(_CLEAR_ALL)
        return
    for start in range(0, len(batches), 500):
        conn.execute(_CLEAR, {"batches": batches[start : start + 500]})


def overlay(slabs: Mapping[SlabKey, Slab], pending: Pending) -> dict[SlabKey, Slab]:
    """The slabs with the pending values laid over them (newest batch wins): every slab a
    pending value belongs to, made from an empty one where none is stored. The result's
    slabs are marked ``overlaid`` (what is stored is older: never a base to write from)."""
    if not len(pending):
        return dict(slabs)
    out = dict(slabs)
    merged = merge(slabs, pending.rows, pending.batches)
    for k, slab in merged.items():
        slab.overlaid = True
        out[k] = slab
    return out


def overlay_cubes(conn: Connection, got: CubeRows, pending: Pending) -> CubeRows:
    """A read of cube slices with the pending values taken into account: the slabs they
    belong to come back stale, overlaid, to be computed again (``pending`` was read first)."""
    keys = pending.keys()
    if not keys:
        return got
    stale = {s.key: s for s in got.stale}
    stale.update({t[0].key: t[0] for t in got.touched if t[0].key in keys})  # as of a time
    got.touched = [t for t in got.touched if t[0].key not in keys]
    got.fresh = [f for f in got.fresh if (f[1], f[0]) not in keys]
    for k in keys:
        got.sources.pop((k[1], k[0]), None)
    raw = {k: stale[k] for k in keys if k in stale}
    raw.update(read_slabs(conn, [k for k in keys if k not in stale]))
    laid = overlay(raw, pending)
    got.stale = [s for s in got.stale if s.key not in keys] + [laid[k] for k in sorted(keys)]
    got.overlaid = set(keys)
    return got
