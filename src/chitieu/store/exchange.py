"""Reads for exchange with other systems and for analysts: observations as Arrow tables.

Two reads, both streamed (a table per year, or per chunk of vintages), both with the same
columns (:data:`SCHEMA`), so that every writer of ``interop/`` (Parquet, CSV, Excel, DHIS2,
ADX, SDMX) takes the same input:

- :func:`current_tables`: the current value of every key (or as it stood at a time), read
  from the current-value slabs (``store/current.py``) year by year, on columns (NumPy →
  Arrow, no Python object per value); who wrote each value and when come from its batch,
  and the few values that carry a comment or an estimate's method get them from their
  vintage (an index of those rows only, migration 0014);
- :func:`vintage_tables`: every vintage, oldest first, read with a server-side cursor in
  chunks.

A deletion is a vintage without a value: the current read leaves deleted keys out, the read
of every vintage keeps them (``value`` null).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, DateTime, bindparam, select, text

from chitieu.store.current import DELETED, FINAL, KINDS, Slab
from chitieu.store.schema import batch, observation

#: the columns of every exported observation, in order
SCHEMA = pa.schema(
    [
        ("indicator", pa.string()),
        ("unit", pa.string()),
        ("period", pa.string()),
        ("kind", pa.string()),
        ("value", pa.float64()),
        ("status", pa.string()),
        ("method", pa.string()),
        ("comment", pa.string()),
        ("batch", pa.int64()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("created_by", pa.string()),
        ("source", pa.string()),
    ]
)
#: vintages read per chunk of :func:`vintage_tables`
CHUNK = 200_000


@dataclass(frozen=True)
class Selection:
    """Which observations: period ids, indicators, units, kinds (None: all of them)."""

    periods: Sequence[str] | None = None
    indicators: Sequence[str] | None = None
    units: Sequence[str] | None = None
    kinds: Sequence[str] | None = None

    def years(self, stored: Iterable[str]) -> list[int]:
        """The years to read: those of the periods asked for, else of every ``stored`` one."""
        if self.periods is not None:
            return sorted({int(p[:4]) for p in self.periods})
        return sorted({int(p[:4]) for p in stored if p[:4].isdigit()})


@dataclass(frozen=True)
class Batches:
    """Every batch's time, author and source, by id (sorted)."""

    ids: np.ndarray
    created_at: pa.Array
    created_by: pa.Array
    source: pa.Array

    def take(self, ids: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array]:
        """(created_at, created_by, source) of the batches ``ids``."""
        pos = pa.array(np.searchsorted(self.ids, ids), type=pa.int64())
        return self.created_at.take(pos), self.created_by.take(pos), self.source.take(pos)


_BATCHES = select(
    batch.c.id, batch.c.created_at, batch.c.created_by, batch.c.filename, batch.c.source
).order_by(batch.c.id)


def _utc(values: Iterable[datetime]) -> pa.Array:
    """Naive UTC times (as the store keeps them) as a UTC timestamp column."""
    return pa.array([v.replace(tzinfo=UTC) for v in values], type=pa.timestamp("us", tz="UTC"))


def read_batches(conn: Connection) -> Batches:
    """The batch table on columns (a few thousand rows, or a few hundred thousand saves)."""
    rows = conn.execute(_BATCHES).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return Batches(
        ids,
        _utc(r[1] for r in rows),
        pa.array([r[2] for r in rows], type=pa.string()).dictionary_encode(),
        pa.array([r[3] or r[4] for r in rows], type=pa.string()).dictionary_encode(),
    )


#: the values that carry a comment or an estimate's method (partial index, migration 0014)
_ANNOTATED = (
    "SELECT indicator, unit, period, kind, batch_id, comment, method FROM observation "
    "WHERE (comment IS NOT NULL OR method IS NOT NULL) AND period >= :lo AND period < :hi"
)


def _annotations(
    conn: Connection, year: int, as_of: datetime | None
) -> dict[tuple[str, str, str, str, int], tuple[str | None, str | None]]:
    """(indicator, unit, period, kind, batch) → (comment, method) of one year's values."""
    sql, params = _ANNOTATED, {"lo": str(year), "hi": str(year + 1)}
    q = text(sql)
    if as_of is not None:
        q = text(sql + " AND created_at <= :as_of").bindparams(bindparam("as_of", type_=DateTime))
        params["as_of"] = as_of  # type: ignore[assignment]
    return {(r[0], r[1], r[2], r[3], int(r[4])): (r[5], r[6]) for r in conn.execute(q, params)}


