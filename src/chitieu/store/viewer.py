"""Viewer links of the conference board (table ``web_viewer_token`` of ``store/web_schema.py``,
migration 0019).

Only SQL here: tokens come digested (SHA-256) from ``web/viewer.py``; the token itself is shown
once, when the link is made, and never stored. A link grants one period's board, read-only;
revoking it is a flag (who and when), so the list keeps what was handed out. Every request of a
viewer looks its token up by digest (one indexed read), so a revocation holds at once in every
server process.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import insert, select, update

from chitieu.store.web_schema import viewer_token

if TYPE_CHECKING:
    from chitieu.store.values import Store

_v = viewer_token.c
_COLUMNS = (_v.id, _v.period, _v.label, _v.created_at, _v.created_by, _v.revoked,
            _v.revoked_at, _v.revoked_by)  # fmt: skip


class ViewerToken(NamedTuple):
    """A viewer link as stored (never the token itself)."""

    id: int
    period: str
    label: str
    created_at: datetime
    created_by: str
    revoked: bool
    revoked_at: datetime | None
    revoked_by: str | None


def _row(r: Sequence[Any]) -> ViewerToken:
    t = tuple(r)
    return ViewerToken(int(t[0]), t[1], t[2], t[3], t[4], bool(t[5]), t[6], t[7])


def add_viewer_token(
    store: Store, period: str, label: str, token_hash: str, at: datetime, by: str
) -> int:
    """Record a new viewer link of ``period``; its id."""
    q = insert(viewer_token).values(
        period=period, label=label[:200], token_hash=token_hash, created_at=at,
        created_by=by[:128], revoked=False,
    )  # fmt: skip
    with store.transaction() as conn:
        return int(conn.execute(q).inserted_primary_key[0])  # type: ignore[index]


def viewer_tokens(store: Store) -> list[ViewerToken]:
    """Every viewer link, newest first (revoked ones too)."""
    with store.read_conn() as conn:
        rows = conn.execute(select(*_COLUMNS).order_by(_v.id.desc())).all()
    return [_row(r) for r in rows]


def viewer_by_hash(store: Store, token_hash: str) -> ViewerToken | None:
    """The viewer link with this digest (None: no such token; it may be revoked)."""
    with store.read_conn() as conn:
        got = conn.execute(select(*_COLUMNS).where(_v.token_hash == token_hash)).first()
    return None if got is None else _row(got)


def revoke_viewer_token(store: Store, token_id: int, at: datetime, by: str) -> int:
    """Revoke a viewer link; how many rows changed (0: no such link, or revoked already)."""
    q = (
        update(viewer_token)
        .where(_v.id == token_id, _v.revoked.is_(False))
        .values(revoked=True, revoked_at=at, revoked_by=by[:128])
    )
    with store.transaction() as conn:
        return int(conn.execute(q).rowcount)
