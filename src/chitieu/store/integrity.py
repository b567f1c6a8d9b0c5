"""The integrity of a store (``chitieu check-store``), read in one snapshot.

* the file: SQLite's ``PRAGMA integrity_check`` (``quick_check`` for a sample); a damaged file
  is a :class:`StoreError` (exit 4), not a finding;
* the schema: the Alembic revision is this chitieu's ``SCHEMA_REVISION``;
* references: every foreign key the database declares (found by reflection, so new tables
  count), the references kept without one (a report event's batch, a pending value's batch),
  and SQLite's ``PRAGMA foreign_key_check``: no row points at a missing row (a value without
  its batch, an event without its report or task, a token without its account);
* current values: every batch a current-value slab names exists, and the slabs with the
  pending values laid over them equal slabs rebuilt from the vintages (every indicator-year,
  or a random sample of ``sample`` of them);
* first vintages: no slab's ``slab_since`` time is later than its first vintage
  (``store/since.py``; :func:`repair_since` rebuilds the table).

Findings are data (a code of ``catalog/data/errors_store.yaml`` and its parameters); the
CLI words them in Vietnamese or English.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, and_, exists, func, inspect, select, text

from chitieu.errors import StoreError
from chitieu.store import pending, since
from chitieu.store.current import DELETED, KINDS, Slab, SlabKey, merge, read_slabs
from chitieu.store.db import SCHEMA_REVISION, database_exists, database_url, make_engine
from chitieu.store.rows import Rows
from chitieu.store.snapshot import (
    VERSION_TABLE,
    db_errors,
    known_revisions,
    own_transactions,
    reflect,
    snapshot,
)

#: references kept without a foreign key: (table, column, referred table, referred column)
SOFT_REFERENCES = (
    ("web_submission_event", "batch_id", "batch", "id"),
    ("pending_value", "batch_id", "batch", "id"),
)
#: findings listed per check (the rest are counted)
MAX_PROBLEMS = 50


@dataclass
class Problem:
    """One finding: a code of errors_store.yaml and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """One check and what it found."""

    name: str  # file | revision | references | batches | slabs | since
    checked: int = 0  # what it looked at: references, batches, slabs
    problems: list[Problem] = field(default_factory=list)
    skipped: str | None = None  # why it did not run

    @property
    def ok(self) -> bool:
        """Nothing found."""
        return not self.problems

    def add(self, code: str, **params: Any) -> None:
        """Record a finding (past :data:`MAX_PROBLEMS`, counted in a last one)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(code, params))
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(Problem("check-more", {"n": 1}))
        else:
            self.problems[-1].params["n"] += 1


@dataclass
class Health:
    """A store's integrity."""

    db: str
    backend: str
    revision: str | None
    expected: str
    tables: dict[str, int]
    checks: list[Check]

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return all(c.ok for c in self.checks)


