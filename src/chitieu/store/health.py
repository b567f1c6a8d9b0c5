"""Whether the store answers: the one cheap query of the web server's readiness check
(``GET /readyz``). It reads the schema's revision, so it proves more than a connection: the
database is there, readable, and a chitieu store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from chitieu.store.values import Store

_REVISION = text("SELECT version_num FROM alembic_version")


def revision(store: Store) -> str:
    """The store's schema revision, read now (raises what the driver raises if it cannot)."""
    with store.read_conn() as conn:
        return str(conn.execute(_REVISION).scalar_one())
