"""A user's saved dashboard views (table ``web_saved_view``, migration 0013): a name and the
view's URL query. Only SQL here; ``web/routes/dashboard_views.py`` checks what is saved."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import delete, insert, select, update

from chitieu.store.web_schema import saved_view

if TYPE_CHECKING:
    from chitieu.store.values import Store

_v = saved_view.c


class SavedView(NamedTuple):
    """One saved view."""

    id: int
    name: str
    query: str
    created_at: datetime


def views_of(store: Store, account_id: int) -> list[SavedView]:
    """The account's views, by name."""
    q = select(_v.id, _v.name, _v.query, _v.created_at).where(_v.account_id == account_id)
    with store.read_conn() as conn:
        rows = conn.execute(q.order_by(_v.name)).all()
    return [SavedView(int(r[0]), r[1], r[2], r[3]) for r in rows]


def save_view(store: Store, account_id: int, name: str, query: str, now: datetime) -> int:
    """Save ``query`` under ``name`` (a view of that name is replaced); its id."""
    with store.transaction() as conn:
        got = conn.execute(
            select(_v.id).where(_v.account_id == account_id, _v.name == name)
        ).scalar()
        if got is not None:
            conn.execute(update(saved_view).where(_v.id == got).values(query=query, created_at=now))
            return int(got)
        row = {"account_id": account_id, "name": name, "query": query, "created_at": now}
        key = conn.execute(insert(saved_view).values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])


def delete_view(store: Store, account_id: int, view_id: int) -> int:
    """Delete one of the account's views; rows deleted (0 if it was not the account's)."""
    with store.transaction() as conn:
        q = delete(saved_view).where(_v.id == view_id, _v.account_id == account_id)
        return int(conn.execute(q).rowcount)
