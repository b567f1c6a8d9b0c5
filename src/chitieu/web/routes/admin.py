"""Administration in the browser (issue 19 item 4), for administrators only: accounts (add,
disable and enable, reset the password, role and units, remove a lost second factor) and API
tokens (issue — shown once —, list, revoke). Every change goes through the core's functions
(``workflow/accounts.py``, the CLI's too) and is audited there (``workflow/admin.py``); every
form carries the session's CSRF token. Forms, deadlines and settings: ``admin_forms.py``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chitieu import clock
from chitieu.catalog.units import registry
from chitieu.catalog.vocabulary import Role
from chitieu.errors import ChitieuError, IdError
from chitieu.web import i18n
from chitieu.web.accounts import Account, AccountError
from chitieu.web.deps import CSRF, admin_user, get_accounts, get_store
from chitieu.web.errors import NotFound
from chitieu.web.i18n import N_, _
from chitieu.web.render import page
from chitieu.workflow import totp
from chitieu.workflow.admin import recent

router = APIRouter(include_in_schema=False)
Admin = Annotated[Account, Depends(admin_user)]
ROLES = tuple(str(r) for r in Role)
DONE = {
    "added": N_("The account was created."),
    "role": N_("The role and units were changed."),
    "enabled": N_("The account was enabled."),
    "disabled": N_("The account was disabled: its sessions ended and its tokens were revoked."),
    "password": N_("The password was reset; the account's sessions were signed out."),
    "2fa": N_("The second factor was removed; the account enrols again at its next sign-in."),
    "revoked": N_("The token was revoked."),
}


#: the audit's actions (``workflow/admin.py`` ACTIONS) as the pages name them
ACTION_WORDS = {
    "user-add": N_("account added"),
    "user-disable": N_("account disabled"),
    "user-enable": N_("account enabled"),
    "user-role": N_("role or units changed"),
    "user-password": N_("password reset"),
    "token-add": N_("token issued"),
    "token-revoke": N_("token revoked"),
    "levels": N_("approval levels"),
    "deadline": N_("deadline"),
    "setting": N_("setting"),
    "2fa-enrol": N_("second factor on"),
    "2fa-remove": N_("second factor removed"),
}


def action_words() -> dict[str, str]:
    """The audit's actions in the page's language."""
    return {k: _(v) for k, v in ACTION_WORDS.items()}


def _done(request: Request) -> str | None:
    key = request.query_params.get("done", "")
    return _(DONE[key]) if key in DONE else None


def _units(chosen: list[str]) -> list[str]:
    """The units chosen in the list (ids), or typed as ids, codes or names separated by commas
    (a client without the list)."""
    return [u.strip() for text in chosen for u in text.replace(";", ",").split(",") if u.strip()]


def unit_options(own: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The provinces an account may be bound to, by name in the page's language (and the
    account's own units, even a province merged since)."""
    reg = registry()
    lang = i18n.get_lang()
    ids = {u.id for u in reg.provinces(clock.today())} | set(own)
    label = {u: reg.get(u).name if lang == "vi" else reg.get(u).name_en for u in ids}
    return sorted(label.items(), key=lambda kv: kv[1])


