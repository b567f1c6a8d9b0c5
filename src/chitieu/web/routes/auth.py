"""Signing in and out, the interface language, and the account page (password, API tokens).

Signing in is one step (the password), or two for an account with a second factor
(``workflow/totp.py``): the password right, the browser's cookie holds only a pending sign-in
(:data:`PENDING`: the account, when, where to go; no session yet), and ``/login/code`` asks for
the code. A wrong code counts toward the sign-in throttle as a wrong password does, and the
failures are forgotten only once the whole sign-in succeeded. An approver whose second factor
the settings require (``workflow/admin.py``) and who has none is sent to enrol
(``/account/2fa``, :data:`ENROL`) before any session starts.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chitieu.catalog.vocabulary import Role
from chitieu.errors import IdError
from chitieu.web import i18n
from chitieu.web.accounts import Account, AccountError
from chitieu.web.deps import (
    CSRF,
    SID,
    User,
    get_accounts,
    get_sessions,
    get_store,
    optional_user,
)
from chitieu.web.errors import Forbidden, NotFound, TooManyAttempts
from chitieu.web.i18n import N_, _
from chitieu.web.render import page
from chitieu.web.sessions import digest
from chitieu.workflow import totp
from chitieu.workflow.admin import second_factor_required

router = APIRouter(include_in_schema=False)
#: the cookie's key of a sign-in waiting for its code, and of one waiting for an enrolment
PENDING, ENROL = "pending_2fa", "enrol_2fa"
#: seconds a pending sign-in waits for its code or its enrolment
PENDING_SECONDS = 300


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), 303)  # type: ignore[return-value]
    return page(request, "login.html", next=safe_next(next), error=None, username="")


@router.post("/login", response_class=HTMLResponse, dependencies=[CSRF])
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (throttled per user name and address, and per address over every
    name, in every server process) and start a session kept in the store."""
    throttle, ip = request.app.state.throttle, _address(request)
    try:
        throttle.check(username, ip)
    except TooManyAttempts as exc:
        return _locked_out(request, "login.html", exc, next=safe_next(next), username=username)
    acc = get_accounts(request).authenticate(username, password)
    if acc is None:
        throttle.failed(username, ip)
        msg = _("Wrong user name or password, or the account is disabled.")
        return page(request, "login.html", 400, next=safe_next(next), error=msg, username=username)
    store = get_store(request)
    if totp.enrolled(store, acc.id):
        _hold(request, PENDING, acc, next)
        return RedirectResponse("/login/code", 303)
    if totp.may_enrol(acc) and second_factor_required(store, acc.role):
        _hold(request, ENROL, acc, next)
        return RedirectResponse("/account/2fa", 303)
    return signed_in(request, acc, next)


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _locked_out(request: Request, template: str, exc: TooManyAttempts, **ctx: object) -> Response:
    wait = int(exc.extra.get("retry_after", 60))
    msg = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {
        "minutes": wait // 60 + 1
    }
    response: Response = page(request, template, 429, error=msg, **ctx)
    response.headers["Retry-After"] = str(wait)
    return response


def _hold(request: Request, key: str, acc: Account, next: str) -> None:
    """Keep a sign-in whose password was right in the (signed) cookie until its second step;
    any session the browser had ends."""
    old = request.session.get(SID)
    if isinstance(old, str):
        get_sessions(request).end(old)
    request.session.clear()
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.session[key] = {"id": acc.id, "at": time.time(), "next": safe_next(next)}


def held(request: Request, key: str) -> tuple[Account, str] | None:
    """The account (still active) and the page to go to of a sign-in held for its second step
    (None: none, or older than :data:`PENDING_SECONDS`)."""
    got = request.session.get(key)
    if not isinstance(got, dict) or time.time() - float(got.get("at", 0)) > PENDING_SECONDS:
        return None
    acc = get_accounts(request).active(int(got.get("id", 0)))
    return None if acc is None else (acc, str(got.get("next", "/")))