def slab_table(slabs: Sequence[Slab], sel: Selection, batches: Batches) -> pa.Table:
    """The live entries of ``slabs`` (filtered by ``sel``) as a table of :data:`SCHEMA`
    (text columns dictionary-encoded) without comments and methods (see :func:`annotate`).
    On columns: no Python object per value."""
    chosen = [s for s in slabs if sel.indicators is None or s.indicator in sel.indicators]
    lens = np.array([len(s.entries) for s in chosen], dtype=np.int64)
    if not len(chosen) or not lens.sum():
        return _empty()
    entries = np.concatenate([s.entries for s in chosen])
    index = np.repeat(np.arange(len(chosen), dtype=np.int32), lens)
    # units: each slab's own list, mapped to one dictionary of distinct unit ids
    names: dict[str, int] = {}
    local = [names.setdefault(u, len(names)) for s in chosen for u in s.units]
    offsets = np.concatenate([[0], np.cumsum([len(s.units) for s in chosen])[:-1]])
    unit_idx = np.asarray(local, dtype=np.int32)[offsets[index] + entries["unit"]]
    years = np.array([s.year for s in chosen], dtype=np.uint64)[index]
    period_idx, period_names = _periods(years, entries["period"])
    keep = (entries["flags"] & DELETED) == 0
    if sel.units is not None:
        keep &= np.isin(unit_idx, [names[u] for u in sel.units if u in names])
    if sel.periods is not None:
        wanted = [i for i, p in enumerate(period_names) if p in set(sel.periods)]
        keep &= np.isin(period_idx, wanted)
    if sel.kinds is not None:
        keep &= np.isin(entries["kind"], [i for i, k in enumerate(KINDS) if str(k) in sel.kinds])
    if not keep.all():
        entries, index, unit_idx, period_idx = (
            a[keep] for a in (entries, index, unit_idx, period_idx)
        )
    inds: dict[str, int] = {}
    ind_of_slab = np.array([inds.setdefault(s.indicator, len(inds)) for s in chosen], np.int32)
    cols = [
        _dictionary(ind_of_slab[index], list(inds)),
        _dictionary(unit_idx, list(names)),
        _dictionary(period_idx, period_names),
        _dictionary(entries["kind"].astype(np.int32), [str(k) for k in KINDS]),
        pa.array(entries["value"].astype(np.float64), type=pa.float64()),
        _dictionary((entries["flags"] & FINAL).astype(np.int32), ["provisional", "final"]),
    ]
    return _assemble(cols, entries["batch"].astype(np.int64), batches)