def _users_page(
    request: Request, user: Account, status: int = 200, error: tuple[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    store = get_store(request)
    return page(
        request,
        "admin_users.html",
        status,
        accounts=get_accounts(request).list(),
        second=totp.enrolled_ids(store),
        roles=ROLES,
        units=unit_options(),
        events=recent(store, 20),
        action_words=action_words(),
        done=_done(request),
        error=error,
        form=form or {},
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> HTMLResponse:
    """Every account: its role, units, state and second factor; a form to add one."""
    return _users_page(request, user)


@router.post("/admin/users", response_class=HTMLResponse, dependencies=[CSRF])
def add_user(
    request: Request,
    user: Admin,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "reporter",
    units: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> Response:
    """Create an account (the same rules as ``chitieu users add``)."""
    try:
        get_accounts(request).add(
            username, password, role, display_name=display_name.strip() or None,
            units=_units(units or []), email=email, by=user.username,
        )  # fmt: skip
    except AccountError as exc:
        typed = {"username": username, "display_name": display_name, "role": role,
                 "units": _units(units or []), "email": email}  # fmt: skip
        return _users_page(request, user, 400, exc.text(i18n.get_lang()), typed)
    return RedirectResponse("/admin/users?done=added", 303)


def _target(request: Request, username: str) -> Account:
    acc = get_accounts(request).by_username(username)
    if acc is None:
        raise NotFound(_("There is no such account."), _("The list shows every account."))
    return acc


def _user_page(
    request: Request, user: Account, acc: Account, status: int = 200,
    error: tuple[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    store = get_store(request)
    return page(
        request,
        "admin_user.html",
        status,
        acc=acc,
        roles=ROLES,
        units=unit_options(acc.units),
        second=totp.enrolled(store, acc.id),
        tokens=get_accounts(request).tokens(acc.username),
        events=recent(store, 20, acc.username),
        action_words=action_words(),
        done=_done(request),
        error=error,
    )


@router.get("/admin/users/{username}", response_class=HTMLResponse)
def user_page(request: Request, user: Admin, username: str) -> HTMLResponse:
    """One account: change its role and units, disable or enable it, reset its password."""
    return _user_page(request, user, _target(request, username))


def _change(request: Request, user: Account, acc: Account, done: str, work: Any) -> Response:
    """Run one change of ``acc``; its page again with the error, or on to it with ``done``."""
    try:
        work()
    except ChitieuError as exc:
        fresh = _target(request, acc.username)
        return _user_page(request, user, fresh, exc.http_status, exc.text(i18n.get_lang()))
    return RedirectResponse(f"/admin/users/{acc.username}?done={done}", 303)


def _not_self(user: Account, acc: Account) -> None:
    if user.id == acc.id:
        from chitieu.workflow.errors import WorkflowForbidden

        raise WorkflowForbidden("admin-self")


@router.post("/admin/users/{username}/role", response_class=HTMLResponse, dependencies=[CSRF])
def change_role(
    request: Request,
    user: Admin,
    username: str,
    role: Annotated[str, Form()] = "",
    units: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Give the account another role and/or other units."""
    acc = _target(request, username)

    def work() -> None:
        if role != acc.role:
            _not_self(user, acc)
        chosen = _units(units or [])
        get_accounts(request).set_role_units(acc.username, role, chosen, by=user.username)

    return _change(request, user, acc, "role", work)


@router.post("/admin/users/{username}/active", response_class=HTMLResponse, dependencies=[CSRF])
def set_active(
    request: Request, user: Admin, username: str, active: Annotated[str, Form()] = ""
) -> Response:
    """Disable the account (its sessions end, its tokens are revoked) or enable it again."""
    acc = _target(request, username)
    on = active == "1"

    def work() -> None:
        if not on:
            _not_self(user, acc)
        get_accounts(request).set_active(acc.username, on, by=user.username)

    return _change(request, user, acc, "enabled" if on else "disabled", work)


@router.post("/admin/users/{username}/password", response_class=HTMLResponse, dependencies=[CSRF])
def reset_password(
    request: Request, user: Admin, username: str, password: Annotated[str, Form()] = ""
) -> Response:
    """Give the account a new password (to be told to its owner); its sessions end."""
    acc = _target(request, username)

    def work() -> None:
        get_accounts(request).set_password(acc.username, password, by=user.username)

    return _change(request, user, acc, "password", work)


@router.post("/admin/users/{username}/2fa/remove", response_class=HTMLResponse, dependencies=[CSRF])
def remove_second_factor(request: Request, user: Admin, username: str) -> Response:
    """Remove the account's second factor (a lost phone); it enrols again when required."""
    acc = _target(request, username)
    return _change(request, user, acc, "2fa", lambda: totp.remove(get_store(request), user, acc))


def _tokens_page(
    request: Request, status: int = 200, error: tuple[str, str] | None = None,
    issued: tuple[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    accounts = get_accounts(request)
    return page(
        request,
        "admin_tokens.html",
        status,
        tokens=accounts.tokens(),
        accounts=[a for a in accounts.list() if a.active],
        issued=issued,
        done=_done(request),
        error=error,
    )


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, user: Admin) -> HTMLResponse:
    """Every API token (never the token itself): issue one, revoke one."""
    return _tokens_page(request)


@router.post("/admin/tokens", response_class=HTMLResponse, dependencies=[CSRF])
def issue_token(
    request: Request,
    user: Admin,
    username: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Issue a token for an account: shown on this answer only (only its hash is kept), never
    stored by the browser (the answer is not cached)."""
    try:
        token = get_accounts(request).add_token(username, label.strip() or "api", by=user.username)
    except AccountError as exc:
        return _tokens_page(request, 400, exc.text(i18n.get_lang()))
    response = _tokens_page(request, issued=(username.strip().lower(), token))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse, dependencies=[CSRF])
def revoke(request: Request, user: Admin, token_id: int) -> Response:
    """Revoke a token: refused at once by every server process."""
    accounts = get_accounts(request)
    try:
        accounts.revoke_token(token_id, user.username)
    except (AccountError, IdError):
        raise NotFound(_("There is no such token."), _("The list shows every token.")) from None
    return RedirectResponse("/admin/tokens?done=revoked", 303)
