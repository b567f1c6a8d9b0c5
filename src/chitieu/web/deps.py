"""Request dependencies: the store, the signed-in account, roles, unit scope and CSRF."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from chitieu.catalog.vocabulary import Role
from chitieu.store.values import Store
from chitieu.web.accounts import Account, Accounts
from chitieu.web.errors import Forbidden, NotAuthenticated
from chitieu.web.i18n import _


def get_store(request: Request) -> Store:
    """The value store the app serves."""
    return request.app.state.store  # type: ignore[no-any-return]


def get_accounts(request: Request) -> Accounts:
    """The account records."""
    return request.app.state.accounts  # type: ignore[no-any-return]


def bearer(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def optional_user(request: Request) -> Account | None:
    """The account behind the bearer token or the session cookie (None if anonymous)."""
    if hasattr(request.state, "account"):
        return request.state.account  # type: ignore[no-any-return]
    accounts = get_accounts(request)
    token = bearer(request)
    acc: Account | None = None
    if token is not None:
        acc = accounts.by_token(token)
        if acc is None:
            raise NotAuthenticated(_("The API token is not valid."), _("Ask an administrator."))
    else:
        uid = request.session.get("uid")
        if uid is not None:
            acc = accounts.get(int(uid))
            if acc is None or not acc.active:
                request.session.clear()
                acc = None
    request.state.account = acc
    return acc


def _cached_user(request: Request) -> Account | None:
    """The request's account if this process looked its token or session up moments ago."""
    if hasattr(request.state, "account"):
        return request.state.account  # type: ignore[no-any-return]
    accounts = get_accounts(request)
    token = bearer(request)
    if token is not None:
        acc = accounts.cached(token=token)
    else:
        uid = request.session.get("uid")
        acc = accounts.cached(account_id=int(uid)) if uid is not None else None
    if acc is not None:
        request.state.account = acc
    return acc


async def current_user(request: Request) -> Account:
    """The signed-in account; 401 (or the sign-in page) for anonymous requests.

    An async dependency: FastAPI runs sync ones in its thread pool, a hand-over that cost more
    than the look-up. An account seen in the last few seconds comes from the cache
    (``accounts.ACCOUNT_TTL``); otherwise the database is asked in the thread pool.
    """
    acc = _cached_user(request) or await run_in_threadpool(optional_user, request)
    if acc is None:
        raise NotAuthenticated(_("Sign in first."), _("Use your account or an API token."))
    return acc


User = Annotated[Account, Depends(current_user)]


def ministry_user(user: User) -> Account:
    """Admins and analysts only."""
    if not user.is_ministry:
        raise Forbidden(_("Only the ministry's analysts may do this."), user.role)
    return user


def admin_user(user: User) -> Account:
    """Admins only."""
    if user.role != Role.ADMIN:
        raise Forbidden(_("Only administrators may do this."), user.role)
    return user


def require_read(user: Account, unit: str) -> None:
    """403 unless ``user`` may read ``unit``'s data."""
    if not user.can_read(unit):
        raise Forbidden(_("You may not see this unit's data."), unit)


def require_write(user: Account, unit: str) -> None:
    """403 unless ``user`` may change ``unit``'s data."""
    if not user.can_write(unit):
        raise Forbidden(_("You may not change this unit's data."), unit)


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    tok = request.session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        request.session["csrf"] = tok
    return str(tok)


async def csrf_protect(request: Request) -> None:
    """Refuse a cookie-authenticated POST whose form field or header lacks the CSRF token."""
    if bearer(request) is not None:
        return  # bearer tokens are not sent by browsers on their own
    if request.url.path.startswith("/api/") and "uid" not in request.session:
        return  # no session to ride on: the account check answers 401
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf_token")  # type: ignore[assignment]
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden(
            _("The form has expired or did not come from this site."),
            _("Reload the page and try again."),
        )


CSRF = Depends(csrf_protect)
