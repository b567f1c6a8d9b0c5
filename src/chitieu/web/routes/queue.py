"""The analyst's work queue: the reports of a form and period, every round or one, filtered by
state, level, province and lateness, sorted; bulk approve, accept or return with a confirmation
that lists what will happen to each report; the queue as Excel (``interop/xlsx.py``).

Where a report stands and how late it is come from the completeness board
(``check.completeness.form_status``); what may be done to it, and doing it, from the workflow
(``workflow.transitions``): nothing here decides a rule."""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from chitieu import clock
from chitieu.catalog.forms import Form
from chitieu.catalog.periods import Period
from chitieu.check.completeness import UnitStatus, form_status
from chitieu.errors import ChitieuError
from chitieu.interop.xlsx import Column, Sheet, write_xlsx
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, User, csrf_token, get_store
from chitieu.web.render import page, unit_name
from chitieu.web.routes.entry_pick import forms_for, period_choices, unit_choices
from chitieu.web.scope import find_form, find_period, locate_report
from chitieu.workflow.transitions import allowed, transition
from chitieu.workflow.words import state_label, word

router = APIRouter(include_in_schema=False)
SORTS = ("unit", "state", "late", "submitted")
BULK = ("accept", "approve", "return")


@dataclass(frozen=True)
class Filters:
    """The queue's query parameters."""

    form: str = ""
    period: str = ""
    round: str = ""
    state: str = ""
    level: str = ""
    unit: str = ""
    late: str = ""  # "late": late or overdue only; "on_time": not late
    sort: str = "unit"


@dataclass(frozen=True)
class Line:
    """One report of the queue."""

    round: str
    status: UnitStatus
    key: str  # form|unit|period|round, what a bulk action names


def _form_period(user: Account, f: Filters) -> tuple[Form, Period]:
    form = find_form(f.form) if f.form else forms_for(user)[0]
    if f.period:
        return form, find_period(form, f.period)
    return form, form.due_next(clock.today(), 1)[0][0]


def _keep(line: Line, f: Filters) -> bool:
    s = line.status
    late = s.timeliness in ("late", "missing")
    return (
        (not f.state or s.state == f.state)
        and (not f.level or str(s.level) == f.level)
        and (not f.unit or s.unit == f.unit)
        and (not f.late or (f.late == "late") == late)
    )


def _order(lines: list[Line], sort: str) -> list[Line]:
    keys = {
        "unit": lambda x: (unit_name(x.status.unit), x.round),
        "state": lambda x: (x.status.state, unit_name(x.status.unit)),
        "late": lambda x: (-(x.status.days_late or 0), unit_name(x.status.unit)),
        "submitted": lambda x: (x.status.submitted_at is None, x.status.submitted_at or 0),
    }
    return sorted(lines, key=keys.get(sort, keys["unit"]))


def lines(request: Request, user: Account, f: Filters) -> tuple[Form, Period, list[Line]]:
    """The queue's reports after the filters, sorted."""
    form, p = _form_period(user, f)
    units = None if user.sees_all else [u for u in form.units_for(p) if user.can_read(u)]
    out: list[Line] = []
    for rnd in form.rounds:
        if f.round and str(rnd.round) != f.round:
            continue
        board = form_status(get_store(request), form, p, rnd.round, units=units)
        for s in board.units:
            line = Line(str(rnd.round), s, f"{form.code}|{s.unit}|{p.id}|{rnd.round}")
            if _keep(line, f):
                out.append(line)
    return form, p, _order(out, f.sort)


def _filters(request: Request) -> Filters:
    q = request.query_params
    got = {k: q.get(k, "")[:40] for k in Filters.__dataclass_fields__}
    if got["sort"] not in SORTS:
        got["sort"] = "unit"
    return Filters(**got)


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, user: User) -> HTMLResponse:
    """The reports to review, filtered and sorted (filters as query parameters)."""
    f = _filters(request)
    form, p, found = lines(request, user, f)
    counts: dict[str, int] = {}
    for x in found:
        counts[x.status.state] = counts.get(x.status.state, 0) + 1
    return page(
        request,
        "queue.html",
        f=f,
        form=form,
        period=p,
        lines=found,
        counts=counts,
        late=sum(1 for x in found if x.status.timeliness in ("late", "missing")),
        forms=forms_for(user),
        periods=period_choices(form, clock.today()),
        units=unit_choices(form, user, p),
        sorts=SORTS,
        query=request.url.query,
    )


