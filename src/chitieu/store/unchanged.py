"""Values that repeat their key's current vintage: a client's retry adds no vintage.

A client that sends the same value again (a retried ``POST /api/v1/values``, the same file
imported twice) would add a vintage each time: the history of the key would show revisions
that revise nothing, and every cache keyed on the data would be thrown away. So
``Store.write`` leaves out every row **identical** to its key's current vintage, as read
inside the write's transaction under its locks (nothing can change it meanwhile), and counts
it as *ignored* (DHIS2's word for the same thing):

* the same key (indicator, unit, period, kind), given once in the write (a key given twice is
  never left out: its last row wins, and the rows before it are not what is stored);
* the same value (equal as numbers; a deletion repeats a deletion), status, comment (no
  comment and an empty one are the same), method and inputs (an estimate made again from the
  same inputs).

A key without a current vintage is never identical to anything (a deletion of a key that
never had a value is written, as before).

Fast path, exact rule: a write that folds the current-value slabs has them in hand, so the
rows are first narrowed on columns against the slabs (value and flags of the key's entry:
a few sorts and searches, no step per row in Python); only the rows that pass are compared
with their vintages in ``observation``, which decide. A small write (a form's save, an API
batch) compares its rows with the vintages directly (one indexed read).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, select, text

from chitieu.store.current import DELETED, KIND_CODE, Slab, SlabKey, entry_flags, year_of
from chitieu.store.rows import Rows
from chitieu.store.schema import observation

#: periods per read of the vintages (bounds the statement's parameters)
_PERIODS = 64
#: keys looked up one by one (an index seek each) up to this many; more are read by slices
_SEEK_UP_TO = 2_000
#: keys per statement of those seeks
_KEYS = 250
#: the newest vintage of each key of a list: the index (period, indicator, unit, kind, id)
#: gives each key's highest id in one seek
_SEEK = (
    "WITH k (period, indicator, unit, kind) AS (VALUES {keys}) "
    "SELECT o.period, o.indicator, o.unit, o.kind, o.value, o.status, o.comment, o.method, "
    "o.inputs FROM observation o WHERE o.id IN (SELECT (SELECT max(p.id) FROM observation p "
    "WHERE p.period = k.period AND p.indicator = k.indicator AND p.unit = k.unit "
    "AND p.kind = k.kind) FROM k)"
)

_c = observation.c
#: every vintage of the keys of a slice, ordered so that the newest of each key comes last
_VINTAGES = (
    select(
        _c.period,
        _c.indicator,
        _c.unit,
        _c.kind,
        _c.value,
        _c.status,
        _c.comment,
        _c.method,
        _c.inputs,
    )
    .where(
        _c.period.in_(bindparam("periods", expanding=True)),
        _c.indicator.in_(bindparam("indicators", expanding=True)),
        _c.unit.in_(bindparam("units", expanding=True)),
        _c.kind.in_(bindparam("kinds", expanding=True)),
    )
    .order_by(_c.period, _c.indicator, _c.unit, _c.kind, _c.id)
)


def unchanged(
    conn: Connection,
    rows: Rows,
    slabs: Mapping[SlabKey, Slab] | None = None,
    *,
    complete: bool = True,
) -> np.ndarray:
    """A mask of the rows identical to their key's current vintage (see the module).

    ``slabs``: current-value slabs: rows whose entry there differs in value or flags are not
    read again. ``complete``: they are the slabs of every row, pending values laid over, read
    under the write's locks (a folding write's), so a row without an entry has no current
    value. Not complete (the slabs the checks read before the write, perhaps of some slabs
    only, without deletions): a row whose slab is not there, and a deletion, are read again.
    Without slabs every row is compared with its vintages."""
    n = len(rows)
    maybe = np.ones(n, dtype=bool) if slabs is None else narrow(slabs, rows, complete)
    if not maybe.any():
        return maybe
    maybe &= ~_repeated(rows, maybe)
    idx = np.flatnonzero(maybe)
    if not len(idx):
        return maybe
    stored = _newest(conn, rows, idx)
    same = np.zeros(n, dtype=bool)
    for i in idx.tolist():
        key = (rows.period[i], rows.indicator[i], rows.unit[i], rows.kind[i])
        got = stored.get(key)
        same[i] = got is not None and got == _fields(rows, i)
    return same


def _fields(rows: Rows, i: int) -> tuple[Any, ...]:
    """What must be equal: value, status, comment (None for none), method, inputs."""
    return (rows.value[i], str(rows.status[i]), rows.comment[i] or None, rows.method[i] or None,
            rows.inputs[i] or None)  # fmt: skip


def _newest(conn: Connection, rows: Rows, idx: np.ndarray) -> dict[tuple[str, ...], tuple]:
    """The newest vintage of the keys of rows ``idx``: (period, indicator, unit, kind) →
    the fields of :func:`_fields`. A few keys: one index seek each (however many vintages
    they have); many (a file imported again): the slices they lie in, read in key order."""
    at = idx.tolist()
    # a row missing a key column has no vintage (the database refuses it when it is written)
    keys = sorted({(rows.period[i], rows.indicator[i], rows.unit[i], rows.kind[i]) for i in at
                   if None not in (rows.period[i], rows.indicator[i], rows.unit[i],
                                   rows.kind[i])})  # fmt: skip
    out: dict[tuple[str, ...], tuple] = {}
    if len(keys) <= _SEEK_UP_TO:
        for start in range(0, len(keys), _KEYS):
            _seek(conn, keys[start : start + _KEYS], out)
        return out
    periods = sorted({k[0] for k in keys})
    params = {
        "indicators": sorted({k[1] for k in keys}),
        "units": sorted({k[2] for k in keys}),
        "kinds": sorted({str(k[3]) for k in keys}),
    }
    for start in range(0, len(periods), _PERIODS):
        got = conn.execute(_VINTAGES, {**params, "periods": periods[start : start + _PERIODS]})
        for per, ind, unit, kind, *fields in got:
            out[(per, ind, unit, kind)] = _stored(*fields)
    return out


def _stored(value: Any, status: Any, comment: Any, method: Any, inputs: Any) -> tuple:
    """The fields of a stored vintage as :func:`_fields` gives a row's."""
    if isinstance(inputs, str):  # the JSON's text (a read that did not decode it)
        with suppress(ValueError):
            inputs = json.loads(inputs)
    return (value, status, comment or None, method or None, inputs or None)


