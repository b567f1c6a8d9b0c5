"""store: every SQL statement of chitieu, behind the value store and its repositories.

The rest of chitieu types its handles on the store with two names from here, never ``Any``:
``Conn``, a database connection inside one of the store's transactions (what a hook run
inside a write, e.g. ``Store.write(in_transaction=...)``, is given), and ``StoreLike``, the
value store itself. Both are aliases read by the type checker only: importing this package
loads neither SQLAlchemy nor the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from chitieu.store.values import Store

#: a connection inside one of the store's transactions
Conn: TypeAlias = "Connection"
#: the value store (``chitieu.store.values.Store``)
StoreLike: TypeAlias = "Store"

__all__ = ["Conn", "StoreLike"]
