"""Shared fixtures: a fresh store on SQLite and on PostgreSQL for every test that asks.

PostgreSQL tests run against ``CHITIEU_TEST_PG`` (default: the local server's ``test``
database); each test gets its own schema, dropped afterwards. If the server cannot be
reached the tests fail (CI starts it in ``.ci/run``), unless ``CHITIEU_SKIP_PG=1``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chitieu import open_store
from chitieu.store.values import Store

PG_URL = os.environ.get("CHITIEU_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # pragma: no cover - depends on the machine
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL, after checking the server answers."""
    problem = _pg_available()
    if problem:
        if os.environ.get("CHITIEU_SKIP_PG") == "1":
            pytest.skip(f"PostgreSQL not reachable ({problem}); CHITIEU_SKIP_PG=1")
        pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {problem}. Start it (see .ci/run).")
    return PG_URL


@contextmanager
def _schema(pg_server: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped at the end."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server else "?"
    try:
        yield f"{pg_server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with eng.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        eng.dispose()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped after the test."""
    with _schema(pg_server) as url:
        yield url


#: the parameters of a fixture made once per backend
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def backend_url(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory,
                name: str) -> Iterator[str]:  # fmt: skip
    """An empty database for a fixture of wider scope than a test, parametrised with
    :data:`BACKENDS` (``request.param``): a SQLite file, or a PostgreSQL schema dropped at the
    end."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp.mktemp(name) / f'{name}.db'}"
    else:
        with _schema(request.getfixturevalue("pg_server")) as url:
            yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chitieu.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An empty, migrated store on each backend (with the analytics model, as chitieu opens it)."""
    s = open_store(db_url)
    yield s
    s.engine.dispose()


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with the demo loaded once per session (read-only use!)."""
    from chitieu.demo.build import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    s = open_store(url)
    load_demo(s)
    s.engine.dispose()
    return url