def _seek(
    conn: Connection, keys: Sequence[tuple[str, ...]], out: dict[tuple[str, ...], tuple]
) -> None:
    """The newest vintage of each of ``keys`` (period, indicator, unit, kind), into ``out``."""
    marks = ", ".join(f"(:p{i}, :i{i}, :u{i}, :k{i})" for i in range(len(keys)))
    params: dict[str, Any] = {}
    for i, (per, ind, unit, kind) in enumerate(keys):
        params.update({f"p{i}": per, f"i{i}": ind, f"u{i}": unit, f"k{i}": str(kind)})
    q = text(_SEEK.format(keys=marks))
    for per, ind, unit, kind, *fields in conn.execute(q, params):
        out[(per, ind, unit, kind)] = _stored(*fields)


def _repeated(rows: Rows, among: np.ndarray) -> np.ndarray:
    """A mask of the rows whose key is given more than once, for the keys of rows ``among``
    (on integer-coded columns)."""
    codes = []
    for col in ("indicator", "unit", "period", "kind"):
        c, distinct = rows.coded(col)
        codes.append((c, len(distinct)))
    key = np.zeros(len(rows), dtype=np.int64)
    for c, size in codes:  # a mixed radix: distinct counts stay far below 2^15 each
        key = key * size + c
    wanted = np.unique(key[among])
    hit = np.isin(key, wanted)
    if not hit.any():
        return hit
    sub, counts = np.unique(key[hit], return_counts=True)
    twice = sub[counts > 1]
    return np.isin(key, twice) if len(twice) else np.zeros(len(rows), dtype=bool)


