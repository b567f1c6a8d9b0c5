"""Figures as they stood at an instant: the current values, rolled back by the few vintages since.

A key's vintage "as of" an instant T is its newest vintage (highest batch) among those recorded
at or before T. The current-value slabs (``store/current.py``) already hold every key's newest
vintage and the batch that wrote it, and every vintage of a batch carries the batch's time. So
a key's vintage as of T is its current one unless that one's batch was recorded after T (a
*late* batch); only those keys are looked up again in the vintages (their newest at or before T,
or none: the key did not exist yet). A slab that no late batch changed (its version, the last
batch that changed it, is older than the first late batch) stands as it is, and so does its cube
slab: an as-of read of a recent instant costs about what a current read costs, plus the keys
revised since.

Late batches are found by their recorded time, not their order, so a batch written later with an
earlier time (``Store.write(at=...)``: a backfill) is handled exactly. When most of a year's
entries are late (an instant before the year's data arrived), the year's vintages are read in
one range instead of key by key (:func:`chitieu.store.current.read_as_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, DateTime, bindparam, select, text

from chitieu.store.current import KINDS, Slab, merge, read_as_of
from chitieu.store.rows import Rows
from chitieu.store.schema import batch

#: keys per statement when looking up late keys (4 parameters each; SQLite allows 32,766)
_KEYS_PER_STATEMENT = 2_000
#: above this share of a year's entries being late, read the year's vintages in one range
_RANGE_FROM = 0.25

_LATE = (
    select(batch.c.id)
    .where(batch.c.created_at > bindparam("as_of", type_=DateTime))
    .order_by(batch.c.id)
)
#: the first late batch, for the cube read's SQL (a slab changed by none is as it stood)
FIRST_LATE = (
    "coalesce((SELECT min(b.id) FROM batch b WHERE b.created_at > :as_of), 9223372036854775807)"
)


def late_batches(conn: Connection, as_of: datetime) -> np.ndarray:
    """Ids of the batches recorded after ``as_of``, sorted (read after the slabs: a batch
    committed meanwhile is then in this list, and harmless)."""
    return np.fromiter((r[0] for r in conn.execute(_LATE, {"as_of": as_of})), dtype=np.int64)


def _late_mask(slab: Slab, late: np.ndarray) -> np.ndarray:
    b = slab.entries["batch"]
    pos = np.searchsorted(late, b)
    return (pos < len(late)) & (late[np.minimum(pos, len(late) - 1)] == b)


def roll_back(
    conn: Connection, slabs: Sequence[Slab], late: np.ndarray, as_of: datetime
) -> list[Slab]:
    """``slabs`` (current, pending values laid over) as they stood at ``as_of``, given the
    sorted ids of the ``late`` batches."""
    if not len(late):
        return list(slabs)
    out: dict[tuple[int, str], Slab] = {}
    keys: list[tuple[str, str, str, str]] = []
    by_year: dict[int, list[Slab]] = {}
    for s in slabs:
        mask = _late_mask(s, late)
        if not mask.any():
            out[s.key] = s
            continue
        by_year.setdefault(s.year, []).append(s)
    for year, group in by_year.items():
        total = sum(len(s.entries) for s in group)
        masks = [_late_mask(s, late) for s in group]
        if sum(int(m.sum()) for m in masks) > _RANGE_FROM * total:
            got = {x.key: x for x in read_as_of(conn, [year], as_of, {s.indicator for s in group})}
            for s in group:
                out[s.key] = got.get(s.key) or Slab(s.indicator, s.year, [], s.entries[:0], 0)
            continue
        for s, mask in zip(group, masks, strict=True):
            gone = s.entries[mask]
            keys += [
                (s.indicator, s.units[int(e["unit"])], e["period"].decode(), KINDS[int(e["kind"])])
                for e in gone
            ]
            kept = Slab(s.indicator, s.year, list(s.units), s.entries[~mask].copy(), s.version)
            out[s.key] = kept
    if keys:
        rows, batches = vintages_of(conn, keys, as_of)
        if len(rows):
            out.update(merge(out, rows, batches))
    return [out[s.key] for s in slabs]


def vintages_of(
    conn: Connection, keys: Sequence[tuple[str, str, str, str]], as_of: datetime
) -> tuple[Rows, np.ndarray]:
    """Every vintage recorded at or before ``as_of`` of the (indicator, unit, period, kind)
    ``keys``, oldest first, as rows and their batches (found through the key index)."""
    cols: list[list[object]] = [[] for _ in range(8)]
    for start in range(0, len(keys), _KEYS_PER_STATEMENT):
        chunk = keys[start : start + _KEYS_PER_STATEMENT]
        params: dict[str, object] = {"as_of": as_of}
        values = []
        for i, (ind, unit, period, kind) in enumerate(chunk):
            values.append(f"(:p{i}, :i{i}, :u{i}, :k{i})")
            params.update({f"p{i}": period, f"i{i}": ind, f"u{i}": unit, f"k{i}": kind})
        q = text(
            f"WITH k(period, indicator, unit, kind) AS (VALUES {', '.join(values)}) "
            "SELECT o.indicator, o.unit, o.period, o.kind, o.value, o.status, o.method, "
            "o.batch_id FROM k JOIN observation o ON o.period = k.period AND o.indicator = "
            "k.indicator AND o.unit = k.unit AND o.kind = k.kind WHERE o.created_at <= :as_of "
            "ORDER BY o.id"
        ).bindparams(bindparam("as_of", type_=DateTime))
        for row in conn.execute(q, params):
            for c, v in zip(cols, row, strict=True):
                c.append(v)
    ind, unit, per, kind, value, status, method, batches = cols
    n = len(ind)
    rows = Rows(ind, unit, per, kind, value, status, [None] * n, method, [None] * n)  # type: ignore[arg-type]
    return rows, np.array(batches, dtype=np.int64)
