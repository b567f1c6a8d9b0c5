"""Current values: the newest vintage of every key, packed one row per indicator × year.

``observation`` keeps every vintage; what the analytics, the checks and the forms need is the
newest one of each (unit, period, kind). ``Store.write`` keeps those in ``current_slab`` in the
same transaction as the vintages: one row per indicator and year holds, for every unit of that
indicator-year, its newest value of every period and kind (a deletion is kept as a tombstone,
so that "newest" stays decidable). A summary of a year then reads a few hundred rows, and an
import of a million values rewrites a few thousand.

A slab row: ``units`` (unit ids joined by U+001F) and ``data``, the entries as packed
little-endian records (:data:`ENTRY`): the unit's index in ``units``, the period id, the kind,
flags (final, made by a method, deleted), the value and the batch that wrote it; sorted by
unit, period and kind. ``version`` is the id of the last batch that changed the slab.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, DateTime, bindparam, text

from chitieu.catalog.vocabulary import Kind, Status
from chitieu.store.rows import Rows

ENTRY = np.dtype(
    [
        ("unit", "<u2"),
        ("period", "S9"),
        ("kind", "u1"),
        ("flags", "u1"),
        ("value", "<f8"),
        ("batch", "<i8"),
    ]
)
#: kind codes of an entry
KINDS: tuple[str, ...] = (Kind.ACTUAL, Kind.ESTIMATE, Kind.PLAN)
KIND_CODE = {str(k): i for i, k in enumerate(KINDS)}
ACTUAL, ESTIMATE, PLAN = 0, 1, 2
#: entry flags
FINAL = 1  # status final (else provisional)
METHOD = 2  # made by a method (an estimate the ministry made), not reported by the unit
DELETED = 4  # a deletion: the key has no value now
SEP = "\x1f"

SlabKey = tuple[int, str]  # (year, indicator)


def year_of(period: str) -> int:
    """The year of a period id (DHIS2 ids start with it: 2023, 2023S1, 202306, 2023YTD09)."""
    return int(period[:4])


@dataclass
class Slab:
    """The current values of one indicator in one year."""

    indicator: str
    year: int
    units: list[str]
    entries: np.ndarray  # ENTRY records sorted by (unit, period, kind)
    version: int = 0  # id of the batch that last changed it (0: not stored yet)
    #: pending values laid over the stored slab (store/pending.py): not what is stored
    overlaid: bool = False

    @property
    def key(self) -> SlabKey:
        """(year, indicator)."""
        return (self.year, self.indicator)

    def live(self) -> np.ndarray:
        """The entries that hold a value (tombstones left out)."""
        e = self.entries
        return e[(e["flags"] & DELETED) == 0]

    def periods(self) -> list[str]:
        """The period ids the slab holds values of."""
        live = self.live()
        return sorted({p.decode() for p in np.unique(live["period"]).tolist()})

    def encode(self) -> tuple[str, str, bytes]:
        """(units column, periods column, data column)."""
        return SEP.join(self.units), SEP.join(self.periods()), self.entries.tobytes()

    @classmethod
    def decode(
        cls, indicator: str, year: int, units: str, data: bytes | memoryview | None, version: int
    ) -> Slab:
        """A slab from its stored columns."""
        entries = np.frombuffer(bytes(data or b""), dtype=ENTRY)
        return cls(indicator, int(year), units.split(SEP) if units else [], entries, int(version))

    @classmethod
    def empty(cls, key: SlabKey) -> Slab:
        """A slab with nothing in it yet."""
        return cls(key[1], key[0], [], np.zeros(0, dtype=ENTRY), 0)

    def values(self) -> dict[tuple[str, str, str], tuple[float, int]]:
        """(unit, period, kind) → (value, flags) of the live entries (for tests and tools)."""
        out = {}
        for e in self.live():
            out[(self.units[e["unit"]], e["period"].decode(), KINDS[e["kind"]])] = (
                float(e["value"]),
                int(e["flags"]),
            )
        return out


def slab_keys(rows: Rows) -> list[SlabKey]:
    """The slabs ``rows`` touch, sorted (the order writers lock them in)."""
    ic, inds = rows.coded("indicator")
    pc, pers = rows.coded("period")
    pairs = np.unique(ic * max(len(pers), 1) + pc).tolist() if len(rows) else []
    keys = {(year_of(pers[x % len(pers)]), inds[x // len(pers)]) for x in pairs}
    return sorted(keys, key=lambda k: (k[0], k[1] or ""))  # a missing code fails at insert


def _period_key(periods: np.ndarray) -> np.ndarray:
    """An integer that orders and identifies period ids of one year (bytes 5–9 of the id)."""
    raw = periods.astype("S9").view(np.uint8).reshape(-1, 9)[:, 4:9]
    padded = np.zeros((len(raw), 8), dtype=np.uint8)
    padded[:, 3:8] = raw
    return padded.view(">u8").ravel()


def _values(values: list[float | None]) -> np.ndarray:
    """The value column as floats, NaN for a deletion."""
    if None not in values:
        return np.array(values, dtype=np.float64)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def entry_flags(rows: Rows) -> np.ndarray:
    """Entry flags on columns: final, made by a method, deleted."""
    scodes, sdistinct = rows.coded("status")
    final = str(Status.FINAL)
    flags = np.array([FINAL if s == final else 0 for s in sdistinct], dtype=np.uint8)[scodes]
    if rows.method.count(None) != len(rows.method):
        flags |= np.array([METHOD if m else 0 for m in rows.method], dtype=np.uint8)
    if None in rows.value:
        flags |= np.array([DELETED if v is None else 0 for v in rows.value], dtype=np.uint8)
    return flags


def merge(old: Mapping[SlabKey, Slab], rows: Rows, batch: int | np.ndarray) -> dict[SlabKey, Slab]:
    """The slabs touched by ``rows`` after writing them as batch ``batch``.

    ``old`` holds the stored slabs of those keys (missing ones are new). For every key the
    newest write wins: a row of this batch over a stored entry, a later row over an earlier
    one; the result is sorted by unit, period and kind. Done on columns for all slabs at once,
    so an import of a million rows costs a few sorts, not a million Python steps. ``batch``
    may also give each row its own batch (a rebuild from the vintages); a slab's version is
    then its newest entry's batch.
    """
    keys = slab_keys(rows)
    if not keys:
        return {}
    slab_index = {k: i for i, k in enumerate(keys)}
    olds = [old.get(k) or Slab.empty(k) for k in keys]
    # one table of units, sorted by id: local unit indices map into it
    all_units = sorted({u for s in olds for u in s.units} | set(rows.coded("unit")[1]))
    unit_code = {u: i for i, u in enumerate(all_units)}
    # the stored entries, already in order within each slab, and their global units
    parts = [s.entries for s in olds if len(s.entries)]
    old_e = np.concatenate(parts) if parts else np.zeros(0, dtype=ENTRY)
    sizes = [len(s.entries) for s in olds]
    old_slab = np.repeat(np.arange(len(olds), dtype=np.int64), sizes)
    offsets = np.cumsum([0] + [len(s.units) for s in olds])
    to_global = np.array([unit_code[u] for s in olds for u in s.units], dtype=np.int64)
    old_unit = to_global[offsets[old_slab] + old_e["unit"].astype(np.int64)]
    # the new entries
    n = len(rows)
    pcodes, pdistinct = rows.coded("period")
    year_per_p = np.array([year_of(p) for p in pdistinct], dtype=np.int64)
    icodes, idistinct = rows.coded("indicator")
    sk = np.array([[slab_index.get((int(y), i), -1) for y in year_per_p] for i in idistinct])
    new_slab = sk[icodes, pcodes]
    new = np.zeros(n, dtype=ENTRY)
    new["period"] = np.array(pdistinct, dtype="S9")[pcodes]
    kcodes, kdistinct = rows.coded("kind")
    new["kind"] = np.array([KIND_CODE[str(k)] for k in kdistinct], dtype=np.uint8)[kcodes]
    new["flags"] = entry_flags(rows)
    new["value"] = _values(rows.value)
    new["batch"] = batch
    ucodes, udistinct = rows.coded("unit")
    new_unit = np.array([unit_code[u] for u in udistinct], dtype=np.int64)[ucodes]
    # one integer key per entry: (slab, unit, period, kind), the period by its rank in the
    # year (the order of the ids' bytes, as the slabs keep them)
    old_pk = _period_key(old_e["period"])
    new_pk = _period_key(np.array(pdistinct, dtype="S9"))
    ranks = np.unique(np.concatenate([old_pk, new_pk]))
    n_units, n_ranks = len(all_units), len(ranks)

    def key(slab: np.ndarray, unit: np.ndarray, pk: np.ndarray, kind: np.ndarray) -> np.ndarray:
        rank = np.searchsorted(ranks, pk).astype(np.int64)
        return ((slab * n_units + unit) * n_ranks + rank) * 4 + kind.astype(np.int64)

    old_key = key(old_slab, old_unit, old_pk, old_e["kind"])
    new_key = key(new_slab, new_unit, new_pk[pcodes], new["kind"])
    # stored keys come sorted; a stable sort keeps a later write after an earlier one. Rows
    # of many batches (a rebuild, pending values laid over a slab) are ordered by batch too,
    # so that an entry already newer than a row is not replaced by it
    all_key = np.concatenate([old_key, new_key])
    if isinstance(batch, int):
        order = np.argsort(all_key, kind="stable")
    else:
        order = np.lexsort((np.concatenate([old_e["batch"], new["batch"]]), all_key))
    sorted_key = all_key[order]
    last = np.r_[sorted_key[1:] != sorted_key[:-1], True]  # the newest of each key
    pick = order[last]
    n_old = len(old_e)
    entries = np.empty(len(pick), dtype=ENTRY)
    from_old = pick < n_old
    entries[from_old] = old_e[pick[from_old]]
    entries[~from_old] = new[pick[~from_old] - n_old]
    slab = np.where(from_old, old_slab[np.minimum(pick, max(n_old - 1, 0))] if n_old else 0,
                    new_slab[np.maximum(pick - n_old, 0)])  # fmt: skip
    unit = np.where(from_old, old_unit[np.minimum(pick, max(n_old - 1, 0))] if n_old else 0,
                    new_unit[np.maximum(pick - n_old, 0)])  # fmt: skip
    bounds = np.searchsorted(slab, np.arange(len(keys) + 1))
    out: dict[SlabKey, Slab] = {}
    for i, k in enumerate(keys):
        lo, hi = bounds[i], bounds[i + 1]
        e = entries[lo:hi]
        local, inverse = np.unique(unit[lo:hi], return_inverse=True)
        e["unit"] = inverse.astype(np.uint16)
        version = batch if isinstance(batch, int) else int(e["batch"].max(initial=0))
        out[k] = Slab(k[1], k[0], [all_units[j] for j in local], e, version)
    return out


def concat(slabs: Iterable[Slab]) -> tuple[list[Slab], np.ndarray, np.ndarray]:
    """Live entries of many slabs as one table: (slabs, entries, slab index of each entry)."""
    chosen = list(slabs)
    lives = [s.live() for s in chosen]
    if not lives:
        return chosen, np.zeros(0, dtype=ENTRY), np.zeros(0, dtype=np.int64)
    index = np.concatenate([np.full(len(e), i, dtype=np.int64) for i, e in enumerate(lives)])
    return chosen, np.concatenate(lives), index


# --- reading and writing slabs -------------------------------------------------------------

_COLS = "year, indicator, units, data, version"
_ALL_COLS = "year, indicator, units, periods, data, version"
#: PostgreSQL: make sure the slabs exist and lock them, in key order, returning them; the
#: no-op update is what makes ON CONFLICT lock and return the existing row
_PG_LOCK = (
    f"INSERT INTO current_slab ({_ALL_COLS}) VALUES {{values}} "
    "ON CONFLICT (year, indicator) DO UPDATE SET version = current_slab.version "
    "RETURNING {returning}"
)
_SAVE = text(
    f"INSERT INTO current_slab ({_ALL_COLS}) VALUES (:year, :indicator, :units, :periods, "
    ":data, :version) ON CONFLICT (year, indicator) DO UPDATE SET units = excluded.units, "
    "periods = excluded.periods, data = excluded.data, version = excluded.version"
)
_PERIODS = text("SELECT year, indicator, periods FROM current_slab")
#: keys per statement when locking or reading many slabs
_CHUNK = 500


#: slabs and versions of some indicators in some years (statements built once; a web save
#: reads the slabs of its indicator over the years of the outlier history in one round trip)
_READ = text(
    f"SELECT {_COLS} FROM current_slab WHERE year IN :years AND indicator IN :inds"
).bindparams(bindparam("years", expanding=True), bindparam("inds", expanding=True))
_VERSIONS = text(
    "SELECT year, indicator, version FROM current_slab WHERE year IN :years AND indicator IN :inds"
).bindparams(bindparam("years", expanding=True), bindparam("inds", expanding=True))


def _chunks(keys: Iterable[SlabKey]) -> Iterable[dict[str, object]]:
    """Parameters of :data:`_READ` / :data:`_VERSIONS`: the keys' years and up to
    :data:`_CHUNK` of their indicators (rows beyond the keys are dropped by the caller)."""
    ks = set(keys)
    years = sorted({y for y, _ in ks})
    inds = sorted({i for _, i in ks if i is not None})
    for start in range(0, len(inds), _CHUNK):
        yield {"years": years, "inds": inds[start : start + _CHUNK]}


def read_slabs(conn: Connection, keys: Iterable[SlabKey]) -> dict[SlabKey, Slab]:
    """The stored slabs of ``keys`` (missing ones are left out)."""
    wanted = set(keys)
    out: dict[SlabKey, Slab] = {}
    for params in _chunks(wanted):
        for y, ind, units, data, version in conn.execute(_READ, params):
            if (int(y), ind) in wanted:
                out[(int(y), ind)] = Slab.decode(ind, y, units, data, version)
    return out


def stored_periods(conn: Connection, skip: Iterable[SlabKey] = ()) -> set[str]:
    """Every period id some stored current value is of (not looking at the slabs ``skip``)."""
    out: set[str] = set()
    left_out = set(skip)
    for year, ind, periods in conn.execute(_PERIODS):
        if (int(year), ind) not in left_out:
            out.update(p for p in periods.split(SEP) if p)
    return out


def read_years(
    conn: Connection, years: Iterable[int], indicators: Iterable[str] | None = None
) -> list[Slab]:
    """Every stored slab of ``years`` (of some indicators only, if given)."""
    ys = sorted(set(years))
    if not ys:
        return []
    if indicators is not None:
        return list(read_slabs(conn, [(y, i) for y in ys for i in set(indicators)]).values())
    names = ", ".join(f":y{i}" for i in range(len(ys)))
    q = text(f"SELECT {_COLS} FROM current_slab WHERE year IN ({names})")
    rows = conn.execute(q, {f"y{i}": y for i, y in enumerate(ys)})
    return [Slab.decode(ind, y, units, data, version) for y, ind, units, data, version in rows]


def _versions(conn: Connection, keys: list[SlabKey]) -> dict[SlabKey, int]:
    """The stored version of each of ``keys`` that exists."""
    wanted = set(keys)
    out: dict[SlabKey, int] = {}
    for params in _chunks(wanted):
        for y, ind, v in conn.execute(_VERSIONS, params):
            if (int(y), ind) in wanted:
                out[(int(y), ind)] = int(v)
    return out


def lock_slabs(
    conn: Connection, keys: list[SlabKey], known: Mapping[SlabKey, Slab] | None = None
) -> dict[SlabKey, Slab]:
    """The slabs of ``keys`` for a write: on PostgreSQL created if missing and row-locked in
    key order (writers of the same indicator-year wait for each other's read-modify-write), on
    SQLite read (the writers' lock already orders writers). Slabs of ``known`` (read before
    the locks, e.g. by the checks) still at their version are not read again."""
    known = {k: v for k, v in (known or {}).items() if not v.overlaid}
    if conn.dialect.name != "postgresql":
        if not known:
            return read_slabs(conn, keys)
        versions = _versions(conn, keys)
    else:
        versions = {}
        cols = "year, indicator, version" if known else _COLS
        out: dict[SlabKey, Slab] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]  # sorted by slab_keys()
            values = ", ".join(f"(:y{i}, :i{i}, '', '', ''::bytea, 0)" for i in range(len(chunk)))
            params: dict[str, object] = {}
            for i, (y, ind) in enumerate(chunk):
                params[f"y{i}"], params[f"i{i}"] = y, ind
            q = text(_PG_LOCK.format(values=values, returning=cols))
            for row in conn.execute(q, params):
                if known:
                    versions[(int(row[0]), row[1])] = int(row[2])
                else:
                    y, ind, units, data, version = row
                    out[(int(y), ind)] = Slab.decode(ind, y, units, data, version)
        if not known:
            return out
    got = {k: known[k] for k, v in versions.items() if k in known and known[k].version == v}
    stale = [k for k, v in versions.items() if k not in got and v != 0]
    got.update(read_slabs(conn, stale))
    return got


def save_slabs(conn: Connection, slabs: Iterable[Slab]) -> None:
    """Store slabs (insert or replace)."""
    rows = []
    for s in slabs:
        units, periods, data = s.encode()
        rows.append({"year": s.year, "indicator": s.indicator, "units": units,
                     "periods": periods, "data": data, "version": s.version})  # fmt: skip
    if rows:
        conn.execute(_SAVE, rows)


_YEARS = text("SELECT DISTINCT substr(period, 1, 4) FROM observation")
#: the newest vintage of every key of one year (all period ids of 2023 start with "2023")
_YEAR_ROWS = text(
    "SELECT indicator, unit, period, kind, value, status, method, batch_id FROM observation o "
    "WHERE period >= :lo AND period < :hi AND id = (SELECT max(id) FROM observation p "
    "WHERE p.period = o.period AND p.indicator = o.indicator AND p.unit = o.unit "
    "AND p.kind = o.kind)"
)


def rebuild_slabs(
    conn: Connection, progress: Callable[[int, int], None] | None = None, *, pending: bool = True
) -> int:
    """Build every current-value slab again from the vintages; returns the slabs written.

    For a database written before the slabs existed (the migration that adds them), and for
    a repair. Year by year, so memory holds one year of values at a time. Every pending value
    (``store/pending.py``; ``pending``: the table exists) is folded in by the rebuild.
    """
    conn.execute(text("DELETE FROM current_slab"))
    if pending:
        conn.execute(text("DELETE FROM pending_value"))
    years = sorted(int(y) for (y,) in conn.execute(_YEARS) if str(y).isdigit())
    written = 0
    for i, year in enumerate(years):
        got = conn.execute(_YEAR_ROWS, {"lo": str(year), "hi": str(year + 1)}).all()
        if got:
            ind, unit, per, kind, value, status, method, batch = (
                list(c) for c in zip(*got, strict=True)
            )
            rows = Rows(ind, unit, per, kind, value, status, [None] * len(ind), method,
                        [None] * len(ind))  # fmt: skip
            slabs = merge({}, rows, np.array(batch, dtype=np.int64))
            save_slabs(conn, slabs.values())
            written += len(slabs)
        if progress:
            progress(i + 1, len(years))
    return written


def read_as_of(
    conn: Connection,
    years: Iterable[int],
    as_of: datetime,
    indicators: Iterable[str] | None,
    periods: Iterable[str] | None = None,
) -> list[Slab]:
    """The slabs of ``years`` as they stood at ``as_of``, built from the vintages (slower);
    only the vintages of ``periods`` if given."""
    inds = sorted(set(indicators)) if indicators is not None else None
    out: list[Slab] = []
    for year in sorted(set(years)):
        where = "period >= :lo AND period < :hi AND created_at <= :as_of"
        params: dict[str, object] = {"lo": str(year), "hi": str(year + 1), "as_of": as_of}
        if periods is not None:
            few = sorted(q for q in set(periods) if q.startswith(str(year)))
            if not few:
                continue
            where += " AND period IN (" + ", ".join(f":q{i}" for i in range(len(few))) + ")"
            params.update({f"q{i}": q for i, q in enumerate(few)})
        if inds is not None:
            if not inds:
                continue
            where += " AND indicator IN (" + ", ".join(f":i{i}" for i in range(len(inds))) + ")"
            params.update({f"i{i}": c for i, c in enumerate(inds)})
        q = text(
            "SELECT indicator, unit, period, kind, value, status, method, batch_id "
            f"FROM observation WHERE {where} ORDER BY period, indicator, unit, kind, id"
        ).bindparams(bindparam("as_of", type_=DateTime))  # stored as SQLAlchemy writes it
        got = conn.execute(q, params).all()
        if not got:
            continue
        cols = [list(c) for c in zip(*got, strict=True)]
        ind, unit, per, kind, value, status, method, batch = cols
        rows = Rows(ind, unit, per, kind, value, status, [None] * len(ind), method,
                    [None] * len(ind))  # fmt: skip
        out += merge({}, rows, np.array(batch, dtype=np.int64)).values()
    return out
