"""Writing and reading value vintages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Row,
    Select,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from chitieu.catalog.vocabulary import Kind
from chitieu.store import asof, pending, since
from chitieu.store.analytics import CubeModel, CubeRows, CubeSlab, read_cubes, save_cubes
from chitieu.store.current import (
    Slab,
    SlabKey,
    lock_slabs,
    merge,
    read_as_of,
    read_slabs,
    read_years,
    save_slabs,
    slab_keys,
    stored_periods,
)
from chitieu.store.db import inserted_id, make_engine, upgrade, utcnow
from chitieu.store.gcpause import collector_paused
from chitieu.store.locks import begin_locked, sqlite_file_lock
from chitieu.store.rows import NewValue, Rows
from chitieu.store.schema import batch, observation
from chitieu.store.unchanged import unchanged
from chitieu.store.version import data_version

#: rows per INSERT round trip when writing a batch
CHUNK = 20_000
#: batches at least this big go to PostgreSQL through COPY (one stream, no per-row statements)
COPY_FROM = 1_000
#: writes at least this big merge their slabs in another thread while the vintages are inserted
ALONGSIDE_FROM = 20_000


@dataclass(frozen=True, slots=True)
class Observation:
    """A stored vintage."""

    id: int
    indicator: str
    unit: str
    period: str
    kind: str
    value: float | None
    status: str
    source: str | None
    batch_id: int
    created_at: datetime
    created_by: str
    comment: str | None = None
    method: str | None = None
    inputs: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(indicator, unit, period, kind)."""
        return (self.indicator, self.unit, self.period, self.kind)


@dataclass(frozen=True)
class BatchInfo:
    """What a write stored."""

    id: int
    rows: int
    created_at: datetime
    #: the id of the batch's last (newest) vintage, where the database tells it cheaply
    last_id: int | None = None
    #: values left out as identical to their key's current vintage (``store/unchanged.py``)
    ignored: int = 0


#: the id the connection's last insert into ``observation`` got: a session's own value, not
#: affected by other writers (rows of a batch are inserted in order, so it is the batch's newest)
_LAST_ID = {"sqlite": "SELECT last_insert_rowid()", "postgresql": "SELECT lastval()"}


_COLS = [c for c in observation.c if c.name != "id"]
#: a batch row (one statement object, executed with parameters: no per-write statement building)
_NEW_BATCH = insert(batch)
#: the read connection pinned by ``Store.reading`` in this context
_PINNED: ContextVar[_Pin | None] = ContextVar("chitieu_read_pin", default=None)


class _Pin:
    """The read connection of a :meth:`Store.reading` block: checked out at its first read,
    given back at the block's end or when a write transaction starts inside it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def get(self) -> Connection:
        if self.conn is None:
            self.conn = self.engine.connect()
        return self.conn

    def release(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            conn.close()


def _bind(name: str, dialect: Dialect) -> Callable[[Any], Any]:
    """The function SQLAlchemy applies to a value of column ``name`` before the driver."""
    proc = observation.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return proc or (lambda v: v)


def _copy(conn: Connection, statement: str, data: list[tuple[Any, ...]]) -> None:
    """Stream rows through psycopg's COPY; driver errors become SQLAlchemy's, as for insert()."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with (
            conn.connection.driver_connection.cursor() as cur,  # type: ignore[union-attr]
            cur.copy(statement) as out,
        ):
            for row in data:
                out.write_row(row)
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error) from None


def _literal(column: list[Any]) -> str | None:
    """An SQLite literal of the value every row of ``column`` has (None: rows differ, or the
    value is one to bind)."""
    first = column[0]
    if column.count(first) != len(column):
        return None
    if first is None:
        return "NULL"
    if isinstance(first, bool):
        return None
    if isinstance(first, int):
        return str(first)
    if isinstance(first, str) and "\x00" not in first:
        return "'" + first.replace("'", "''") + "'"
    return None


