"""Backup and restore of the whole store, in one file that either backend can read.

A backup is a ZIP archive: ``manifest.json`` (format, chitieu's version, the source backend,
the Alembic revision, and per table its columns with their kinds, primary key, row count and
the SHA-256 of its member) and ``tables/<name>.jsonl``, one JSON array per row ordered by the
primary key. Values are written by kind: datetimes and dates as ISO text, binary data as
base64, JSON columns as their stored text (SQL NULL and JSON ``null`` stay apart), numbers as
JSON numbers (a float's repr reads back to the same float). The tables are the database's
own (reflected), not a list kept here, so a table a new migration adds is backed up too.

Snapshots: PostgreSQL is read in one REPEATABLE READ, READ ONLY transaction; SQLite is copied
with the sqlite3 backup API (one step, under one read lock in WAL mode) and the copy is read
— writers keep working and a write is in the backup whole or not at all. The file is written
to a temporary file beside it, fsynced and renamed: whole or not at all.

With a backup key (``CHITIEU_BACKUP_KEY``), ``manifest.hmac`` holds the HMAC-SHA256 of the
manifest's bytes: the manifest names every member's SHA-256, so the signature binds the whole
file (``store/manifest.py``). No line is longer than the restore reads (``CHITIEU_BACKUP_LINE_MB``,
64 MiB): a row over it fails the backup, not a later restore.

Restore: ``store/restore.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Table,
    Text,
    cast,
    func,
    select,
    text,
    type_coerce,
)

from chitieu.errors import InputFileError, StoreError
from chitieu.store.db import database_exists, database_url, make_engine, utcnow
from chitieu.store.manifest import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SIGNATURE,
    backup_key,
    key_id,
    line_limit,
    sign,
)
from chitieu.store.snapshot import VERSION_TABLE, db_errors, reflect, snapshot

#: rows per INSERT round trip on restore, and between two progress reports
CHUNK = 2_000

Progress = Callable[[str, int, int], None]


@dataclass
class BackupInfo:
    """What a backup holds (its manifest, summed up)."""

    file: str
    backend: str
    revision: str
    created_at: str
    chitieu: str
    tables: dict[str, int] = field(default_factory=dict)
    size: int = 0
    #: signed with the backup key (``CHITIEU_BACKUP_KEY``), and that key's id
    signed: bool = False
    key_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """For --json."""
        return asdict(self)


# ---------------------------------------------------------------------------------- values


def _kind(col_type: Any) -> str:
    """How a column's values are written into the file."""
    if isinstance(col_type, JSON):
        return "json"
    if isinstance(col_type, DateTime):
        return "datetime"
    if isinstance(col_type, Date):
        return "date"
    if isinstance(col_type, LargeBinary):
        return "bytes"
    if isinstance(col_type, Boolean):
        return "bool"
    if isinstance(col_type, Integer):
        return "int"
    if isinstance(col_type, Float):
        return "float"
    return "text"


def _iso(v: Any) -> Any:
    return None if v is None else v.isoformat()


def _b64(v: Any) -> Any:
    return None if v is None else base64.b64encode(bytes(v)).decode("ascii")


ENCODE: dict[str, Callable[[Any], Any]] = {"datetime": _iso, "date": _iso, "bytes": _b64}
DECODE: dict[str, Callable[[Any], Any]] = {
    "datetime": lambda v: None if v is None else datetime.fromisoformat(v),
    "date": lambda v: None if v is None else date.fromisoformat(v),
    "bytes": lambda v: None if v is None else base64.b64decode(v),
    "bool": lambda v: None if v is None else bool(v),
}


def codec(kinds: list[str], table: dict[str, Callable[[Any], Any]]) -> Callable[[Any], list]:
    """A function turning one row into the file's values (or back)."""
    fns = [(i, table[k]) for i, k in enumerate(kinds) if k in table]

    def convert(row: Any) -> list:
        out = list(row)
        for i, fn in fns:
            out[i] = fn(out[i])
        return out

    return convert


# ---------------------------------------------------------------------------------- backup


@contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """A file written whole or not at all: a temporary file beside ``path`` (mode 0600: a
    backup holds password hashes), fsynced, then renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    with suppress(OSError):  # the rename itself reaches the disk (POSIX)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _order(table: Table) -> list[Any]:
    """Primary key, else every column whose values compare (PostgreSQL's json does not)."""
    if len(table.primary_key.columns):
        return list(table.primary_key.columns)
    return [c for c in table.columns if _kind(c.type) not in ("json", "bytes")]


def _dump(
    conn: Connection, shown: str, zf: zipfile.ZipFile, progress: Progress | None
) -> dict[str, Any]:
    """Every table of the store on ``conn`` (one snapshot) into ``zf``; returns the manifest.
    A database without chitieu's version table is not a store: refused."""
    from sqlalchemy import inspect

    from chitieu import __version__

    if not inspect(conn).has_table(VERSION_TABLE):
        raise StoreError(code="store-missing", db=shown)
    meta = reflect(conn)
    revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    count = select(func.count())
    total = sum(int(conn.execute(count.select_from(t)).scalar_one()) for t in meta.sorted_tables)
    pg = conn.dialect.name == "postgresql"
    limit = line_limit()
    tables = []
    for t in meta.sorted_tables:
        kinds = [_kind(c.type) for c in t.columns]
        cols = [
            (cast(c, Text) if pg else type_coerce(c, Text)).label(c.name) if k == "json" else c
            for c, k in zip(t.columns, kinds, strict=True)
        ]
        encode = codec(kinds, ENCODE)
        member, digest, rows = f"tables/{t.name}.jsonl", hashlib.sha256(), 0
        q = select(*cols).order_by(*_order(t))
        with zf.open(member, "w", force_zip64=True) as out:
            result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(q)
            for part in result.partitions():
                lines = [
                    json.dumps(encode(r), ensure_ascii=False, separators=(",", ":")) + "\n"
                    for r in part
                ]
                _fits(lines, t.name, limit)
                data = "".join(lines).encode()
                out.write(data)
                digest.update(data)
                rows += len(part)
                if progress:
                    progress("backup", len(part), total)
        columns = [{"name": c.name, "kind": k} for c, k in zip(t.columns, kinds, strict=True)]
        tables.append(
            {
                "name": t.name,
                "file": member,
                "rows": rows,
                "sha256": digest.hexdigest(),
                "columns": columns,
                "primary_key": [c.name for c in t.primary_key.columns],
            }
        )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "chitieu": __version__,
        "created_at": utcnow().isoformat() + "Z",
        "backend": conn.dialect.name,
        "revision": revision,
        "tables": tables,
    }


@contextmanager
def _sqlite_copy(database: str, folder: Path) -> Iterator[Engine]:
    """A copy of the SQLite store made by the backup API, beside the backup, removed after."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".chitieu-snapshot-", suffix=".db")
    os.close(fd)
    try:
        src = sqlite3.connect(database, timeout=10)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # all pages in one step: one read snapshot of the source
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        engine = create_engine(f"sqlite:///{tmp}", poolclass=NullPool)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        for name in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            with suppress(FileNotFoundError):
                os.unlink(name)


def backup(
    url: str | None, file: Path, *, overwrite: bool = False, progress: Progress | None = None
) -> BackupInfo:
    """Write a backup of the store at ``url`` to ``file`` (see the module's docstring)."""
    url = database_url(url)
    file = Path(file)
    if file.exists() and not overwrite:
        raise InputFileError(code="backup-exists", file=str(file))
    if not file.parent.is_dir():
        raise InputFileError(code="backup-unwritable", file=str(file), detail="no such folder")
    if not database_exists(url):
        raise StoreError(code="store-missing", db=url)
    key = backup_key()  # a key set but too short: refused before any work
    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with db_errors(shown), _atomic(file) as f:
            zf = zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
            with zf, _source(engine, file.parent) as conn:
                manifest = _dump(conn, shown, zf, progress)
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                zf.writestr(MANIFEST, data)
                if key is not None:
                    zf.writestr(SIGNATURE, sign(data, key))
    except OSError as exc:
        raise InputFileError(code="backup-unwritable", file=str(file), detail=str(exc)) from exc
    finally:
        engine.dispose()
    info = info_of(manifest, file)
    info.signed, info.key_id = key is not None, key_id(key) if key is not None else None
    return info


def _fits(lines: list[str], table: str, limit: int) -> None:
    """Every line within the restore's line limit (a backup that cannot be restored is
    refused when it is made, not when it is needed)."""
    longest = max(map(len, lines), default=0)
    if longest * 4 <= limit:  # UTF-8: at most 4 bytes a character
        return
    size = max(len(line.encode()) for line in lines)
    if size > limit:
        raise InputFileError(
            code="backup-row-too-long", table=table, size=round(size / (1 << 20), 1),
            limit=round(limit / (1 << 20), 1),
        )  # fmt: skip


@contextmanager
def _source(engine: Engine, folder: Path) -> Iterator[Connection]:
    """A connection that sees one state of the store: on SQLite, to a copy made by the backup
    API (no long read transaction on the store while the file is written); on PostgreSQL, in
    a REPEATABLE READ snapshot."""
    if engine.dialect.name != "sqlite":
        with snapshot(engine) as conn:
            yield conn
        return
    database = engine.url.database or ""
    with _sqlite_copy(database, folder) as copy, copy.connect() as conn, conn.begin():
        yield conn


def info_of(manifest: dict[str, Any], file: Path) -> BackupInfo:
    """The summary of a backup's manifest."""
    return BackupInfo(
        file=str(file),
        backend=manifest["backend"],
        revision=manifest["revision"],
        created_at=manifest["created_at"],
        chitieu=manifest.get("chitieu", ""),
        tables={t["name"]: int(t["rows"]) for t in manifest["tables"]},
        size=file.stat().st_size,
    )
