"""Figures as they stood at an instant: the current values, rolled back by the few vintages since.

A key's vintage "as of" an instant T is its newest vintage (highest batch) among those recorded
at or before T. The current-value slabs (``store/current.py``) already hold every key's newest
vintage and the batch that wrote it, and every vintage of a batch carries the batch's time. So
a key's vintage as of T is its current one unless that one's batch was recorded after T (a
*late* batch); only those keys are looked up again in the vintages (their newest at or before T,
or none: the key did not exist yet), and the slab entry is replaced in place. A slab that no
late batch changed (its version, the last batch that changed it, is older than the first late
batch) stands as it is, and so does its cube slab (``read_cubes(as_of=...)`` tells them apart in
the statement that reads them).

Late batches are found by their recorded time, not their order, so a batch written later with an
earlier time (``Store.write(at=...)``: a backfill) is handled exactly. A slab whose first
vintage was recorded after the instant (``store/since.py``) held nothing then: the cube read
tells it apart and it is neither read nor rolled back. When most of a year's entries are
otherwise late, the year's vintages are read in one range instead of key by key
(:func:`chitieu.store.current.read_as_of`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, DateTime, bindparam, select, text

from chitieu.catalog.vocabulary import Status
from chitieu.store.current import DELETED, FINAL, KINDS, METHOD, Slab, read_as_of
from chitieu.store.schema import batch, observation

#: keys per statement when looking up late keys on a database other than these two
_KEYS_PER_STATEMENT = 2_000
#: a year with more late keys than this, and more than :data:`_RANGE_SHARE` of the entries
#: asked for, is read back in one range of its vintages (an instant before its data came)
_RANGE_FROM = 20_000
_RANGE_SHARE = 0.25

_LATE = (
    select(batch.c.id)
    .where(batch.c.created_at > bindparam("as_of", type_=DateTime))
    .order_by(batch.c.id)
)
#: the first late batch, for the cube read's SQL (a slab changed by none is as it stood)
FIRST_LATE = (
    "coalesce((SELECT min(b.id) FROM batch b WHERE b.created_at > :as_of), 9223372036854775807)"
)
_OUT = "o.period, o.indicator, o.unit, o.kind, o.value, o.status, o.method, o.batch_id"
_ON = (
    "o.period = k.period AND o.indicator = k.indicator AND o.unit = k.unit AND o.kind = k.kind "
    "AND o.created_at <= {at} ORDER BY o.id"
)
#: the keys as one parameter each way: a JSON array (SQLite) or four arrays (PostgreSQL)
_SQLITE = (
    "WITH k AS (SELECT json_extract(value, '$[0]') AS period, json_extract(value, '$[1]') AS "
    "indicator, json_extract(value, '$[2]') AS unit, json_extract(value, '$[3]') AS kind "
    "FROM json_each(?)) "
    f"SELECT {_OUT} FROM k CROSS JOIN observation o WHERE " + _ON.format(at="?")
)
_PG = (
    "SELECT " + _OUT + " FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) "
    "AS k(period, indicator, unit, kind) JOIN observation o ON " + _ON.format(at="%s")
)

Key = tuple[str, str, str, str]  # (period, indicator, unit, kind)
#: a vintage found for a late key: (value, status, method, batch)
Found = tuple[float | None, str, str | None, int]


def late_batches(conn: Connection, as_of: datetime) -> np.ndarray:
    """Ids of the batches recorded after ``as_of``, sorted (read after the slabs: a batch
    committed meanwhile is then in this list, and harmless)."""
    return np.fromiter((r[0] for r in conn.execute(_LATE, {"as_of": as_of})), dtype=np.int64)


def late_mask(slab: Slab, late: np.ndarray) -> np.ndarray:
    """Which entries of ``slab`` a batch of ``late`` (sorted ids) wrote."""
    b = slab.entries["batch"]
    if not len(late) or not len(b):
        return np.zeros(len(b), dtype=bool)
    pos = np.minimum(np.searchsorted(late, b), len(late) - 1)
    return late[pos] == b


def roll_back(
    conn: Connection, slabs: Sequence[Slab], late: np.ndarray, as_of: datetime
) -> list[Slab]:
    """``slabs`` (current, pending values laid over, or parts of them) as they stood at
    ``as_of``, given the sorted ids of the ``late`` batches."""
    masks = [late_mask(s, late) for s in slabs]
    out: list[Slab | None] = [s if not m.any() else None for s, m in zip(slabs, masks, strict=True)]
    by_year: dict[int, list[int]] = {}
    for i, s in enumerate(slabs):
        if out[i] is None:
            by_year.setdefault(s.year, []).append(i)
    keyed: list[int] = []
    for year, idx in by_year.items():
        late_n = sum(int(masks[i].sum()) for i in idx)
        asked = sum(len(slabs[i].entries) for i in idx)
        if late_n <= _RANGE_FROM or late_n <= _RANGE_SHARE * asked:
            keyed += idx
            continue
        inds = {slabs[i].indicator for i in idx}
        asked_ids = np.unique(np.concatenate([slabs[i].entries["period"] for i in idx]))
        periods = [q.decode() for q in asked_ids.tolist()]
        got = {x.key: x for x in read_as_of(conn, [year], as_of, inds, periods)}
        for i in idx:
            s = slabs[i]
            whole = got.get(s.key)
            out[i] = (
                _keep_units(whole, s) if whole else Slab(s.indicator, s.year, [], s.entries[:0], 0)
            )
    if keyed:
        keys = [k for i in keyed for k in _keys(slabs[i], masks[i])]
        found = vintages_of(conn, keys, as_of)
        for i in keyed:
            out[i] = _replace(slabs[i], masks[i], found)
    return [s for s in out if s is not None]


def _keep_units(whole: Slab, part: Slab) -> Slab:
    """The entries of ``whole`` (a year's range read back) of the units and periods ``part``
    holds: a slab's keys as of an instant are among its current keys, so these are exactly
    the keys of ``part`` (a slab, or a part of one) as they stood."""
    e = part.entries
    units = {part.units[u] for u in np.unique(e["unit"]).tolist()}
    wanted = np.array([u in units for u in whole.units] or [False], dtype=bool)
    mine = whole.entries[wanted[whole.entries["unit"]]] if len(whole.entries) else whole.entries
    mine = mine[np.isin(mine["period"], np.unique(e["period"]))]
    return Slab(whole.indicator, whole.year, whole.units, mine, whole.version)


def _keys(slab: Slab, mask: np.ndarray) -> list[Key]:
    e = slab.entries[mask]
    return [
        (p.decode(), slab.indicator, slab.units[u], KINDS[k])
        for u, p, k in zip(
            e["unit"].tolist(), e["period"].tolist(), e["kind"].tolist(), strict=True
        )
    ]


def _replace(slab: Slab, mask: np.ndarray, found: dict[tuple[str, ...], Found]) -> Slab:
    """``slab`` with each late entry replaced by its key's vintage as of the instant (in place:
    same key, same order), or left out where the key had none yet."""
    e = slab.entries.copy()
    where = np.flatnonzero(mask)
    hits = [found.get(k) for k in _keys(slab, mask)]
    have = np.array([h is not None for h in hits], dtype=bool)
    keep = np.ones(len(e), dtype=bool)
    keep[where[~have]] = False
    got = [h for h in hits if h is not None]
    if got:
        at = where[have]
        final = str(Status.FINAL)
        value = np.array([np.nan if h[0] is None else h[0] for h in got], dtype=np.float64)
        flags = np.array(
            [(FINAL if h[1] == final else 0) | (METHOD if h[2] else 0)
             | (DELETED if h[0] is None else 0) for h in got],
            dtype=np.uint8,
        )  # fmt: skip
        e["value"][at] = value
        e["flags"][at] = flags
        e["batch"][at] = np.array([h[3] for h in got], dtype=np.int64)
    return Slab(slab.indicator, slab.year, slab.units, e[keep], slab.version)


def vintages_of(
    conn: Connection, keys: Sequence[Key], as_of: datetime
) -> dict[tuple[str, ...], Found]:
    """The newest vintage recorded at or before ``as_of`` of each (period, indicator, unit,
    kind) of ``keys`` that has one (found through the key index, in one statement)."""
    out: dict[tuple[str, ...], Found] = {}
    if not keys:
        return out
    at = observation.c.created_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    when = at(as_of) if at else as_of
    name = conn.dialect.name
    if name == "sqlite":
        got = conn.exec_driver_sql(_SQLITE, (json.dumps(keys), when)).all()
    elif name == "postgresql":
        cols = [list(c) for c in zip(*keys, strict=True)]
        got = conn.exec_driver_sql(_PG, (*cols, when)).all()
    else:  # another database: the keys as bound rows of a VALUES list
        got = []
        for start in range(0, len(keys), _KEYS_PER_STATEMENT):
            chunk = keys[start : start + _KEYS_PER_STATEMENT]
            params: dict[str, object] = {"as_of": as_of}
            rows = []
            for i, k in enumerate(chunk):
                rows.append(f"(:p{i}, :i{i}, :u{i}, :k{i})")
                params.update({f"p{i}": k[0], f"i{i}": k[1], f"u{i}": k[2], f"k{i}": k[3]})
            q = text(
                f"WITH k(period, indicator, unit, kind) AS (VALUES {', '.join(rows)}) "
                f"SELECT {_OUT} FROM k JOIN observation o ON " + _ON.format(at=":as_of")
            ).bindparams(bindparam("as_of", type_=DateTime))
            got += conn.execute(q, params).all()
    for period, ind, unit, kind, value, status, method, batch_id in got:
        k = (period, ind, unit, kind)
        have = out.get(k)
        if have is None or int(batch_id) >= have[3]:  # rows come by id: the newest last
            out[k] = (value, status, method, int(batch_id))
    return out