def _insert_values(
    conn: Connection,
    rows: Rows,
    src: str,
    batch_id: int,
    at: datetime,
    created_by: str,
    progress: Callable[[str, int, int], None] | None,
    *,
    pending_too: bool = False,
) -> int | None:
    """Insert a batch's values on ``conn``: COPY on PostgreSQL, else executemany of tuples;
    with ``pending_too`` also as pending values (``store/pending.py``). Returns the newest id
    of the batch's rows (None for an empty batch).

    The tuples hold what SQLAlchemy would send (its own bind processors convert the
    timestamp and the JSON), so the stored rows are the same as through ``insert()``.
    """
    if not len(rows):
        return None
    dialect = conn.dialect
    at_db, to_json = _bind("created_at", dialect)(at), _bind("inputs", dialect)
    no_inputs = to_json(None)
    cols = ", ".join(c.name for c in _COLS)
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg" and len(rows) >= COPY_FROM
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    n = len(rows)
    fixed = [src] * n, [batch_id] * n, [at_db] * n, [created_by] * n
    inputs = [no_inputs if x is None else to_json(x) for x in rows.inputs]
    columns: list[list[Any]]
    columns = [rows.indicator, rows.unit, rows.period, rows.kind, rows.value, rows.status,
               *fixed, rows.comment, rows.method, inputs]  # fmt: skip
    # SQLite: a column with one value for the whole batch is written into the statement, not
    # bound row by row (binding is most of what the insert spends under Python's lock)
    literal = [_literal(c) if dialect.name == "sqlite" and n > 1 else None for c in columns]
    params = ", ".join(lit if lit is not None else (marks or "") for lit in literal)
    sql = f"INSERT INTO {observation.name} ({cols}) VALUES ({params})"
    columns = [c for c, lit in zip(columns, literal, strict=True) if lit is None or copy]
    if pending_too and dialect.name == "postgresql" and marks == "%s" and not copy:
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = pending.PG_WITH_VINTAGES.format(cols=cols, values=", ".join([one] * n))
        flat = tuple(v for row in zip(*columns, strict=True) for v in row)
        return int(conn.exec_driver_sql(sql, flat).scalar_one())
    for start in range(0, n, CHUNK):
        data = list(zip(*(c[start : start + CHUNK] for c in columns), strict=True))
        if copy:
            _copy(conn, f"COPY {observation.name} ({cols}) FROM STDIN", data)
        elif marks:
            conn.exec_driver_sql(sql, data)
        else:  # another driver: let SQLAlchemy bind the parameters
            names = [c.name for c in _COLS]
            conn.execute(insert(observation), [dict(zip(names, v, strict=True)) for v in data])
        if progress:
            progress("write", len(data), n)
    last = _LAST_ID.get(dialect.name)
    last_id = int(conn.exec_driver_sql(last).scalar_one()) if last else None  # before pending's own
    if pending_too:
        pending.add(conn, rows, batch_id)
    return last_id


def _changed(
    conn: Connection,
    rows: Rows,
    old: Mapping[SlabKey, Slab],
    waiting: pending.Pending | None,
    prefetched: Mapping[SlabKey, Slab] | None,
) -> tuple[Rows, int]:
    """The rows of a write that change their key's current vintage, and how many do not
    (``store/unchanged.py``): narrowed by the slabs in hand (a folding write's, read under the
    locks, pending values laid over) or by those the checks read before."""
    if waiting is not None:
        same = unchanged(conn, rows, pending.overlay(old, waiting))
    else:
        same = unchanged(conn, rows, prefetched, complete=False)
    ignored = int(same.sum())
    return (rows.keep(~same) if ignored else rows), ignored


def _end(conn: Connection, how: str) -> bool:
    """End the write transaction :meth:`Store.transaction` began on PostgreSQL; False if the
    connection could not say ROLLBACK: it is dropped from the pool, not handed to the next
    request in an unfinished transaction. A failed COMMIT raises (the server rolled back)."""
    try:
        conn.exec_driver_sql(how)
    except BaseException:
        if how == "COMMIT":
            with suppress(Exception):
                conn.exec_driver_sql("ROLLBACK")
            raise
        conn.invalidate()
        return False
    return True