@router.get("/queue.xlsx")
def queue_xlsx(request: Request, user: User) -> Response:
    """The queue as it is filtered, as an Excel workbook (the one Excel writer)."""
    f = _filters(request)
    form, p, found = lines(request, user, f)
    lang = i18n.get_lang()
    cols = [
        Column(i18n._("Unit"), width=28),
        Column(i18n._("Round"), width=14),
        Column(i18n._("Status"), width=22),
        Column(i18n._("Timeliness"), width=14),
        Column(i18n._("Days late"), "integer"),
        Column(i18n._("Submitted"), "datetime", width=18),
        Column(i18n._("Indicators received"), "integer"),
    ]
    rows = [
        [
            unit_name(x.status.unit),
            word("rounds", x.round, lang),
            state_label(x.status.state, lang),
            word("timeliness", x.status.timeliness, lang),
            x.status.days_late,
            x.status.submitted_at,
            x.status.indicators_received,
        ]
        for x in found
    ]
    title = f"{form.name(lang)} — {p.id}"
    buf = io.BytesIO()
    write_xlsx([Sheet(i18n._("Queue"), cols, rows, caption=title)], buf, lang)
    name = f"queue_{form.code}_{p.id}.xlsx"
    return Response(
        buf.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _form(request: Request) -> FormData:
    return await request.form()


def confirmation(request: Request, action: str, keys: list[str], comment: str) -> str:
    """The token that a bulk action's confirmation carries: bound to the session, the action,
    the reports and the comment (a changed list must be confirmed again)."""
    secret = csrf_token(request).encode()
    text = "\n".join([action, comment, *sorted(keys)]).encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()


def _plan(request: Request, user: Account, action: str, keys: list[str]) -> list[dict[str, Any]]:
    """What the action would do to each report: allowed, or why not."""
    out = []
    store = get_store(request)
    for key in keys:
        form, unit, period, rnd = [*key.split("|"), "", "", "", ""][:4]
        item: dict[str, Any] = {"key": key, "unit": unit, "round": rnd, "ok": False, "why": ""}
        try:
            r = locate_report(store, user, form, unit, period, rnd)
            item["ok"] = action in allowed(user, r)
            item["state"] = r.status
            if not item["ok"]:
                item["why"] = i18n._("not possible in its state, or not at your level")
        except ChitieuError as exc:  # not the account's, or no such report: told as posted
            item.update(unit="", round="", why=exc.text(i18n.get_lang())[0])
        out.append(item)
    return out


@router.post("/queue/bulk", response_class=HTMLResponse, dependencies=[CSRF])
def bulk(request: Request, user: User, data: Annotated[FormData, Depends(_form)]) -> Response:
    """Accept, approve or return many reports: first the list of what will happen to each (a
    confirmation token); with that token, done, each through the workflow."""
    action = str(data.get("action", ""))
    keys = [str(k) for k in data.getlist("report")][:500]
    comment = str(data.get("comment", "")).strip()
    if action not in BULK or not keys:
        return page(request, "queue_bulk.html", 422, action=action, plan=[], done=None,
                    problem=i18n._("Tick the reports and pick an action."))  # fmt: skip
    plan = _plan(request, user, action, keys)
    token = confirmation(request, action, keys, comment)
    if not hmac.compare_digest(str(data.get("confirm", "")), token):
        return page(request, "queue_bulk.html", action=action, plan=plan, token=token,
                    comment=comment, done=None, problem=None)  # fmt: skip
    store = get_store(request)
    done = []
    for item in plan:
        if not item["ok"]:
            continue
        form, unit, period, rnd = item["key"].split("|")
        try:
            r = locate_report(store, user, form, unit, period, rnd)
            transition(store, user, r, action, comment or None)
            item["result"] = "done"
        except ChitieuError as exc:
            item["result"] = exc.text(i18n.get_lang())[0]
        done.append(item)
    return page(request, "queue_bulk.html", action=action, plan=plan, done=done,
                comment=comment, problem=None)  # fmt: skip
