"""What backup, restore and the integrity check share: the store's tables as the database has
them, a read snapshot on both backends, migrations to a given revision, database errors told
as chitieu's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, MetaData, event
from sqlalchemy.exc import DBAPIError, IntegrityError

from chitieu.store.faults import fault_of

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"


def reflect(conn: Connection, *, with_version: bool = False) -> MetaData:
    """Every table of the store's schema as the database has it (whatever migrations made
    them; the Alembic version table only if ``with_version``)."""
    meta = MetaData()
    meta.reflect(bind=conn)
    if not with_version and VERSION_TABLE in meta.tables:
        meta.remove(meta.tables[VERSION_TABLE])
    return meta


def own_transactions(engine: Engine, begin: str = "BEGIN") -> Engine:
    """SQLite: transactions begun by ``begin`` on a connection that leaves them to us, so a
    read transaction is one snapshot and DDL rolls back (pysqlite begins none before a SELECT
    or DDL by itself). Other backends: unchanged."""
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _no_implicit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in a read-only transaction that sees one state of the store: PostgreSQL's
    REPEATABLE READ (its snapshot is taken at the first statement), SQLite's read transaction
    (WAL: writers go on). ``engine`` must come from :func:`own_transactions` on SQLite."""
    conn = engine.connect()
    try:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            yield conn
    finally:
        conn.close()


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "chitieu.store:migrations")
    return cfg


def known_revisions() -> list[str]:
    """The revisions of this chitieu's migrations, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def migrate_to(conn: Connection, revision: str) -> None:
    """Run the migrations up to ``revision`` on ``conn``, inside its transaction."""
    from alembic import command

    cfg = _alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


@contextmanager
def db_errors(db: str) -> Iterator[None]:
    """Database failures as the :class:`StoreError` that names them (``store/faults.py``: a
    locked, full, read-only or damaged database, a server gone; exit 4). An integrity error
    (rows that break a key) is left to the caller."""
    try:
        yield
    except IntegrityError:
        raise
    except (DBAPIError, sqlite3.Error) as exc:
        fault = fault_of(exc, db)
        if fault is None:
            raise
        raise fault from exc