class Store:
    """The value store on one database (SQLite file by default, PostgreSQL by URL).

    ``analytics`` is the model that computes the analytics tables (``chitieu.analyze.cube``);
    with it, every write keeps them up to date in its own transaction. Without it, writes
    leave them to be computed again when read (``chitieu.open_store`` always passes it).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        engine: Engine | None = None,
        migrate: bool = True,
        analytics: CubeModel | None = None,
    ):
        self.engine = engine or make_engine(url)
        self.analytics = analytics
        self._gauge = pending.Gauge()
        # Reads need no transaction: on PostgreSQL each statement sees committed data anyway
        # (READ COMMITTED), and a connection in autocommit mode skips the BEGIN and ROLLBACK
        # round trips of every read (two of a web read's four). Same pool as ``engine``.
        self.reader = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads of this store inside the block share one connection (PostgreSQL).

        A web save reads the token, the form, the rules' stored values and the history for
        outliers; each read checking out its own connection costs a hand-over per read. The
        connection is taken at the first read; a write transaction started in the block runs
        on it too (one pooled connection per request, never two at once), and it is given
        back at the block's end. On SQLite (no network, one file) every read keeps its own
        connection.
        """
        pin = _PINNED.get()
        if self.reader is self.engine or (pin is not None and pin.engine is self.reader):
            yield
            return
        pin = _Pin(self.reader)
        token = _PINNED.set(pin)
        try:
            yield
        finally:
            _PINNED.reset(token)
            pin.release()

    @contextmanager
    def read_conn(self) -> Iterator[Connection]:
        """A connection for reading: the one of an enclosing :meth:`reading`, else a new one."""
        pin = _PINNED.get()
        if pin is not None and pin.engine is self.reader:
            yield pin.get()
            return
        with self.reader.connect() as conn:
            yield conn

    @contextmanager
    def transaction(
        self, *, alone: bool = False, slices: Iterable[tuple[str, str]] | None = None
    ) -> Iterator[Connection]:
        """A write transaction, with the store's write locks taken first.

        SQLite: the writers' lock of the file (``store/locks.py``): writers of every process
        queue on it, not in SQLite's busy wait. PostgreSQL: the store's lock, shared (every
        writer) or alone (``alone``: a restore or rebuild, no other writer meanwhile), and the
        locks of the unit × period ``slices`` the transaction writes values of (writes of the
        same slice follow each other, so their ids follow commit order). Every write of
        chitieu goes through here; values through :meth:`write`.
        """
        if self.dialect == "sqlite":
            with sqlite_file_lock(self.engine.url.database or ""), self.engine.begin() as conn:
                yield conn
            return
        # On a connection in autocommit mode the transaction is begun and its locks taken in
        # one round trip (the driver's BEGIN would be one of its own), and ended here. Inside
        # a reading block it is the block's connection (one pooled connection per request).
        pin = _PINNED.get()
        if pin is not None and pin.engine is not self.reader:
            pin = None  # another store's block
        with nullcontext(pin.get()) if pin is not None else self.reader.connect() as conn:
            conn.exec_driver_sql(begin_locked(slices, alone))
            try:
                yield conn
            except BaseException:
                if not _end(conn, "ROLLBACK") and pin is not None:
                    pin.release()
                raise
            _end(conn, "COMMIT")

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def write(
        self,
        values: Rows | Iterable[NewValue],
        *,
        source: str,
        created_by: str,
        filename: str | None = None,
        sha256: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        in_transaction: Callable[[Connection, int], None] | None = None,
        prefetched: Mapping[SlabKey, Slab] | None = None,
        alongside: Callable[[], None] | None = None,
    ) -> BatchInfo:
        """Store ``values`` as one batch, in one transaction: all of them or none.

        In the same transaction the analytics are kept: the values' current slabs updated and,
        with an analytics model, their cube slabs computed — or, for a small write, the values
        recorded as pending (below). Writers are ordered: on SQLite by
        the writers' lock; on PostgreSQL writers of the same unit × period by its slice lock
        (so ids and times follow commit order: a form's "newest id" cannot miss a write) and
        writers of the same indicator-year by the slab row's lock (its read-modify-write).
        ``in_transaction(conn, batch_id)`` runs inside that transaction before the values are
        inserted (a version check, the lock of approved reports); whatever it raises rolls the
        whole write back. ``prefetched``: slabs read before (by the checks); those still at
        their version are not read again by a write that folds. ``alongside()`` runs in another
        thread while the values are inserted (the checks of a big import): what it raises rolls
        the write back.

        A small write (fewer than ``pending.FOLD_FROM`` rows: a form's save) records its
        values as pending instead (``store/pending.py``): readers lay them over the slabs, and
        writers of different units of one indicator-year do not queue for its slab. A bigger
        write, or a small one that finds ``pending.PENDING_MAX`` values pending, folds every
        pending value into the slabs and cubes as well. A big write (:data:`ALONGSIDE_FROM`
        rows or more) merges its slabs and computes their cube slabs in another thread while
        the database inserts the vintages (NumPy and SQLite leave Python's lock while they
        work, so both cores are used).

        A value identical to its key's current vintage (``store/unchanged.py``: value, status,
        comment, method, inputs) is left out, under the locks, and counted in
        ``BatchInfo.ignored``: a client's retry adds no vintage. The batch row is written all
        the same (its ``rows`` are the vintages written, maybe 0): the audit keeps who sent
        what and when, and the events that name the batch keep it.
        """
        rows = Rows.of(values)
        big = len(rows) >= ALONGSIDE_FROM
        fold = len(rows) >= pending.FOLD_FROM
        if not fold and self._gauge.due():
            with self.read_conn() as conn:
                fold = pending.count(conn) + len(rows) >= pending.PENDING_MAX
        with (
            collector_paused() if big else nullcontext(),
            self.transaction(slices=rows.slices()) as conn,
        ):
            waiting = pending.read(conn) if fold else None  # before the slabs (pending.py)
            old: dict[SlabKey, Slab] = {}
            if waiting is not None:
                keys = sorted(
                    set(slab_keys(rows)) | waiting.keys(), key=lambda k: (k[0], k[1] or "")
                )
                old = lock_slabs(conn, keys, prefetched)
            # a value that repeats its key's current vintage adds none (a client's retry)
            rows, ignored = _changed(conn, rows, old, waiting, prefetched)
            at = at or utcnow()  # taken under the locks: times follow commit order too
            batch_id = inserted_id(
                conn.execute(
                    _NEW_BATCH,
                    {
                        "source": source,
                        "filename": filename,
                        "sha256": sha256,
                        "rows": len(rows),
                        "created_at": at,
                        "created_by": created_by,
                        "note": note,
                    },
                )
            )
            if in_transaction is not None:
                in_transaction(conn, batch_id)
            src = filename or source
            merged: dict[SlabKey, Slab] = {}
            cubes: list[CubeSlab] = []
            with ThreadPoolExecutor(2 if big or alongside else 1) as pool:
                checks = pool.submit(alongside) if alongside is not None else None
                derived = (
                    pool.submit(self._derive, old, waiting, rows, batch_id)
                    if waiting is not None and big
                    else None
                )
                last_id = _insert_values(conn, rows, src, batch_id, at, created_by, progress,
                                         pending_too=waiting is None)  # fmt: skip
                if len(rows):
                    since.note(conn, slab_keys(rows), at)
                if checks is not None:
                    checks.result()  # raises: the whole write is rolled back
                if derived is not None:
                    merged, cubes = derived.result()
                elif waiting is not None:
                    merged, cubes = self._derive(old, waiting, rows, batch_id)
            if waiting is not None:
                save_slabs(conn, merged.values())
                save_cubes(conn, cubes)
                if len(waiting):
                    pending.clear(conn, waiting.batch_ids())
        last = None if last_id is None else int(last_id)
        return BatchInfo(batch_id, len(rows), at, last, ignored)

    def _derive(
        self, old: Mapping[SlabKey, Slab], waiting: pending.Pending, rows: Rows, batch_id: int
    ) -> tuple[dict[SlabKey, Slab], list[CubeSlab]]:
        """The slabs after the write (the pending values folded in, then its own), and the
        cube slabs of the materialised systems. Every changed slab takes the write's batch as
        its version (a folded pending value may be older than the slab's newest entry)."""
        after = dict(old)
        if len(waiting):
            after.update(merge(old, waiting.rows, waiting.batches))
        changed = waiting.keys()
        if len(rows):
            own = merge(after, rows, batch_id)
            after.update(own)
            changed |= set(own)
        merged = {k: after[k] for k in changed}
        for slab in merged.values():
            slab.version = batch_id
        cubes: list[CubeSlab] = []
        if self.analytics is not None and merged:
            for system in self.analytics.systems:
                cubes += self.analytics.compute(list(merged.values()), system)
        return merged, cubes

    def slabs(
        self, keys: Iterable[SlabKey], units: Iterable[str] | None = None
    ) -> dict[SlabKey, Slab]:
        """Current-value slabs of ``keys`` (missing ones left out), pending values laid over
        (only those of ``units``, if given: a check that reads those units' values only)."""
        wanted = sorted(set(keys))
        with self.read_conn() as conn:
            waiting = pending.read(conn, {k[1] for k in wanted}, units).of(wanted)
            return pending.overlay(read_slabs(conn, wanted), waiting)

    def slabs_of_years(
        self, years: Iterable[int], indicators: Iterable[str] | None = None
    ) -> list[Slab]:
        """Every current-value slab of ``years`` (of some indicators only, if given), pending
        values laid over."""
        ys = sorted(set(years))
        inds = None if indicators is None else sorted(set(indicators))
        with self.read_conn() as conn:
            waiting = pending.read(conn, inds).in_years(ys)
            stored = {s.key: s for s in read_years(conn, ys, inds)}
            return list(pending.overlay(stored, waiting).values())

    def slabs_as_of(
        self, years: Iterable[int], as_of: datetime, indicators: Iterable[str] | None = None
    ) -> list[Slab]:
        """The current-value slabs of ``years`` as they stood at ``as_of``: the current ones
        rolled back (``store/asof.py``)."""
        ys = sorted(set(years))
        inds = None if indicators is None else sorted(set(indicators))
        with self.read_conn() as conn:
            waiting = pending.read(conn, inds).in_years(ys)
            stored = {s.key: s for s in read_years(conn, ys, inds)}
            slabs = list(pending.overlay(stored, waiting).values())
            return asof.roll_back(conn, slabs, asof.late_batches(conn, as_of), as_of)

    def slabs_from_vintages(
        self, years: Iterable[int], as_of: datetime, indicators: Iterable[str] | None = None
    ) -> list[Slab]:
        """The slabs of ``years`` as they stood at ``as_of``, built from every vintage (the
        slow, plain reading of the rule, kept to check :meth:`slabs_as_of` against)."""
        with self.read_conn() as conn:
            return read_as_of(conn, years, as_of, indicators)

    def cubes(
        self,
        system: str,
        years: Iterable[int],
        generation: str,
        slots: Sequence[int] | None = None,
        indicators: Sequence[str] | None = None,
        with_sources: bool = False,
        as_of: datetime | None = None,
    ) -> CubeRows:
        """Cube slices of ``years`` (see ``store/analytics.py``: fresh ones, and the current
        slabs whose cube slab must be computed again). With ``as_of``, also the slabs changed
        after that instant (``touched``) and the batches recorded after it (``late``): the
        reader rolls back what it needs (:meth:`roll_back`, ``analyze/asof.py``)."""
        ys = sorted(set(years))
        with self.read_conn() as conn:
            waiting = pending.read(conn, indicators).in_years(ys)
            got = read_cubes(conn, system, ys, generation, slots, indicators, with_sources, as_of)
            got = pending.overlay_cubes(conn, got, waiting)
            if as_of is not None:
                got.late = asof.late_batches(conn, as_of)
                # slabs of pending values only (no stored slab yet): unborn then too?
                got.unborn |= since.unborn(conn, got.overlaid - got.unborn, as_of)
            return got

    def roll_back(self, slabs: Sequence[Slab], late: Any, as_of: datetime) -> list[Slab]:
        """``slabs`` (or parts of them) as they stood at ``as_of``, given the sorted ids of the
        batches recorded after it (``store/asof.py``)."""
        if not slabs:
            return []
        with self.read_conn() as conn:
            return asof.roll_back(conn, slabs, late, as_of)

    def keep_cubes(self, cubes: Sequence[CubeSlab]) -> None:
        """Store cube slabs a reader computed (best effort: a read-only store keeps none)."""
        if not cubes:
            return
        try:
            with self.transaction() as conn:
                save_cubes(conn, cubes)
        except DBAPIError:
            pass  # computed again next time

    def data_version(self) -> tuple[int, ...]:
        """A value that changes whenever anything an output reads changes (see version.py)."""
        with self.read_conn() as conn:
            return data_version(conn)

    def current(
        self,
        periods: Iterable[str],
        *,
        indicators: Sequence[str] | None = None,
        units: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        as_of: datetime | None = None,
    ) -> list[Observation]:
        """The latest vintage of every key in ``periods`` (as it stood at ``as_of`` if given).

        Deleted keys (latest value NULL) are left out.
        """
        q, params = _sliced(_current_query, periods, indicators, units, kinds, as_of)
        with self.read_conn() as conn:
            return [Observation(*row) for row in conn.execute(q, params) if row.value is not None]

    def current_rows(
        self,
        periods: Iterable[str],
        *,
        indicators: Sequence[str] | None = None,
        units: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        as_of: datetime | None = None,
    ) -> list[Row[Any]]:
        """Like :meth:`current`, but only the columns analytics need, as light rows.

        Each row has ``period, indicator, unit, kind, id, value, status`` (by name or
        position); rows are ordered by key. One index range scan reads every vintage of the
        periods and the newest per key is kept here, which is cheaper than grouping in SQL
        and joining back (see docs/PERFORMANCE.md).
        """
        q, params = _sliced(_rows_query, periods, indicators, units, kinds, as_of)
        latest: dict[Any, Any] = {}
        with self.read_conn() as conn:
            if conn.dialect.name == "postgresql":
                # With the default random_page_cost (4, spinning disks) PostgreSQL 15 scans and
                # sorts the whole table instead of this ordered index range (3.8 s vs 0.4 s on
                # a 10M-value store, see docs/PERFORMANCE.md); 1.1 is the usual SSD setting.
                conn.execute(text("SET LOCAL random_page_cost = 1.1"))
            for row in conn.execute(q, params).all():
                latest[row[:4]] = row  # ids ascend within a key: the newest wins
        return [r for r in latest.values() if r[5] is not None]

    def history(
        self,
        indicator: str,
        unit: str,
        period: str,
        kind: str | None = None,
    ) -> list[Observation]:
        """Every vintage of a figure, oldest first."""
        q = select(observation).where(
            observation.c.period == period,
            observation.c.indicator == indicator,
            observation.c.unit == unit,
        )
        if kind is not None:
            q = q.where(observation.c.kind == str(kind))
        with self.read_conn() as conn:
            return [Observation(*row) for row in conn.execute(q.order_by(observation.c.id))]

    def periods(self) -> list[str]:
        """Period ids that hold any current value (read from the current-value slabs)."""
        with self.read_conn() as conn:
            waiting = pending.read(conn)
            keys = waiting.keys()
            found = stored_periods(conn, skip=keys)
            for slab in pending.overlay(read_slabs(conn, keys), waiting).values():
                found.update(slab.periods())
            return sorted(found)

    def count(self) -> int:
        """Number of stored vintages."""
        with self.read_conn() as conn:
            return int(conn.execute(select(func.count()).select_from(observation)).scalar_one())

    def batches(self) -> list[dict[str, Any]]:
        """Import batches, newest first."""
        with self.read_conn() as conn:
            rows = conn.execute(select(batch).order_by(batch.c.id.desc())).mappings().all()
        return [dict(r) for r in rows]


