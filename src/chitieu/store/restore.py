"""Restore of a backup (``store/backup.py``): one transaction on both backends, all or nothing.

On SQLite the transaction is ``BEGIN IMMEDIATE`` on a connection that leaves transactions to
us, so the DDL rolls back too. Inside it: the store's tables are dropped (only if they hold no
row, or with ``replace``), the schema is built at the backup's revision by the migrations, the
rows are inserted parents first and checked against the manifest (count and SHA-256 of each
table), the migrations bring the store to the newest revision, and PostgreSQL's sequences are
set after the highest ids, and the store's restore epoch moves on (``store/version.py``: the
data version never repeats one from before the restore). Writers wait meanwhile (SQLite: the
writers' lock; PostgreSQL: the store's lock, alone).

The file is untrusted until checked (``store/manifest.py``): the manifest's signature and
fields first; then the backup must hold every table of its revision (a manifest that leaves
out the accounts would otherwise empty them), each line is read up to the line limit, and
the values of each chunk of rows are checked by column (types, finite numbers within 64
bits) before the database sees them. Anything wrong is "damaged" (exit 2), nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    MetaData,
    Text,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, ProgrammingError

from chitieu.errors import InputFileError
from chitieu.store.backup import CHUNK, DECODE, BackupInfo, Progress, codec, info_of
from chitieu.store.db import database_url, make_engine
from chitieu.store.faults import fault_of
from chitieu.store.locks import sqlite_file_lock, store_lock
from chitieu.store.manifest import Damaged, RestoreRefused, line_limit, read_manifest
from chitieu.store.snapshot import db_errors, known_revisions, migrate_to, own_transactions, reflect
from chitieu.store.version import advance_epoch, epoch, store_epoch

__all__ = ["RestoreInfo", "RestoreRefused", "restore"]


@dataclass
class RestoreInfo:
    """What a restore did."""

    file: str
    db: str
    backup: BackupInfo
    revision: str  # the store's revision after the restore (migrated if the backup was older)
    replaced: dict[str, int] = field(default_factory=dict)  # rows the store held before
    #: the backup's signature: verified, accepted (unsigned, --accept-unsigned), unchecked (no key)
    signature: str = "unchecked"
    #: the store's restore epoch after it (store/version.py)
    epoch: int = 0

    def to_dict(self) -> dict[str, Any]:
        """For --json."""
        out = {"file": self.file, "db": self.db, "backup": self.backup.to_dict()}
        return out | {
            "revision": self.revision, "replaced": self.replaced, "signature": self.signature,
            "epoch": self.epoch,
        }  # fmt: skip


def restore(
    url: str | None,
    file: Path,
    *,
    replace: bool = False,
    accept_unsigned: bool = False,
    progress: Progress | None = None,
) -> RestoreInfo:
    """Restore the backup ``file`` into the store at ``url``: one transaction, all or nothing.

    A store holding any row is refused (:class:`RestoreRefused`, naming what it holds) unless
    ``replace``. A backup of an older revision is migrated; one of a revision this chitieu
    does not know (a newer chitieu's) is refused. The manifest is verified and checked first
    (``store/manifest.py``: its signature when a backup key is set, unless ``accept_unsigned``
    lets an unsigned one in); a backup that leaves out a table of its revision, a line over
    the limit, a row that does not match its columns or its checksum: damaged, nothing
    changed. The store's restore epoch moves on (``store/version.py``).
    """
    file = Path(file)
    checked = read_manifest(file, accept_unsigned=accept_unsigned)
    manifest = checked.data
    revision = manifest["revision"]
    known = known_revisions()
    if revision not in known:
        raise RestoreRefused(
            code="restore-newer-revision", file=str(file), revision=revision, head=known[-1]
        )
    url = database_url(url)
    engine = own_transactions(make_engine(url), "BEGIN IMMEDIATE")
    shown = engine.url.render_as_string(hide_password=True)
    sqlite = engine.dialect.name == "sqlite"
    lock = sqlite_file_lock(engine.url.database or "") if sqlite else _no_lock()
    try:
        with db_errors(shown), lock, zipfile.ZipFile(file) as zf, engine.begin() as conn:
            if not sqlite:
                store_lock(conn, alone=True)  # no writer meanwhile
            before = _holdings(conn)
            if any(before.values()) and not replace:
                held = ", ".join(f"{t} ({n})" for t, n in before.items() if n)
                raise RestoreRefused(code="restore-not-empty", db=shown, tables=held)
            past = epoch(conn) if inspect(conn).has_table(store_epoch.name) else 0
            reflect(conn, with_version=True).drop_all(conn)
            migrate_to(conn, revision)
            meta = reflect(conn)
            _covers(meta, manifest, file)
            _load(conn, meta, zf, manifest, file, progress)
            migrate_to(conn, "head")
            now = advance_epoch(conn, past, f"restore of {file.name} ({manifest['created_at']})")
            if not sqlite:
                _reset_sequences(conn)
            after = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except IntegrityError as exc:
        detail = str(exc.orig).strip().splitlines()[0]
        raise RestoreRefused(code="restore-rejected", file=str(file), detail=detail) from exc
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(code="backup-damaged", file=str(file), detail=str(exc)) from exc
    finally:
        engine.dispose()
    info = info_of(manifest, file)
    info.signed, info.key_id = checked.signature == "verified", checked.key_id
    return RestoreInfo(
        str(file), shown, info, str(after), before, signature=checked.signature, epoch=now
    )


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def _holdings(conn: Connection) -> dict[str, int]:
    """Rows per table of the store (the Alembic version left out)."""
    count = select(func.count())
    return {
        t.name: int(conn.execute(count.select_from(t)).scalar_one())
        for t in reflect(conn).sorted_tables
    }


def _covers(meta: MetaData, manifest: dict[str, Any], file: Path) -> None:
    """The backup holds every table of its revision (a table left out would be emptied: the
    accounts of a manifest that leaves them out, say)."""
    listed = {t["name"] for t in manifest["tables"]}
    missing = sorted(set(meta.tables) - listed)
    if missing:
        raise InputFileError(
            code="backup-incomplete", file=str(file), revision=manifest["revision"],
            tables=", ".join(missing),
        )  # fmt: skip


def _statement(conn: Connection, table: Any, names: list[str], kinds: list[str]) -> Any:
    """The INSERT of a backup table's rows (parameters p0, p1, … in the file's column order)."""
    pg = conn.dialect.name == "postgresql"
    values = {}
    for i, (n, k) in enumerate(zip(names, kinds, strict=True)):
        col = table.c[n]
        if k == "json":  # the stored text as it was (SQL NULL and JSON null apart)
            p = bindparam(f"p{i}", type_=Text)
            values[n] = cast(p, col.type) if pg else p
        else:
            values[n] = bindparam(f"p{i}", type_=col.type)
    return insert(table).values(values)


def _load(
    conn: Connection,
    meta: MetaData,
    zf: zipfile.ZipFile,
    manifest: dict[str, Any],
    file: Path,
    progress: Progress | None,
) -> None:
    """Insert every table of the backup (parents first: the manifest's order)."""
    total = sum(int(t["rows"]) for t in manifest["tables"])
    limit = line_limit()
    for spec in manifest["tables"]:
        name = spec["name"]
        table = meta.tables.get(name)
        names = [c["name"] for c in spec["columns"]]
        kinds = [c["kind"] for c in spec["columns"]]
        if table is None or any(n not in table.c for n in names):
            revision = manifest["revision"]
            raise RestoreRefused(
                code="restore-table-unknown", file=str(file), table=name, revision=revision
            )
        table_file = _TableFile(name, kinds, codec(kinds, DECODE), limit, file)
        stmt = _statement(conn, table, names, kinds)
        with zf.open(spec["file"]) as raw:
            for chunk in table_file.chunks(raw):
                _insert(conn, stmt, chunk, progress, total, name)
        if table_file.rows != int(spec["rows"]) or table_file.digest.hexdigest() != spec["sha256"]:
            detail = f"{name}: rows or checksum differ from the manifest"
            raise InputFileError(code="backup-damaged", file=str(file), detail=detail)


#: the JSON types a column of each kind may hold in the file (besides null)
_TYPES: dict[str, frozenset[type]] = {
    "int": frozenset({int}),
    "float": frozenset({int, float}),
    "bool": frozenset({bool, int}),
}
_STRING = frozenset({str})
_INT64 = 1 << 63


class _TableFile:
    """The lines of one table's member: each read up to the line limit, parsed, checked
    against its columns (by columns, a chunk at a time) and decoded."""

    def __init__(self, name: str, kinds: list[str], decode: Any, limit: int, file: Path) -> None:
        self.name, self.kinds, self.decode, self.limit, self.file = name, kinds, decode, limit, file
        self.digest = hashlib.sha256()
        self.rows = 0

    def chunks(self, raw: Any) -> Iterator[list[dict[str, Any]]]:
        """Rows as insert parameters, :data:`CHUNK` at a time."""
        keys = [f"p{i}" for i in range(len(self.kinds))]
        chunk: list[Any] = []
        while line := raw.readline(self.limit + 1):
            chunk.append(self._parse(line))
            if len(chunk) >= CHUNK:
                yield self._ready(chunk, keys)
                chunk = []
        if chunk:
            yield self._ready(chunk, keys)

    def _parse(self, line: bytes) -> Any:
        self.rows += 1
        where = f"{self.name}, line {self.rows}"
        if not line.endswith(b"\n"):
            if len(line) > self.limit:
                raise InputFileError(
                    code="backup-line-too-long", file=str(self.file), table=self.name,
                    line=self.rows, limit=round(self.limit / (1 << 20), 1),
                )  # fmt: skip
            raise Damaged(f"{where}: cut short")
        self.digest.update(line)
        try:
            row = json.loads(line, parse_constant=_no_constant)
        except RecursionError:
            raise Damaged(f"{where}: nested too deep") from None
        except ValueError as exc:
            raise Damaged(f"{where}: not JSON ({exc})") from None
        if type(row) is not list or len(row) != len(self.kinds):
            raise Damaged(f"{where}: not a row of {len(self.kinds)} values")
        return row

    def _ready(self, chunk: list[Any], keys: list[str]) -> list[dict[str, Any]]:
        first = self.rows - len(chunk) + 1
        for kind, column in zip(self.kinds, zip(*chunk, strict=True), strict=True):
            _check_column(kind, column, f"{self.name}, lines {first}–{self.rows}")
        decode = self.decode
        return [dict(zip(keys, decode(r), strict=True)) for r in chunk]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value a backup writes")


def _check_column(kind: str, column: tuple[Any, ...], where: str) -> None:
    """The values of one column of a chunk are of the types its kind allows, numbers finite
    and within 64 bits (done on the column: a few C loops, not a step per value)."""
    allowed = _TYPES.get(kind, _STRING)
    types = set(map(type, column))
    types.discard(type(None))
    if not types <= allowed:
        bad = next(v for v in column if v is not None and type(v) not in allowed)
        raise Damaged(f"{where}: {str(bad)[:40]!r} is not a {kind} value")
    if kind in ("int", "float") and types:
        numbers = [v for v in column if v is not None]
        if int in types and not (min(numbers) >= -_INT64 and max(numbers) < _INT64):
            raise Damaged(f"{where}: a number beyond 64 bits")
        if float in types and not all(map(math.isfinite, numbers)):
            raise Damaged(f"{where}: a number that is not finite")


def _insert(
    conn: Connection,
    stmt: Any,
    chunk: list[dict[str, Any]],
    progress: Progress | None,
    total: int,
    table: str,
) -> None:
    try:
        conn.execute(stmt, chunk)
    except (DataError, ProgrammingError, InterfaceError) as exc:
        fault = fault_of(exc)
        if fault is not None and fault.code != "store-fault":
            raise  # a fault of the database (told by db_errors), not of the rows
        detail = " ".join(str(exc.orig).split())[:200]
        raise Damaged(f"{table}: the database refused a row ({detail})") from exc
    if progress:
        progress("restore", len(chunk), total)


_SETVAL = text("SELECT setval(:s, :v, :called)")
_SETVAL_CALLED = text("SELECT setval(:s, :v)")  # the next value is v + 1


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: every sequence of a column continues after the column's highest value."""
    found = conn.execute(
        text(
            "SELECT table_name, column_name, pg_get_serial_sequence("
            "quote_ident(table_name), column_name) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND pg_get_serial_sequence("
            "quote_ident(table_name), column_name) IS NOT NULL"
        )
    ).all()
    q = conn.dialect.identifier_preparer.quote
    for table, column, seq in found:
        top = conn.execute(text(f"SELECT max({q(column)}) FROM {q(table)}")).scalar()
        at: dict[str, Any] = {"s": seq, "v": 1, "called": False}
        if top is not None:
            at = {"s": seq, "v": int(top)}
        conn.execute(_SETVAL if top is None else _SETVAL_CALLED, at)
