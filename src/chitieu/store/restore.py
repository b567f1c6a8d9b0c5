"""Restore of a backup (``store/backup.py``): one transaction on both backends, all or nothing.

On SQLite the transaction is ``BEGIN IMMEDIATE`` on a connection that leaves transactions to
us, so the DDL rolls back too. Inside it: the store's tables are dropped (only if they hold no
row, or with ``replace``), the schema is built at the backup's revision by the migrations, the
rows are inserted parents first and checked against the manifest (count and SHA-256 of each
table), the migrations bring the store to the newest revision, and PostgreSQL's sequences are
set after the highest ids. Writers wait meanwhile (SQLite: the writers' lock; PostgreSQL: the
store's lock, alone).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Text, bindparam, cast, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from chitieu.errors import ChitieuError, InputFileError
from chitieu.store.backup import (
    CHUNK,
    DECODE,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    BackupInfo,
    Progress,
    codec,
    info_of,
)
from chitieu.store.db import database_url, make_engine
from chitieu.store.locks import sqlite_file_lock, store_lock
from chitieu.store.snapshot import db_errors, known_revisions, migrate_to, own_transactions, reflect


class RestoreRefused(ChitieuError):
    """A restore that would lose data or cannot fit this chitieu (exit 1, nothing changed)."""

    exit_code = 1


@dataclass
class RestoreInfo:
    """What a restore did."""

    file: str
    db: str
    backup: BackupInfo
    revision: str  # the store's revision after the restore (migrated if the backup was older)
    replaced: dict[str, int] = field(default_factory=dict)  # rows the store held before

    def to_dict(self) -> dict[str, Any]:
        """For --json."""
        out = {"file": self.file, "db": self.db, "backup": self.backup.to_dict()}
        return out | {"revision": self.revision, "replaced": self.replaced}


def read_manifest(file: Path) -> dict[str, Any]:
    """The manifest of a backup file (checked: a chitieu backup of a format this reads)."""
    try:
        with zipfile.ZipFile(file) as zf:
            manifest = json.loads(zf.read(MANIFEST))
    except FileNotFoundError as exc:
        raise InputFileError(code="backup-unreadable", file=str(file), detail="not found") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputFileError(code="backup-not-a-backup", file=str(file)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputFileError(code="backup-not-a-backup", file=str(file))
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        version = manifest.get("format_version")
        raise RestoreRefused(
            code="backup-format-newer", file=str(file), version=version, known=FORMAT_VERSION
        )
    return manifest


def restore(
    url: str | None, file: Path, *, replace: bool = False, progress: Progress | None = None
) -> RestoreInfo:
    """Restore the backup ``file`` into the store at ``url``: one transaction, all or nothing.

    A store holding any row is refused (:class:`RestoreRefused`, naming what it holds) unless
    ``replace``. A backup of an older revision is migrated; one of a revision this chitieu
    does not know (a newer chitieu's) is refused.
    """
    file = Path(file)
    manifest = read_manifest(file)
    revision = str(manifest.get("revision"))
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
            reflect(conn, with_version=True).drop_all(conn)
            migrate_to(conn, revision)
            _load(conn, zf, manifest, file, progress)
            migrate_to(conn, "head")
            if not sqlite:
                _reset_sequences(conn)
            after = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except IntegrityError as exc:
        detail = str(exc.orig).strip().splitlines()[0]
        raise RestoreRefused(code="restore-rejected", file=str(file), detail=detail) from exc
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(code="backup-damaged", file=str(file), detail=str(exc)) from exc
    finally:
        engine.dispose()
    return RestoreInfo(str(file), shown, info_of(manifest, file), str(after), before)


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


def _load(
    conn: Connection,
    zf: zipfile.ZipFile,
    manifest: dict[str, Any],
    file: Path,
    progress: Progress | None,
) -> None:
    """Insert every table of the backup (parents first: the manifest's order)."""
    meta = reflect(conn)
    pg = conn.dialect.name == "postgresql"
    total = sum(int(t["rows"]) for t in manifest["tables"])
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
        values = {}
        for i, (n, k) in enumerate(zip(names, kinds, strict=True)):
            col = table.c[n]
            if k == "json":  # the stored text as it was (SQL NULL and JSON null apart)
                p = bindparam(f"p{i}", type_=Text)
                values[n] = cast(p, col.type) if pg else p
            else:
                values[n] = bindparam(f"p{i}", type_=col.type)
        stmt = insert(table).values(values)
        keys = [f"p{i}" for i in range(len(names))]
        decode = codec(kinds, DECODE)
        digest, rows, chunk = hashlib.sha256(), 0, []
        with zf.open(spec["file"]) as raw:
            for line in raw:
                digest.update(line)
                chunk.append(dict(zip(keys, decode(json.loads(line)), strict=True)))
                if len(chunk) >= CHUNK:
                    rows += _insert(conn, stmt, chunk, progress, total)
                    chunk = []
        if chunk:
            rows += _insert(conn, stmt, chunk, progress, total)
        if rows != int(spec["rows"]) or digest.hexdigest() != spec["sha256"]:
            detail = f"{name}: rows or checksum differ from the manifest"
            raise InputFileError(code="backup-damaged", file=str(file), detail=detail)


def _insert(
    conn: Connection, stmt: Any, chunk: list[dict[str, Any]], progress: Progress | None, total: int
) -> int:
    conn.execute(stmt, chunk)
    if progress:
        progress("restore", len(chunk), total)
    return len(chunk)


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