def _where(c: Any, flags: tuple[bool, ...]) -> list[Any]:
    """Conditions on ``observation`` columns ``c``: periods, then the filters that are set."""
    conds = [c.period.in_(bindparam("periods", expanding=True))]
    has_ind, has_units, has_kinds, has_as_of = flags
    if has_ind:
        conds.append(c.indicator.in_(bindparam("indicators", expanding=True)))
    if has_units:
        conds.append(c.unit.in_(bindparam("units", expanding=True)))
    if has_kinds:
        conds.append(c.kind.in_(bindparam("kinds", expanding=True)))
    if has_as_of:
        conds.append(c.created_at <= bindparam("as_of"))
    return conds


@cache
def _current_query(flags: tuple[bool, ...]) -> Select[Any]:
    """The newest vintage per key of a slice (built once per combination of filters)."""
    c = observation.c
    latest = (
        select(func.max(c.id).label("id"))
        .where(*_where(c, flags))
        .group_by(c.period, c.indicator, c.unit, c.kind)
        .subquery()
    )
    return select(observation).join(latest, c.id == latest.c.id)


@cache
def _rows_query(flags: tuple[bool, ...]) -> Select[Any]:
    """Every vintage of a slice, light columns, ordered by key then id."""
    c = observation.c
    return (
        select(c.period, c.indicator, c.unit, c.kind, c.id, c.value, c.status)
        .where(*_where(c, flags))
        .order_by(c.period, c.indicator, c.unit, c.kind, c.id)
    )


