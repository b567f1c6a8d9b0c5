"""Workflow actions (submit, approve, return, reopen) and the completeness/timeliness board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chitieu.catalog.forms import Form as ReportingForm
from chitieu.catalog.forms import forms
from chitieu.store.db import utcnow
from chitieu.web.board import build_board
from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.errors import Conflict, Forbidden, Invalid, NotFound
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.routes.entry import entry_page
from chitieu.web.scope import find_form, find_period, locate
from chitieu.web.submissions import TRANSITIONS, load_state, transition

router = APIRouter(include_in_schema=False)


@router.post(
    "/entry/{form}/{unit}/{period}/{action}", response_class=HTMLResponse, dependencies=[CSRF]
)
def act(  # type: ignore[no-untyped-def]
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    action: str,
    comment: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
):
    """Move the report through the workflow (the role, the unit and, to approve, the separation
    of duties are checked; a refusal is shown on the entry page with its status)."""
    if action not in TRANSITIONS:
        raise NotFound(_("Unknown action %(action)s.") % {"action": action})
    f, uid, p = locate(user, form, unit, period, write=True)
    store = get_store(request)
    state = load_state(store, f, uid, p)
    try:
        transition(store, user, state, action, comment, version or None)
    except (Invalid, Conflict, Forbidden) as exc:
        return entry_page(
            request,
            user,
            state,
            exc.http_status,
            report=exc.extra.get("report"),
            problem=exc.message,
            hint=exc.hint,
        )
    return RedirectResponse(f"/entry/{f.code}/{uid}/{p.id}?done={action}", 303)


def current_period(form: ReportingForm) -> str:
    """The latest period of the form's type that has ended (the one being reported)."""
    from chitieu.catalog.periods import parse_period

    today = utcnow().date()
    y = today.year
    candidates = {
        "year": [str(y - 1)],
        "half": [f"{y}S1", f"{y - 1}S2"],
        "quarter": [f"{y}Q{q}" for q in (3, 2, 1)] + [f"{y - 1}Q4"],
        "month": [f"{y}{m:02d}" for m in range(12, 0, -1)] + [f"{y - 1}12"],
    }[str(form.period_type)]
    for c in candidates:
        if parse_period(c).end < today:
            return c
    return candidates[-1]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: User) -> HTMLResponse:
    """The forms, the period being reported, and the account's units."""
    items = [(f, current_period(f)) for f in forms().values()]
    return page(request, "home.html", items=items)


@router.get("/board", response_class=HTMLResponse)
def board_pick(request: Request, user: User, form: str = "", period: str = ""):  # type: ignore[no-untyped-def]
    """Go to the board of the chosen (or first) form and period."""
    f = find_form(form) if form else next(iter(forms().values()))
    return RedirectResponse(f"/board/{f.code}/{period or current_period(f)}", 303)


@router.get("/board/{form}/{period}", response_class=HTMLResponse)
def board(request: Request, user: User, form: str, period: str) -> HTMLResponse:
    """Which units have reported, on time or late, and which are missing (own units only
    for a reporter)."""
    f = find_form(form)
    p = find_period(f, period)
    units = None if user.sees_all else [u for u in f.units_for(p) if user.can_read(u)]
    b = build_board(get_store(request), f, p, units)
    return page(request, "board.html", board=b, forms=forms())
