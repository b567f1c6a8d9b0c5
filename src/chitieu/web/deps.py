"""Request dependencies: the store, the signed-in account, roles, unit scope and CSRF.

Every request that carries a bearer token or a session asks the store whether that token or
session is still valid (one read by its hash, ``accounts.by_token`` / ``sessions.visit``), so
a revocation, a sign-out or a session's timeout holds at once in every process.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import weakref
from collections.abc import Callable, Mapping
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from chitieu.catalog.vocabulary import Role
from chitieu.collect.limits import positive
from chitieu.store.values import Store
from chitieu.web.accounts import Account, Accounts
from chitieu.web.errors import Forbidden, NotAuthenticated
from chitieu.web.i18n import _
from chitieu.web.sessions import TOUCH_KEY, Sessions

#: the key of the session id in the session cookie
SID = "sid"


def get_store(request: Request) -> Store:
    """The value store the app serves."""
    return request.app.state.store


def get_accounts(request: Request) -> Accounts:
    """The account records."""
    return request.app.state.accounts


def get_sessions(request: Request) -> Sessions:
    """The server-side sessions."""
    return request.app.state.sessions


def bearer(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def optional_user(request: Request) -> Account | None:
    """The account behind the bearer token or the session cookie (None if anonymous); the
    store is asked whether the token or the session is still valid."""
    if hasattr(request.state, "account"):
        return request.state.account
    token = bearer(request)
    acc: Account | None = None
    if token is not None:
        acc = get_accounts(request).by_token(token)
        if acc is None:
            raise NotAuthenticated(
                _("The API token is not valid (unknown, revoked, or its account is disabled)."),
                _("Ask an administrator for a new token."),
            )
    elif request.session:
        sid = request.session.get(SID)
        if isinstance(sid, str):
            acc, touch = get_sessions(request).visit(sid)
            if touch is not None:  # written after the answer (sessions.SessionActivity)
                setattr(request.state, TOUCH_KEY, touch)
        if acc is None and sid is not None:
            request.session.clear()  # signed out, timed out or disabled: the cookie is dropped
    request.state.account = acc
    return acc


def _sign_in_first() -> NotAuthenticated:
    """The 401 of a request that names no valid account."""
    return NotAuthenticated(_("Sign in first."), _("Use your account or an API token."))


def _anonymous(request: Request) -> bool:
    """Whether a request carries neither a bearer token nor a session id (no look-up needed)."""
    return bearer(request) is None and SID not in request.session


async def current_user(request: Request) -> Account:
    """The signed-in account; 401 (or the sign-in page) for anonymous requests.

    An async dependency: FastAPI would run a sync one in its thread pool as a hand-over of its
    own; here the store is asked in the thread pool only when the request names a token or a
    session (the account's details then come from the per-process cache, ``ACCOUNT_TTL``).
    """
    if hasattr(request.state, "account"):
        acc = request.state.account
    elif _anonymous(request):
        acc = None
    else:
        acc = await run_in_threadpool(optional_user, request)
    if acc is None:
        raise _sign_in_first()
    return acc


User = Annotated[Account, Depends(current_user)]


class Caller:
    """Who sent the request, asked of the store when the endpoint calls :meth:`account`: in
    a sync endpoint that is its own thread, so a request makes one hand-over to the thread
    pool, not two (``current_user`` makes one of its own). For the routes that answer the
    most requests (a form's read and save over the API)."""

    __slots__ = ("request",)

    def __init__(self, request: Request) -> None:
        self.request = request

    def account(self) -> Account:
        """The signed-in account (as ``current_user``): 401 if none or no longer valid."""
        acc = optional_user(self.request)
        if acc is None:
            raise _sign_in_first()
        return acc


async def caller(request: Request) -> Caller:
    """The request's caller, not yet looked up; anonymous requests are refused here (401)."""
    if not hasattr(request.state, "account") and _anonymous(request):
        raise _sign_in_first()
    return Caller(request)


Signed = Annotated[Caller, Depends(caller)]

T = TypeVar("T")
#: threads of a worker process that run form reads and saves at the same time
FORM_THREADS = 4
#: their limiter, one per event loop (a server process runs one; tests may run several)
_FORM_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def form_threads(env: Mapping[str, str] | None = None) -> int:
    """``CHITIEU_FORM_THREADS`` of the environment (default :data:`FORM_THREADS`); a value that
    is not a positive whole number is refused when the app starts (``input-bad-limit``)."""
    text = (os.environ if env is None else env).get("CHITIEU_FORM_THREADS", "")
    return int(positive("CHITIEU_FORM_THREADS", text, int)) if text.strip() else FORM_THREADS


async def in_form_threads(request: Request, work: Callable[[], T]) -> T:
    """Run a form read or save in the thread pool, at most ``app.state.form_threads`` (from
    :func:`form_threads`) of them at once per process; the rest wait their turn in the event
    loop. Measured (docs/PERFORMANCE.md, web section): with anyio's 40 threads, 40 saves each
    make ten round trips to PostgreSQL, and every answer waits for Python's lock behind the
    others' CPU work; a few at once finish each sooner. Other routes keep the common pool, so
    a dashboard's recompute never waits behind saves."""
    loop = asyncio.get_running_loop()
    limiter = _FORM_LIMITERS.get(loop)
    if limiter is None:
        n = getattr(request.app.state, "form_threads", FORM_THREADS)
        limiter = _FORM_LIMITERS[loop] = anyio.CapacityLimiter(n)
    return await anyio.to_thread.run_sync(work, limiter=limiter)


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
    if request.url.path.startswith("/api/") and SID not in request.session:
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
