"""Administration in the browser (issue 19 item 4), for administrators only: each form's
approval levels and each round's deadline (overrides of the catalog's defaults, kept as the
reporting round keeps them: ``workflow/levels.py``, ``workflow/deadlines.py``), and the settings
that may change at run time (``workflow/admin.py``; the e-mail settings are the environment's,
shown read-only). Every change is audited by the core function that makes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chitieu.catalog.forms import forms
from chitieu.errors import ChitieuError
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, get_store
from chitieu.web.i18n import N_, _
from chitieu.web.render import page
from chitieu.web.routes.admin import Admin, action_words
from chitieu.web.scope import find_form
from chitieu.workflow import deadlines
from chitieu.workflow.admin import SETTINGS, recent, set_setting, setting
from chitieu.workflow.levels import levels_of_all, parse_levels, set_levels

router = APIRouter(include_in_schema=False)
DONE = {
    "levels": N_("The approval levels were changed."),
    "deadline": N_("The deadline was changed."),
    "setting": N_("The setting was changed."),
}
#: the run-time settings (``workflow/admin.py`` SETTINGS) and their choices as the page names them
SETTING_WORDS = {"require_2fa": N_("Require a second factor (TOTP) at sign-in of")}
CHOICE_WORDS = {
    "off": N_("nobody (each account may enrol on its own)"),
    "admins": N_("administrators"),
    "approvers": N_("everyone who approves: administrators, analysts, department heads"),
}
#: the e-mail settings of the environment (shown, never changed here; a password never shown)
SMTP_ENV = ("CHITIEU_SMTP_HOST", "CHITIEU_SMTP_PORT", "CHITIEU_SMTP_USER",
            "CHITIEU_SMTP_PASSWORD", "CHITIEU_SMTP_FROM", "CHITIEU_SMTP_STARTTLS",
            "CHITIEU_SMTP_TIMEOUT", "CHITIEU_BASE_URL")  # fmt: skip


def _done(request: Request) -> str | None:
    key = request.query_params.get("done", "")
    return _(DONE[key]) if key in DONE else None


def _forms_page(
    request: Request, status: int = 200, error: tuple[str, str] | None = None
) -> HTMLResponse:
    store = get_store(request)
    every = list(forms())
    over = deadlines.overrides(store)
    rows = [
        (f, [(str(r.round), r.deadline.days_after_end, over.get((f.code, str(r.round))))
             for r in f.rounds])
        for f in every
    ]  # fmt: skip
    return page(
        request,
        "admin_forms.html",
        status,
        rows=rows,
        levels=levels_of_all(store, every),
        events=[e for e in recent(store, 40) if e.action in ("levels", "deadline")][:20],
        action_words=action_words(),
        done=_done(request),
        error=error,
    )


@router.get("/admin/forms", response_class=HTMLResponse)
def forms_page(request: Request, user: Admin) -> HTMLResponse:
    """Every form: its approval levels and each round's deadline, the catalog's and in force."""
    return _forms_page(request)


def _apply(request: Request, done: str, work: Callable[[], object]) -> Response:
    try:
        work()
    except ChitieuError as exc:
        return _forms_page(request, exc.http_status, exc.text(i18n.get_lang()))
    return RedirectResponse(f"/admin/forms?done={done}", 303)


@router.post("/admin/forms/{form}/levels", response_class=HTMLResponse, dependencies=[CSRF])
def change_levels(
    request: Request,
    user: Admin,
    form: str,
    levels: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Set a form's approval levels (1 or 2; empty: the catalog's), as the API's PUT does."""
    f = find_form(form)
    store = get_store(request)
    return _apply(
        request,
        "levels",
        lambda: set_levels(store, user, f, parse_levels(levels), comment.strip() or None),
    )


@router.post("/admin/forms/{form}/deadline", response_class=HTMLResponse, dependencies=[CSRF])
def change_deadline(
    request: Request,
    user: Admin,
    form: str,
    round: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Set a round's deadline in days after the period's end (empty: the catalog's)."""
    f = find_form(form)
    store = get_store(request)

    def work() -> None:
        n = deadlines.parse_days(days)
        deadlines.set_deadline(store, user, f, round, n, comment.strip() or None)

    return _apply(request, "deadline", work)


def _settings_page(
    request: Request, user: Account, status: int = 200, error: tuple[str, str] | None = None
) -> HTMLResponse:
    import os

    store = get_store(request)
    smtp = [
        (name, ("••••••" if "PASSWORD" in name and os.environ.get(name) else os.environ.get(name)))
        for name in SMTP_ENV
    ]
    return page(
        request,
        "admin_settings.html",
        status,
        settings=[(s, setting(store, s.name)) for s in SETTINGS.values()],
        smtp=smtp,
        events=recent(store, 30),
        action_words=action_words(),
        setting_words={k: _(v) for k, v in SETTING_WORDS.items()},
        choice_words={k: _(v) for k, v in CHOICE_WORDS.items()},
        done=_done(request),
        error=error,
    )


@router.get("/admin/settings", response_class=HTMLResponse)
def settings_page(request: Request, user: Admin) -> HTMLResponse:
    """The settings an administrator may change at run time; the environment's e-mail
    settings; the newest administrative changes (the audit)."""
    return _settings_page(request, user)


@router.post("/admin/settings", response_class=HTMLResponse, dependencies=[CSRF])
def change_setting(
    request: Request,
    user: Admin,
    name: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    """Change one run-time setting (audited)."""
    try:
        set_setting(get_store(request), user, name, value)
    except ChitieuError as exc:
        return _settings_page(request, user, exc.http_status, exc.text(i18n.get_lang()))
    return RedirectResponse("/admin/settings?done=setting", 303)