def check_store(
    url: str | None,
    *,
    sample: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Health:
    """Check the store at ``url`` (see the module's docstring); never migrates or writes."""
    url = database_url(url)
    if not database_exists(url):
        raise StoreError(code="store-missing", db=url)
    engine = own_transactions(make_engine(url))
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with db_errors(shown), snapshot(engine) as conn:
            return _check(conn, shown, sample, progress)
    finally:
        engine.dispose()


def _check(
    conn: Connection,
    shown: str,
    sample: int | None,
    progress: Callable[[str, int, int], None] | None,
) -> Health:
    sqlite = conn.dialect.name == "sqlite"
    checks = [
        _file(conn, shown, sample is not None) if sqlite else Check("file", skipped="postgresql")
    ]
    meta = reflect(conn)
    if not meta.tables and not inspect(conn).has_table(VERSION_TABLE):
        raise StoreError(code="store-missing", db=shown)
    count = select(func.count())
    tables = {
        name: int(conn.execute(count.select_from(t)).scalar_one())
        for name, t in sorted(meta.tables.items())
    }
    revision = None
    if inspect(conn).has_table(VERSION_TABLE):
        revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    checks.append(_revision(revision))
    checks.append(_references(conn, meta.tables, sqlite))
    if {"current_slab", "observation", "batch"} <= meta.tables.keys():
        has_pending = "pending_value" in meta.tables
        checks.append(_batches(conn))
        checks.append(_slabs(conn, has_pending, sample, progress))
    else:
        checks += [Check("batches", skipped="schema"), Check("slabs", skipped="schema")]
    if {"slab_since", "observation"} <= meta.tables.keys():
        checks.append(_since(conn))
    else:
        checks.append(Check("since", skipped="schema"))
    return Health(shown, conn.dialect.name, revision, SCHEMA_REVISION, tables, checks)


def _since(conn: Connection) -> Check:
    """No slab's first time (``slab_since``) later than its first vintage."""
    n, wrong = since.late(conn)
    check = Check("since", checked=n)
    for year, indicator, kept, first in wrong:
        check.add("check-since-late", indicator=indicator, year=year, kept=str(kept),
                  first=str(first))  # fmt: skip
    return check


def repair_since(url: str | None) -> None:
    """Rebuild ``slab_since`` from the vintages (``check-store --repair``), no other writer
    meanwhile."""
    from chitieu.store.values import Store

    store = Store(database_url(url))
    try:
        with store.transaction(alone=True) as conn:
            since.rebuild(conn)
    finally:
        store.engine.dispose()


def _file(conn: Connection, shown: str, quick: bool) -> Check:
    """SQLite's own check of the file's pages and indexes; a damaged file is an error."""
    got = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {'quick' if quick else 'integrity'}_check")]
    if got != ["ok"]:
        raise StoreError(code="store-corrupt", db=shown, detail="; ".join(got[:5]))
    return Check("file", checked=1)


def _revision(revision: str | None) -> Check:
    check = Check("revision", checked=1)
    if revision is None:
        check.add("check-revision-missing", expected=SCHEMA_REVISION)
    elif revision != SCHEMA_REVISION:
        newer = revision not in known_revisions()
        code = "check-revision-newer" if newer else "check-revision-older"
        check.add(code, revision=revision, expected=SCHEMA_REVISION)
    return check


def _references(conn: Connection, tables: dict[str, Table], sqlite: bool) -> Check:
    """Rows pointing at rows that are not there."""
    check = Check("references")
    found: set[tuple[str, str]] = set()
    for child, cols, parent, pcols in _reference_list(tables):
        check.checked += 1
        pairs = [(child.c[c], parent.c[p]) for c, p in zip(cols, pcols, strict=True)]
        orphan = (
            select(func.count())
            .select_from(child)
            .where(
                and_(*[c.is_not(None) for c, _ in pairs]),
                ~exists().where(and_(*[p == c for c, p in pairs])),
            )
        )
        n = int(conn.execute(orphan).scalar_one())
        if n:
            found.add((child.name, parent.name))
            where = {"table": child.name, "column": ", ".join(cols), "parent": parent.name}
            check.add("check-orphans", n=n, **where)
    if sqlite:  # SQLite's own view of its foreign keys (a key reflection did not see)
        _sqlite_foreign_keys(conn, found, check)
    return check


def _reference_list(tables: dict[str, Table]) -> list[tuple[Table, list[str], Table, list[str]]]:
    """(child, its columns, parent, the parent's columns) of every declared foreign key and
    every soft reference (a column that names a row without a key)."""
    refs: list[tuple[Table, list[str], Table, list[str]]] = []
    for t in tables.values():
        for fk in t.foreign_key_constraints:
            cols = [e.parent.name for e in fk.elements]
            refs.append((t, cols, fk.referred_table, [e.column.name for e in fk.elements]))
    for c_name, col, p_name, pcol in SOFT_REFERENCES:
        if c_name in tables and p_name in tables and col in tables[c_name].c:
            refs.append((tables[c_name], [col], tables[p_name], [pcol]))
    return refs


def _sqlite_foreign_keys(conn: Connection, found: set[tuple[str, str]], check: Check) -> None:
    """SQLite's own foreign key check, for the pairs of tables not already found."""
    counts: dict[tuple[str, str], int] = {}
    for tname, _rowid, pname, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
        counts[(tname, pname)] = counts.get((tname, pname), 0) + 1
    for (tname, pname), n in sorted(counts.items()):
        if (tname, pname) not in found:
            check.add("check-foreign-key", n=n, table=tname, parent=pname)


def _batches(conn: Connection) -> Check:
    """Every batch a current value names (in the slabs and pending values) exists."""
    check = Check("batches")
    named: set[int] = set()
    for (data,) in conn.execute(text("SELECT data FROM current_slab")):
        named.update(np.unique(Slab.decode("", 0, "", data, 0).entries["batch"]).tolist())
    known = {int(b) for (b,) in conn.execute(text("SELECT id FROM batch"))}
    check.checked = len(named)
    missing = sorted(named - known)
    if missing:
        check.add("check-slab-batches", n=len(missing), ids=", ".join(map(str, missing[:10])))
    return check


#: the newest vintage of every key of a year (of one indicator): what a slab must hold
_NEWEST = (
    "SELECT indicator, unit, period, kind, value, status, method, batch_id FROM observation o "
    "WHERE period >= :lo AND period < :hi {only} AND id = (SELECT max(id) FROM observation p "
    "WHERE p.period = o.period AND p.indicator = o.indicator AND p.unit = o.unit "
    "AND p.kind = o.kind)"
)


def _rebuilt(conn: Connection, year: int, indicator: str | None) -> dict[SlabKey, Slab]:
    """The slabs of ``year`` (of one indicator) built from the vintages."""
    only = "AND indicator = :ind" if indicator is not None else ""
    params = {"lo": str(year), "hi": str(year + 1), "ind": indicator}
    got = conn.execute(text(_NEWEST.format(only=only)), params).all()
    if not got:
        return {}
    ind, unit, per, kind, value, status, method, batch = (list(c) for c in zip(*got, strict=True))
    n = len(ind)
    rows = Rows(ind, unit, per, kind, value, status, [None] * n, method, [None] * n)
    return merge({}, rows, np.array(batch, dtype=np.int64))


def _stored(conn: Connection, keys: list[SlabKey], has_pending: bool) -> dict[SlabKey, Slab]:
    """The stored slabs of ``keys`` with the pending values laid over them."""
    slabs = read_slabs(conn, keys)
    if not has_pending:
        return slabs
    waiting = pending.read(conn, {k[1] for k in keys}).of(keys)
    return pending.overlay(slabs, waiting)


def _entries(slab: Slab | None) -> dict[tuple[str, str, int], tuple[int, float | None, int]]:
    """A slab's entries by (unit, period, kind): flags, value (None if deleted), batch."""
    if slab is None:
        return {}
    e = slab.entries
    out = {}
    cols = (e[c].tolist() for c in ("unit", "period", "kind", "flags", "value", "batch"))
    for u, p, k, f, v, b in zip(*cols, strict=True):
        out[(slab.units[u], p.decode(), k)] = (f, None if f & DELETED else v, b)
    return out


def _slabs(
    conn: Connection,
    has_pending: bool,
    sample: int | None,
    progress: Callable[[str, int, int], None] | None,
) -> Check:
    """The current-value slabs against a rebuild from the vintages."""
    check = Check("slabs")
    q = text("SELECT year, indicator FROM current_slab")
    stored_keys = sorted((int(y), ind) for y, ind in conn.execute(q))
    groups: list[tuple[int, list[SlabKey], str | None]]  # year, stored keys, one indicator
    if sample is not None:
        chosen = sorted(random.sample(stored_keys, min(sample, len(stored_keys))))
        groups = [(k[0], [k], k[1]) for k in chosen]
    else:
        q = text("SELECT DISTINCT substr(period, 1, 4) FROM observation")
        years = {int(y) for (y,) in conn.execute(q) if str(y).isdigit()}
        years |= {y for y, _ in stored_keys}
        groups = [(y, [k for k in stored_keys if k[0] == y], None) for y in sorted(years)]
    for year, keys, indicator in groups:
        rebuilt = _rebuilt(conn, year, indicator)
        stored = _stored(conn, sorted(set(keys) | rebuilt.keys()), has_pending)
        for key in sorted(set(stored) | set(rebuilt)):
            check.checked += 1
            want, have = _entries(rebuilt.get(key)), _entries(stored.get(key))
            if want == have:
                continue
            differ = {k for k in want.keys() | have.keys() if want.get(k) != have.get(k)}
            unit, period, kind = min(differ)
            params = {"indicator": key[1], "year": key[0], "n": len(differ)}
            check.add("check-slab-differs", **params, unit=unit, period=period, kind=KINDS[kind])
        if progress:
            progress("slabs", 1, len(groups))
    return check
