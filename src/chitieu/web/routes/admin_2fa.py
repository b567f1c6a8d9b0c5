"""The second factor in the browser (``/account/2fa``): enrol (a secret shown once, as text and
as the ``otpauth://`` URI an authenticator app reads — no QR library is available offline, so
no picture), confirm with the first code, remove (with a current code). An approver whose
second factor the settings require comes here from the sign-in page before any session starts
(``auth.ENROL``); the confirmed enrolment starts the session. The rules: ``workflow/totp.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chitieu.errors import ChitieuError
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, get_store, optional_user
from chitieu.web.errors import Forbidden, NotAuthenticated, TooManyAttempts
from chitieu.web.i18n import N_, _
from chitieu.web.render import page
from chitieu.web.routes.auth import ENROL, held, signed_in
from chitieu.workflow import totp
from chitieu.workflow.admin import second_factor_required

router = APIRouter(include_in_schema=False)
DONE = {
    "enrolled": N_("The second factor is on: signing in asks for a code from now on."),
    "removed": N_("The second factor was removed."),
}


def _who(request: Request) -> tuple[Account, str | None]:
    """The signed-in account, or the one held at sign-in to enrol (then the page to go to
    after); the sign-in page for anyone else, 403 for roles without a second factor."""
    acc = optional_user(request)
    nxt = None
    if acc is None:
        got = held(request, ENROL)
        if got is None:
            raise NotAuthenticated(_("Sign in first."), _("Use your account."))
        acc, nxt = got
    if not totp.may_enrol(acc):
        raise Forbidden(
            _("Your role does not use a second factor."),
            _("It is for administrators, analysts and department heads."),
        )
    return acc, nxt


def _page(
    request: Request, acc: Account, nxt: str | None, status: int = 200,
    error: tuple[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    store = get_store(request)
    key = request.query_params.get("done", "")
    return page(
        request,
        "admin_2fa.html",
        status,
        acc=acc,
        enrolling=nxt is not None,
        enrolled=totp.enrolled(store, acc.id),
        pending=totp.pending(store, acc),
        required=second_factor_required(store, acc.role),
        done=_(DONE[key]) if key in DONE else None,
        error=error,
    )


@router.get("/account/2fa", response_class=HTMLResponse)
def second_factor_page(request: Request) -> HTMLResponse:
    """Whether the account has a second factor; enrol or remove it."""
    acc, nxt = _who(request)
    return _page(request, acc, nxt)


@router.post("/account/2fa/start", response_class=HTMLResponse, dependencies=[CSRF])
def start(request: Request) -> Response:
    """Make a new secret to enrol (shown on the page until it is confirmed)."""
    acc, nxt = _who(request)
    try:
        totp.start(get_store(request), acc)
    except ChitieuError as exc:
        return _page(request, acc, nxt, exc.http_status, exc.text(i18n.get_lang()))
    return RedirectResponse("/account/2fa#confirm", 303)


def _wrong() -> tuple[str, str]:
    from chitieu.catalog.messages import error_text

    return error_text("totp-code-wrong", {}, i18n.get_lang())


def _code_ok(request: Request, acc: Account, good: Callable[[], bool]) -> tuple[str, str] | None:
    """Check a code as signing in does: refused while the account is locked out, a wrong one
    counted as a failed sign-in. None if ``good()``, else what to tell."""
    throttle, ip = request.app.state.throttle, request.client.host if request.client else "-"
    try:
        throttle.check(acc.username, ip)
    except TooManyAttempts:
        return _("Too many failed sign-ins. Try again later."), ""
    if good():
        return None
    throttle.failed(acc.username, ip)
    return _wrong()


@router.post("/account/2fa/confirm", response_class=HTMLResponse, dependencies=[CSRF])
def confirm(request: Request, code: Annotated[str, Form()] = "") -> Response:
    """Enrol with the first code the app shows; a sign-in held for enrolment goes on."""
    acc, nxt = _who(request)
    store = get_store(request)
    error = _code_ok(request, acc, lambda: totp.confirm(store, acc, code))
    if error is not None:
        return _page(request, acc, nxt, 400, error)
    if nxt is not None:
        return signed_in(request, acc, nxt)
    return RedirectResponse("/account/2fa?done=enrolled", 303)


@router.post("/account/2fa/remove", response_class=HTMLResponse, dependencies=[CSRF])
def remove(request: Request, code: Annotated[str, Form()] = "") -> Response:
    """Remove one's second factor: a current code proves the phone is at hand."""
    acc, nxt = _who(request)
    store = get_store(request)
    error = _code_ok(request, acc, lambda: nxt is None and totp.check(store, acc.id, code))
    if error is not None:
        return _page(request, acc, nxt, 400, error)
    totp.remove(store, acc, acc)
    return RedirectResponse("/account/2fa?done=removed", 303)