def signed_in(request: Request, acc: Account, next: str) -> Response:
    """Start ``acc``'s session (its password, and its code if it has a second factor, were
    right) and go on to ``next``."""
    request.app.state.throttle.succeeded(acc.username, _address(request))
    old = request.session.get(SID)
    if isinstance(old, str):
        get_sessions(request).end(old)  # signing in again ends the session it replaces
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session[SID] = get_sessions(request).start(acc)
    request.session["csrf"] = secrets.token_urlsafe(32)
    response = RedirectResponse(safe_next(next), 303)
    if request.cookies.get("chitieu_lang") is None and acc.lang in i18n.LANGS:
        response.set_cookie("chitieu_lang", acc.lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request) -> Response:
    """The second step of signing in: the code of the authenticator app."""
    if held(request, PENDING) is None:
        return RedirectResponse("/login", 303)
    return page(request, "admin_login_code.html", error=None)


@router.post("/login/code", response_class=HTMLResponse, dependencies=[CSRF])
def sign_in_code(request: Request, code: Annotated[str, Form()] = "") -> Response:
    """Check the code (throttled with the passwords: a wrong code is a failed sign-in)."""
    got = held(request, PENDING)
    if got is None:
        return RedirectResponse("/login", 303)
    acc, nxt = got
    throttle, ip = request.app.state.throttle, _address(request)
    try:
        throttle.check(acc.username, ip)
    except TooManyAttempts as exc:
        return _locked_out(request, "admin_login_code.html", exc)
    if not totp.check(get_store(request), acc.id, code):
        throttle.failed(acc.username, ip)
        msg = _("The code is wrong, expired or used already. Type the code the app shows now.")
        return page(request, "admin_login_code.html", 400, error=msg)
    return signed_in(request, acc, nxt)


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request) -> RedirectResponse:
    """End the session: in the store (so a copy of the cookie is refused everywhere too), and
    in the browser."""
    sid = request.session.get(SID)
    if isinstance(sid, str):
        get_sessions(request).end(sid)
    request.session.clear()
    return RedirectResponse("/login", 303)


@router.get("/lang/{code}")
def set_language(request: Request, code: str, next: str = "/") -> RedirectResponse:
    """Switch the interface language (vi or en)."""
    response = RedirectResponse(safe_next(next), 303)
    if code in i18n.LANGS:
        response.set_cookie(
            "chitieu_lang",
            code,
            max_age=365 * 86400,
            samesite="lax",
            httponly=True,
            secure=bool(request.app.state.https),
        )
    return response


DONE = {
    "password": N_("Your password was changed; your other sessions were signed out."),
    "revoked": N_("The token was revoked."),
}


def _account_page(
    request: Request, user: User, status: int = 200, error: tuple[str, str] | None = None
) -> HTMLResponse:
    accounts = get_accounts(request)
    everyone = user.role == Role.ADMIN
    tokens = accounts.tokens(None if everyone else user.username)
    done = DONE.get(request.query_params.get("done", ""))
    return page(
        request,
        "account.html",
        status,
        tokens=tokens,
        everyone=everyone,
        sessions=get_sessions(request).count(user),
        done=_(done) if done else None,
        error=error,
    )


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: User) -> HTMLResponse:
    """The signed-in user's account: change the password; see and revoke API tokens (an
    administrator sees and may revoke everyone's)."""
    return _account_page(request, user)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[CSRF])
def change_password(
    request: Request,
    user: User,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Change one's own password: this session stays, every other session of the account ends."""
    sid = request.session.get(SID)
    keep = digest(sid) if isinstance(sid, str) else None
    try:
        get_accounts(request).change_password(user, current, new, repeat, keep_session=keep)
    except AccountError as exc:
        return _account_page(request, user, 400, exc.text(i18n.get_lang()))
    return RedirectResponse("/account?done=password", 303)  # type: ignore[return-value]


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse, dependencies=[CSRF])
def revoke_token(request: Request, user: User, token_id: int) -> HTMLResponse:
    """Revoke an API token: one's own, or anyone's for an administrator."""
    accounts = get_accounts(request)
    try:
        tok = accounts.token(token_id)
    except (AccountError, IdError):  # an id no token can have: not found either
        raise NotFound(_("There is no such token."), _("The list shows your tokens.")) from None
    if tok.username != user.username and user.role != Role.ADMIN:
        raise Forbidden(_("You may revoke only your own tokens."), _("Ask an administrator."))
    accounts.revoke_token(token_id, user.username)
    return RedirectResponse("/account?done=revoked", 303)  # type: ignore[return-value]
