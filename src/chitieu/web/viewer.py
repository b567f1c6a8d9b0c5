"""Viewer links of the conference board: a read-only token for a connection point ("điểm
cầu") that has no account.

A link grants one period's board (``/conference/{period}``, its event stream and the static
files every page loads), nothing else: the token is accepted by those two routes only, and it
reads as a ``viewer`` account (reads every unit, changes nothing). The token is shown once,
when the link is made (``chitieu conference link``); the store keeps its SHA-256
(``store/viewer.py``). Revoking a link holds at the next request and at the next heartbeat of
an open stream, in every server process. A viewer link is no session: the session idle timeout
does not apply to it (issue 22 item 6); the board runs for hours on a connection point's screen.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from chitieu import clock
from chitieu.catalog.messages import error_text
from chitieu.catalog.vocabulary import Role
from chitieu.errors import Forbidden, NotFound
from chitieu.store import viewer as repo
from chitieu.store.values import Store
from chitieu.store.viewer import ViewerToken
from chitieu.web.accounts import Account

#: where the links point when ``CHITIEU_BASE_URL`` is not set (``chitieu serve``'s default)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: the query parameter that carries a viewer token
TOKEN_PARAM = "token"


def base_url(env: dict[str, str] | None = None) -> str:
    """The server's address as the connection points reach it (``CHITIEU_BASE_URL``)."""
    got = (os.environ if env is None else env).get("CHITIEU_BASE_URL", "").strip()
    return (got or DEFAULT_BASE_URL).rstrip("/")


def digest(token: str) -> str:
    """What the store keeps of a viewer token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    """A new viewer link: its id, its token (shown once) and its address."""

    id: int
    period: str
    label: str
    token: str
    url: str


def make_link(store: Store, period: str, label: str, by: str, base: str | None = None) -> Link:
    """A new viewer link of ``period`` (only the token's digest is stored)."""
    token = secrets.token_urlsafe(24)
    at = clock.now()
    got = repo.add_viewer_token(store, period, label or period, digest(token), at, by)
    url = f"{base or base_url()}/conference/{period}?{TOKEN_PARAM}={token}"
    return Link(got, period, label or period, token, url)


def links(store: Store) -> list[ViewerToken]:
    """Every viewer link, newest first."""
    return repo.viewer_tokens(store)


def revoke(store: Store, token_id: int, by: str) -> None:
    """Revoke a viewer link (a link revoked already, or none with that id: 404)."""
    if repo.revoke_viewer_token(store, token_id, clock.now(), by) == 0:
        known = any(t.id == token_id for t in repo.viewer_tokens(store))
        if not known:
            raise NotFound(code="viewer-link-not-found", id=token_id)


def _both(code: str, **params: object) -> Forbidden:
    """A refusal told in Vietnamese and English at once: a connection point's screen has no
    language chosen, and its operator may read either."""
    vi, en = error_text(code, params, "vi"), error_text(code, params, "en")
    return Forbidden(f"{vi[0]} / {en[0]}", f"{vi[1]} / {en[1]}")


def viewer_account(store: Store, token: str, period: str) -> Account:
    """The read-only account a viewer token of ``period`` stands for; 403 (in both languages)
    for an unknown or revoked token, or one of another period."""
    got = repo.viewer_by_hash(store, digest(token))
    if got is None:
        raise _both("viewer-link-unknown")
    if got.revoked:
        raise _both("viewer-link-revoked")
    if got.period != period:
        raise _both("viewer-link-period", period=got.period)
    return Account(-got.id, f"viewer-link-{got.id}", got.label, Role.VIEWER)


def still_valid(store: Store, token: str) -> bool:
    """Whether a viewer token is still good (an open stream asks at each heartbeat)."""
    got = repo.viewer_by_hash(store, digest(token))
    return got is not None and not got.revoked