def narrow(slabs: Mapping[SlabKey, Slab], rows: Rows, complete: bool = True) -> np.ndarray:
    """A mask of the rows whose key has an entry in ``slabs`` with the same value (or both
    deleted) and the same flags (final, made by a method, deleted): the only rows that can
    be identical to their current vintage (not ``complete``: also the rows of slabs not
    given, and deletions; see :func:`unchanged`). On columns for all slabs at once: each
    slab's entries are sorted by unit, period and kind, so one integer key per entry comes
    sorted (checked; sorted if not) and the rows' keys are searched in it."""
    n = len(rows)
    olds = [slabs[k] for k in sorted(slabs) if len(slabs[k].entries)]
    if not complete:
        found = narrow(slabs, rows)
        given = _slab_given(rows, {s.key for s in olds})
        return found | ~given | np.array([v is None for v in rows.value], dtype=bool)
    if not n or not olds:
        return np.zeros(n, dtype=bool)
    slab_index = {s.key: i for i, s in enumerate(olds)}
    pcodes, pdistinct = rows.coded("period")
    icodes, idistinct = rows.coded("indicator")
    ucodes, udistinct = rows.coded("unit")
    kcodes, kdistinct = rows.coded("kind")
    years = [year_of(p) for p in pdistinct]
    grid = np.array([[slab_index.get((y, ind), -1) for y in years] for ind in idistinct])
    row_slab = grid[icodes, pcodes].astype(np.int64)
    # units and periods by their sorted rank (the slabs' order within each slab); an entry of
    # a unit or a period no row has cannot match
    units = sorted(udistinct)
    unit_rank = {u: i for i, u in enumerate(units)}
    row_pc = _period_code(np.array(pdistinct, dtype="S9"))
    periods = np.unique(row_pc)
    size = np.int64(len(units)), np.int64(len(periods))

    def code(slab: Any, unit: Any, period: Any, kind: Any) -> Any:
        return ((slab * size[0] + unit) * size[1] + period) * 4 + kind

    found, at = _entry_keys(olds, unit_rank, periods, code)
    if not len(found):
        return np.zeros(n, dtype=bool)
    kinds = np.array([KIND_CODE.get(str(k), 3) for k in kdistinct], dtype=np.int64)[kcodes]
    row_unit = np.array([unit_rank[u] for u in udistinct], dtype=np.int64)[ucodes]
    row_key = code(row_slab, row_unit, np.searchsorted(periods, row_pc)[pcodes], kinds)
    pos = np.minimum(np.searchsorted(found, row_key), len(found) - 1)
    hit = (found[pos] == row_key) & (row_slab >= 0) & (kinds < 3)
    where = at[pos]  # the entry of each row's key (where hit) in the slabs' entries, all in one
    flags = entry_flags(rows)
    if None in rows.value:
        values = np.array([np.nan if v is None else v for v in rows.value], dtype=np.float64)
    else:
        values = np.array(rows.value, dtype=np.float64)
    stored_value = np.concatenate([s.entries["value"] for s in olds])[where]
    stored_flags = np.concatenate([s.entries["flags"] for s in olds])[where]
    same_value = ((flags & DELETED) != 0) | (stored_value == values)
    return hit & same_value & (stored_flags == flags)


def _slab_given(rows: Rows, keys: set[SlabKey]) -> np.ndarray:
    """A mask of the rows whose slab is one of ``keys`` (on the coded columns)."""
    pcodes, pdistinct = rows.coded("period")
    icodes, idistinct = rows.coded("indicator")
    years = [year_of(p) for p in pdistinct]
    grid = np.array([[(y, ind) in keys for y in years] for ind in idistinct], dtype=bool)
    return grid[icodes, pcodes] if len(rows) else np.zeros(0, dtype=bool)


def _entry_keys(
    olds: list[Slab], unit_rank: dict[str, int], periods: np.ndarray, code: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The keys of the slabs' entries of the rows' units and periods, ascending, and the
    position of each in the slabs' entries laid end to end."""
    sizes = [len(s.entries) for s in olds]
    entry_slab = np.repeat(np.arange(len(olds), dtype=np.int64), sizes)
    offsets = np.cumsum([0] + [len(s.units) for s in olds])
    to_rank = np.array([unit_rank.get(u, -1) for s in olds for u in s.units], dtype=np.int64)
    local = np.concatenate([s.entries["unit"] for s in olds]).astype(np.int64)
    unit = to_rank[offsets[entry_slab] + local]
    pc = _period_code(np.concatenate([s.entries["period"] for s in olds]))
    period = np.minimum(np.searchsorted(periods, pc), len(periods) - 1)
    keep = np.flatnonzero((unit >= 0) & (periods[period] == pc))
    kind = np.concatenate([s.entries["kind"] for s in olds])[keep].astype(np.int64)
    keys = code(entry_slab[keep], unit[keep], period[keep], kind)
    if len(keys) > 1 and np.any(keys[1:] < keys[:-1]):  # not the slabs' order: sort (exact)
        order = np.argsort(keys, kind="stable")
        keys, keep = keys[order], keep[order]
    return keys, keep


def _period_code(periods: np.ndarray) -> np.ndarray:
    """An integer per period id of one year that orders them as the slabs do (bytes 5–9 of
    the id: the year is the slab's)."""
    raw = periods.astype("S9").view(np.uint8).reshape(-1, 9)[:, 4:9]
    padded = np.zeros((len(raw), 8), dtype=np.uint8)
    padded[:, 3:8] = raw
    return padded.view(">u8").ravel().astype(np.int64)