def _periods(years: np.ndarray, periods: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(an index per entry, the distinct period ids): the year and the id's last five bytes
    as one integer, dictionary-encoded by Arrow (a hash, not a sort of the byte strings)."""
    raw = periods.astype("S9").view(np.uint8).reshape(-1, 9)[:, 4:9]
    padded = np.zeros((len(raw), 8), dtype=np.uint8)
    padded[:, 3:8] = raw
    key = (years << np.uint64(40)) | padded.view(">u8").ravel().astype(np.uint64)
    enc = pc.dictionary_encode(pa.array(key, type=pa.uint64()))
    out = []
    for k in enc.dictionary.to_pylist():
        tail = (k & ((1 << 40) - 1)).to_bytes(5, "big").rstrip(b"\0").decode()
        out.append(f"{k >> 40}{tail}")
    return enc.indices.to_numpy(zero_copy_only=False).astype(np.int32), out


#: the text columns of :data:`SCHEMA`, dictionary-encoded (what the current read gives)
_DICT = pa.dictionary(pa.int32(), pa.string())
DICT_SCHEMA = pa.schema([pa.field(f.name, _DICT) if f.type == pa.string() else f for f in SCHEMA])


def _empty() -> pa.Table:
    return DICT_SCHEMA.empty_table()


def _dictionary(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    """A dictionary-encoded text column from integer codes into ``names``."""
    dictionary = pa.array(list(names) or [""], type=pa.string())
    idx = pa.array(codes.astype(np.int32, copy=False), type=pa.int32())
    return pa.DictionaryArray.from_arrays(idx, dictionary)


def _assemble(cols: list[pa.Array], batch_ids: np.ndarray, batches: Batches) -> pa.Table:
    n = len(batch_ids)
    created_at, created_by, source = batches.take(batch_ids)
    nulls = pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int32()), pa.array([""]))
    cols += [nulls, nulls, pa.array(batch_ids, type=pa.int64()), created_at, created_by, source]
    return pa.Table.from_arrays(cols, schema=DICT_SCHEMA)


def annotate(
    table: pa.Table, notes: dict[tuple[str, str, str, str, int], tuple[str | None, str | None]]
) -> pa.Table:
    """``table`` with the comment and method of each value whose vintage carries them."""
    if not notes or not table.num_rows:
        return table
    keys = {(k[0], k[1], k[2], k[3]): (k[4], v) for k, v in notes.items()}
    names = ("indicator", "unit", "period", "kind", "batch")
    cols = [table.column(c).to_pylist() for c in names]
    comment: list[str | None] = [None] * table.num_rows
    method: list[str | None] = [None] * table.num_rows
    for i, (ind, unit, per, kind, b) in enumerate(zip(*cols, strict=True)):
        got = keys.get((ind, unit, per, kind))
        if got is not None and got[0] == b:  # the note of the current vintage, not an older
            comment[i], method[i] = got[1]
    table = table.set_column(6, table.schema.field(6), _encoded(method))
    return table.set_column(7, table.schema.field(7), _encoded(comment))


def _encoded(values: list[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string()).dictionary_encode()


def current_tables(
    conn: Connection,
    sel: Selection,
    slabs_of_year: Any,
    as_of: datetime | None = None,
    stored: Iterable[str] = (),
) -> Iterator[pa.Table]:
    """The current observations of ``sel`` (as they stood at ``as_of`` if given), one table
    per year; ``slabs_of_year(year)`` gives a year's slabs (the store lays pending values
    over them, or builds them as of a time)."""
    batches = read_batches(conn)
    for year in sel.years(stored):
        table = slab_table(slabs_of_year(year), sel, batches)
        if table.num_rows:
            yield annotate(table, _annotations(conn, year, as_of))


def _vintage_query(sel: Selection, as_of: datetime | None, chunk: int) -> Any:
    """A page of vintages after a given id (keyset pagination: an index range on the primary
    key per page, no server-side cursor, which PostgreSQL allows only in a transaction)."""
    c = observation.c
    q = select(
        c.id,
        c.indicator,
        c.unit,
        c.period,
        c.kind,
        c.value,
        c.status,
        c.method,
        c.comment,
        c.batch_id,
        c.created_at,
        c.created_by,
        c.source,
    )
    for col, wanted in (
        (c.period, sel.periods),
        (c.indicator, sel.indicators),
        (c.unit, sel.units),
        (c.kind, sel.kinds),
    ):
        if wanted is not None:
            q = q.where(col.in_(sorted(set(wanted))))
    if as_of is not None:
        q = q.where(c.created_at <= as_of)
    return q.where(c.id > bindparam("after")).order_by(c.id).limit(chunk)


def vintage_tables(
    conn: Connection, sel: Selection, as_of: datetime | None = None, chunk: int = CHUNK
) -> Iterator[pa.Table]:
    """Every vintage of ``sel`` (created by ``as_of`` if given), oldest first, in pages."""
    q, after = _vintage_query(sel, as_of, chunk), 0
    while True:
        part = conn.execute(q, {"after": after}).all()
        if not part:
            return
        after = int(part[-1][0])
        cols = list(zip(*part, strict=True))[1:]
        arrays = [
            pa.array(col, type=f.type)
            for col, f in zip(cols, SCHEMA, strict=True)
            if f.name != "created_at"
        ]
        arrays.insert(9, _utc(cols[9]))
        yield pa.Table.from_arrays(arrays, schema=SCHEMA)
        if len(part) < chunk:
            return


def observations(
    store: Any, sel: Selection, *, vintages: str = "current", as_of: datetime | None = None
) -> Iterator[pa.Table]:
    """The observations of ``sel`` on ``store`` as tables of :data:`SCHEMA`: the current
    values (``vintages="current"``; as they stood at ``as_of`` if given) or every vintage
    (``"all"``). The reads share one connection (``Store.reading``)."""
    with store.reading(), store.read_conn() as conn:
        if vintages == "all":
            yield from vintage_tables(conn, sel, as_of)
            return

        def slabs(year: int) -> list[Slab]:
            if as_of is not None:
                return list(store.slabs_as_of([year], as_of, sel.indicators))
            return list(store.slabs_of_years([year], sel.indicators))

        stored = store.periods() if sel.periods is None else ()
        yield from current_tables(conn, sel, slabs, as_of, stored)
