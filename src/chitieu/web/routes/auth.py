"""Signing in and out, and the interface language."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chitieu.web import i18n
from chitieu.web.deps import CSRF, get_accounts, optional_user
from chitieu.web.errors import TooManyAttempts
from chitieu.web.i18n import _
from chitieu.web.render import page

router = APIRouter(include_in_schema=False)


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
) -> HTMLResponse:
    """Check the password (throttled per user name and address) and start a session."""
    ip = request.client.host if request.client else "-"
    throttle = request.app.state.throttle
    try:
        throttle.check(username, ip)
    except TooManyAttempts as exc:
        msg = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {
            "minutes": int(exc.extra.get("retry_after", 60)) // 60 + 1
        }
        return page(request, "login.html", 429, next=safe_next(next), error=msg, username=username)
    acc = get_accounts(request).authenticate(username, password)
    if acc is None:
        throttle.failed(username, ip)
        msg = _("Wrong user name or password, or the account is disabled.")
        return page(request, "login.html", 400, next=safe_next(next), error=msg, username=username)
    throttle.succeeded(username, ip)
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session["uid"] = acc.id
    request.session["csrf"] = secrets.token_urlsafe(32)
    response = RedirectResponse(safe_next(next), 303)
    if request.cookies.get("chitieu_lang") is None and acc.lang in i18n.LANGS:
        response.set_cookie("chitieu_lang", acc.lang, max_age=365 * 86400, samesite="lax")
    return response  # type: ignore[return-value]


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request) -> RedirectResponse:
    """End the session."""
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
