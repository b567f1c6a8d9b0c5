"""Opening the store: the database URL, the engine, and Alembic migrations."""

from __future__ import annotations

import atexit
import os
import select
import weakref
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, DisconnectionError, OperationalError, SQLAlchemyError

from chitieu.errors import StoreError
from chitieu.store.locks import sqlite_file_lock

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_DB_FILE = "chitieu.db"

#: newest migration in migrations/versions (a test checks it against Alembic's head);
#: knowing it lets an up-to-date database open without importing Alembic (0,3 s a command)
SCHEMA_REVISION = "0020"


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an ``INSERT`` made."""
    key = result.inserted_primary_key
    if key is None:  # only an executemany has none; every caller inserts one row
        raise StoreError("An insert returned no primary key.", "Report this as a bug.")
    return int(key[0])


def database_url(url: str | None = None) -> str:
    """``url``, else ``CHITIEU_DB``, else an SQLite file in the working directory."""
    url = url or os.environ.get("CHITIEU_DB") or f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # Use psycopg 3, the driver chitieu ships with, unless the URL names another.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def database_exists(url: str | None = None) -> bool:
    """Whether the store at ``url`` exists: an SQLite file that is there, or any server URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(database_url(url))
    if parsed.get_backend_name() != "sqlite":
        return True
    name = parsed.database or ""
    return name not in ("", ":memory:") and Path(name).exists()


def utcnow() -> datetime:
    """The current time in UTC, naive (the store keeps UTC throughout)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: index upkeep and range scans on big stores
    cur.close()


def _closed_by_server(dbapi_conn: Any) -> bool:
    """Whether the server has closed this idle connection (PostgreSQL, psycopg).

    An idle connection receives nothing unless the server ends it (a restart, an
    administrator's ``pg_terminate_backend``, an idle timeout: its last message, then the end
    of the stream) or sends a notice. So a look at the socket (no round trip, about a
    microsecond) finds a connection that died in the pool, where a ping (``pool_pre_ping``)
    would cost a round trip on every check-out; what is there is read, and the connection is
    dead if the reading meets the end of the stream."""
    pgconn = getattr(dbapi_conn, "pgconn", None)
    if pgconn is None:
        return False
    try:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
        for _ in range(4):  # a notice or two, then the server's goodbye and the end
            if not poller.poll(0):
                return False
            pgconn.consume_input()
            if pgconn.status != 0:  # CONNECTION_OK
                return True
    except Exception:  # the socket is gone, or reading it met the end: dead
        return True
    return False


def _alive_at_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server has closed is replaced as it is checked out, before
    anything is sent on it (SQLAlchemy's pool reconnects on ``DisconnectionError``): the first
    request after PostgreSQL dropped its connections no longer fails. A connection that dies
    after this look fails its statement, which is never sent again (it may have run)."""
    if _closed_by_server(dbapi_conn):
        raise DisconnectionError("the server closed this pooled connection while it was idle")


def make_engine(url: str | None = None) -> Engine:
    """An engine for the store at ``url`` (see :func:`database_url`)."""
    url = database_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            # The web server runs up to 40 requests at a time per process; with SQLAlchemy's
            # default pool (5 kept, 10 more opened and closed on demand) a busy server kept
            # opening PostgreSQL connections (a new server process each) and queueing for them.
            engine = create_engine(url, pool_pre_ping=False, pool_size=10, max_overflow=20)
            event.listen(engine, "checkout", _alive_at_checkout)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(
            f"cannot use database '{url}': {exc}",
            "give an SQLAlchemy URL such as sqlite:///chitieu.db or "
            "postgresql://user@host/dbname with --db or CHITIEU_DB",
        ) from exc
    _ENGINES.add(engine)
    return engine


#: every engine made here, closed at exit (a program that ends with ``os._exit`` still says
#: goodbye to PostgreSQL instead of dropping the connection, and SQLite checkpoints its WAL)
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


@atexit.register
def dispose_engines() -> None:
    """Close the pooled connections of every engine still alive."""
    for engine in list(_ENGINES):
        engine.dispose()


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "chitieu.store:migrations")
    return cfg


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return _revision(conn)


def head_revision() -> str:
    """Alembic's head revision, read from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest revision."""
    try:
        if current_revision(engine) == SCHEMA_REVISION:
            return  # up to date: Alembic is not even imported
        from alembic import command

        # one migrating process at a time (server processes start together on a new database)
        sqlite = engine.dialect.name == "sqlite"
        lock = sqlite_file_lock(engine.url.database or "") if sqlite else nullcontext()
        with lock, engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(6868463961092452)"))
            if _revision(conn) == SCHEMA_REVISION:
                return  # another process migrated while this one waited
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except (OperationalError, DatabaseError) as exc:
        from chitieu.store.faults import fault_of

        # what went wrong, named: a read-only or corrupt file, a server that is not there …
        raise (fault_of(exc, engine.url.render_as_string()) or StoreError(
            f"cannot open or migrate the database {engine.url.render_as_string()}: {exc.orig}",
            "check the URL (--db or CHITIEU_DB)",
        )) from exc  # fmt: skip


def table_names(engine: Engine) -> list[str]:
    """Tables present in the database (for diagnostics)."""
    return inspect(engine).get_table_names()