def _sliced(
    build: Callable[[tuple[bool, ...]], Select[Any]],
    periods: Iterable[str],
    indicators: Sequence[str] | None,
    units: Sequence[str] | None,
    kinds: Sequence[str] | None,
    as_of: datetime | None,
) -> tuple[Select[Any], dict[str, Any]]:
    """A prepared query on a slice of ``observation`` and its parameters.

    The statement is built once per combination of filters and executed with bound
    parameters: building and hashing a fresh SQLAlchemy statement on every call cost about
    0,4 ms, most of a small read (see docs/PERFORMANCE.md, web section).
    """
    given = (indicators, units, kinds, as_of)
    params: dict[str, Any] = {"periods": sorted(set(periods))}
    if indicators is not None:
        params["indicators"] = list(indicators)
    if units is not None:
        params["units"] = list(units)
    if kinds is not None:
        params["kinds"] = [str(k) for k in kinds]
    if as_of is not None:
        params["as_of"] = as_of
    return build(tuple(g is not None for g in given)), params


def best_value(obs: Iterable[Observation]) -> dict[tuple[str, str, str], Observation]:
    """Per (indicator, unit, period), the figure a review uses: the actual, else the estimate."""
    out: dict[tuple[str, str, str], Observation] = {}
    plan, actual = str(Kind.PLAN), str(Kind.ACTUAL)
    for o in obs:
        kind = o.kind
        if kind == plan:
            continue
        k = (o.indicator, o.unit, o.period)
        have = out.get(k)
        if have is None or (kind == actual and have.kind != actual):
            out[k] = o
    return out
