"""Workflow actions (submit, accept, approve, return, reopen, reply), the home page (what is due
next, waiting or overdue) and the completeness board. The rules are the workflow's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chitieu import clock
from chitieu.catalog.forms import forms
from chitieu.check.completeness import form_status
from chitieu.errors import Conflict, Forbidden, Invalid
from chitieu.web import i18n
from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.errors import NotFound
from chitieu.web.render import page
from chitieu.web.routes.entry import Shown, entry_page, url_of
from chitieu.web.scope import find_form, find_period, find_round, locate_report
from chitieu.workflow.agenda import agenda
from chitieu.workflow.transitions import ACTIONS, transition

router = APIRouter(include_in_schema=False)


@router.post(
    "/entry/{form}/{unit}/{period}/{action}", response_class=HTMLResponse, dependencies=[CSRF]
)
def act(
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    action: str,
    comment: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    round: str | None = None,
) -> Response:
    """Move the report through the workflow (the role, the unit, the state and, to accept or
    approve, the separation of duties are checked; a refusal is shown on the entry page)."""
    if action not in ACTIONS:
        raise NotFound(i18n._("Unknown action %(action)s.") % {"action": action})
    store = get_store(request)
    r = locate_report(store, user, form, unit, period, round)
    try:
        transition(store, user, r, action, comment, version or None)
    except (Invalid, Conflict, Forbidden) as exc:
        message, hint = exc.text(i18n.get_lang())
        shown = Shown(findings=exc.extra.get("report"), problem=message, hint=hint)
        return entry_page(request, user, r, exc.http_status, shown)
    return RedirectResponse(url_of(r, query=f"done={action}"), 303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: User) -> HTMLResponse:
    """What the account has to do: the rounds due next (with its units' states), the reports
    waiting for it or returned to it, its overdue rounds — each named as people say it."""
    from chitieu.web.routes.entry_pick import pickers

    work = agenda(get_store(request), user, clock.today())
    return page(request, "home.html", agenda=work, pickers=pickers(user))


@router.get("/board", response_class=HTMLResponse)
def board_pick(
    request: Request, user: User, form: str = "", period: str = "", round: str = ""
) -> Response:
    """Go to the board of the chosen form and period (default: the first form's round due
    next)."""
    f = find_form(form) if form else next(iter(forms().values()))
    if not period:
        p, rnd = f.due_next(clock.today(), 1)[0]
        return RedirectResponse(f"/board/{f.code}/{p.id}?round={rnd.round}", 303)
    query = f"?round={round}" if round else ""
    return RedirectResponse(f"/board/{f.code}/{period}{query}", 303)


@router.get("/board/{form}/{period}", response_class=HTMLResponse)
def board(
    request: Request, user: User, form: str, period: str, round: str | None = None
) -> HTMLResponse:
    """Which units have reported a round, on time or late, and where each report stands (own
    units only for a reporter or a head)."""
    f = find_form(form)
    p = find_period(f, period)
    rnd = find_round(f, p, round)
    units = None if user.sees_all else [u for u in f.units_for(p) if user.can_read(u)]
    c = form_status(get_store(request), f, p, rnd.round, units=units)
    from chitieu.web.routes.entry_pick import forms_for, period_choices

    periods = period_choices(f, clock.today())
    if p.id not in {c.value for c in periods}:
        from chitieu.fmt import period_label
        from chitieu.web.routes.entry_pick import Choice

        periods.append(Choice(p.id, period_label(p, i18n.get_lang())))
    return page(request, "board.html", board=c, form=f, period=p, forms=forms_for(user),
                periods=periods)  # fmt: skip
