"""Data entry: a page per report (form × unit × period × round), its save, Excel template and
upload, and the audit pages. The rules are the workflow's (``chitieu.workflow``); this module
reads the request, calls them and renders the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from chitieu.catalog.indicators import catalog
from chitieu.catalog.vocabulary import Action
from chitieu.collect.numbers import Locale
from chitieu.collect.rows import RowChecker
from chitieu.errors import ChitieuError, Conflict, Invalid
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, User, get_store, require_read
from chitieu.web.render import page
from chitieu.web.routes.entry_view import (
    beside,
    fields,
    flagged,
    habit,
    outside_without_reason,
    read_numbers,
    reading,
)
from chitieu.web.said import Said, said
from chitieu.web.scope import find_unit, locate_report, parse_any_period
from chitieu.workflow.audit import report_events, value_history
from chitieu.workflow.context import value_context
from chitieu.workflow.save import (
    Clash,
    Parsed,
    SaveConflict,
    machine,
    machine_base,
    parse_entries,
    save,
)
from chitieu.workflow.state import Report, reload
from chitieu.workflow.thread import posts
from chitieu.workflow.transitions import allowed, transition
from chitieu.workflow.words import round_title

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> FormData:
    """The posted form fields (read once, before the handler runs in a worker thread)."""
    return await request.form()


def url_of(r: Report, tail: str = "", query: str = "") -> str:
    """The URL of a report's page (or of one of its sub-pages), naming its round."""
    extra = f"&{query}" if query else ""
    return f"/entry/{r.form.code}/{r.unit}/{r.period.id}{tail}?round={r.round.round}{extra}"


@dataclass
class Shown:
    """What a failed save shows again: the typed fields, the base each was typed from, the
    findings, the conflicts, and the error's text."""

    typed: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    base: dict[str, tuple[str, str]] = field(default_factory=dict)  # indicator → value, comment
    findings: dict[str, Any] | None = None
    conflicts: list[Clash] = field(default_factory=list)
    problem: str | None = None
    hint: str | None = None
    upload_errors: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: dict[str, dict[Locale, float]] = field(default_factory=dict)  # field → readings
    unreasoned: list[str] = field(default_factory=list)  # outside the range, no reason given
    upload_problem: tuple[str, str] | None = None  # told beside the upload control


def _by_indicator(findings: dict[str, Any] | None, lang: str) -> tuple[dict[str, Any], ...]:
    """Errors and warnings by indicator, each as the page tells it (``web.said``)."""
    errors: dict[str, list[Said]] = {}
    warned: dict[str, list[Said]] = {}
    for fd in (findings or {}).get("findings", []):
        into = warned if fd.get("severity") == "warning" else errors
        into.setdefault(fd.get("indicator") or "", []).append(said(fd, lang))
    return errors, warned


def _rows(
    r: Report,
    shown: Shown,
    errors: dict[str, Any],
    warned: dict[str, Any],
    context: dict[str, Any],
) -> list[Any]:
    clash = {c.indicator: c for c in shown.conflicts}
    cat = catalog()
    rows = []
    for code, cell in r.cells.items():
        base = shown.base.get(code, (machine(cell.value), cell.comment or ""))
        readings = shown.ambiguous.get(code)
        rows.append(
            {
                "beside": beside(context.get(code), cat.get(code).decimals),
                "outside": context[code].outside(cell.value) if code in context else False,
                "unreasoned": code in shown.unreasoned,
                "readings": [reading(v, loc) for loc, v in readings.items()] if readings else [],
                "code": code,
                "cell": cell,
                "typed": shown.typed.get(code),
                "comment": shown.comments.get(code, cell.comment or ""),
                "base": base[0],
                "base_comment": base[1],
                "conflict": clash.get(code),
                "errors": [] if readings else errors.get(code, []),
                "warnings": warned.get(code, []),
            }
        )
    return rows


def entry_page(
    request: Request,
    user: Account,
    r: Report,
    status_code: int = 200,
    shown: Shown | None = None,
    message: str | None = None,
) -> HTMLResponse:
    """The report's page: its values (typed ones and inline errors kept after a failed save),
    its rounds, the actions the account may take, and its thread."""
    store: Store = get_store(request)
    lang = i18n.get_lang()
    shown = shown or Shown()
    errors, warned = _by_indicator(shown.findings, lang)
    others = [w for k, ws in {**warned, **errors}.items() if k not in r.cells for w in ws]
    rounds = [
        (str(x.round), round_title(str(x.round), r.period, lang, x.deadline.due(r.period)))
        for x in r.form.rounds
    ]
    events = report_events(store, r.sub_id, changes=False)
    context = value_context(store, r)
    actions = allowed(user, r)
    return page(
        request,
        "entry.html",
        status_code,
        state=r,
        rows=_rows(r, shown, errors, warned, context),
        flagged=flagged(r, context) if not (r.editable and user.can_write(r.unit)) else [],
        unreasoned=shown.unreasoned,
        habit=habit(store, r.unit),
        message=message,
        problem=shown.problem,
        hint=shown.hint,
        others=others,
        upload_errors=shown.upload_errors,
        upload_problem=shown.upload_problem,
        conflicts=shown.conflicts,
        rounds=rounds,
        title=round_title(str(r.round.round), r.period, lang, r.deadline),
        can_write=user.can_write(r.unit),
        actions=actions,
        may_reply=user.may_reply(r.unit) and r.sub_id is not None,
        thread=posts(events),
        url=url_of(r),
    )


DONE = {
    "save": lambda: i18n._("Saved as a draft."),
    "nochange": lambda: i18n._("Nothing changed."),
    "submit": lambda: i18n._("Submitted."),
    "upload": lambda: i18n._("The Excel file was checked and its values saved."),
    "accept": lambda: i18n._("Accepted; the ministry approves it next."),
    "approve": lambda: i18n._("Approved; the data is locked."),
    "return": lambda: i18n._("Returned with your comment."),
    "reopen": lambda: i18n._("Reopened; the unit may change the data again."),
    "reply": lambda: i18n._("Your reply was added to the thread."),
}


@router.get("/entry/{form}/{unit}/{period}", response_class=HTMLResponse)
def entry(
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    round: str | None = None,
    done: str = "",
) -> HTMLResponse:
    """The data-entry page of a form's round for a unit and period (the round due next by
    default)."""
    r = locate_report(get_store(request), user, form, unit, period, round)
    msg = DONE[done]() if done in DONE else None
    return entry_page(request, user, r, message=msg)


@router.post("/entry/{form}/{unit}/{period}", response_class=HTMLResponse, dependencies=[CSRF])
def entry_save(
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    data: Annotated[FormData, Depends(form_data)],
    round: str | None = None,
) -> Response:
    """Save the typed values as a draft, and submit them if asked."""
    store = get_store(request)
    with store.reading():  # the report and the checks' reads on one connection
        r = locate_report(store, user, form, unit, period, round, write=True)
        return _entry_save(request, user, store, r, data)


_fields = fields


def _parsed(store: Store, r: Report, data: FormData) -> tuple[Parsed, dict[str, Any]]:
    """What the form posted: typed values (read whatever the page's language) and comments,
    and the base the page was rendered with (hidden fields ``b__`` and ``bc__``); the fields
    still ambiguous, with their readings."""
    typed = read_numbers(store, r, data)
    checker = RowChecker(locale=None)  # an ambiguous text left as typed is refused
    parsed = parse_entries(r, typed.values, _fields(r, data, "c__"), checker=checker)
    base = _fields(r, data, "b__")
    if base:
        parsed.base = machine_base(base, _fields(r, data, "bc__"))
    return parsed, dict(typed.ambiguous)


def _overwrite(r: Report, data: FormData) -> bool | frozenset[str]:
    """The fields in conflict the user confirmed overwriting (``o__``), or every one."""
    if data.get("overwrite") == "1":
        return True
    return frozenset(c for c in r.form.indicators if data.get(f"o__{c}") == "1")


def _entry_save(
    request: Request, user: Account, store: Store, r: Report, data: FormData
) -> Response:
    parsed, ambiguous = _parsed(store, r, data)
    action = str(data.get("action", "save"))
    focus = str(data.get("focus", ""))[:80]
    try:
        result = save(
            store,
            user,
            r,
            parsed,
            expected=str(data.get("version") or "") or None,
            overwrite=_overwrite(r, data),
        )
        if action == Action.SUBMIT:
            missing = outside_without_reason(result.report, value_context(store, result.report), {})
            if missing:  # saved; submitted once each value outside the range has its reason
                shown = Shown(findings=result.findings.to_dict(), unreasoned=missing)
                return entry_page(request, user, result.report, 200, shown, DONE["save"]())
            transition(store, user, result.report, Action.SUBMIT)
            done = "submit"
        else:
            done = "save" if result.changed else "nochange"
            if result.findings.warnings:  # saved: show the warnings on the page at once
                shown = Shown(findings=result.findings.to_dict())
                return entry_page(request, user, result.report, 200, shown, DONE[done]())
    except (Invalid, Conflict) as exc:
        return _failed(request, user, store, r, data, parsed, exc, ambiguous)
    back = f"done={done}" + (f"&focus={focus}" if focus.replace("__", "").isidentifier() else "")
    return RedirectResponse(url_of(r, query=back), 303)


def _failed(
    request: Request,
    user: Account,
    store: Store,
    r: Report,
    data: FormData,
    parsed: Parsed,
    exc: ChitieuError,
    ambiguous: dict[str, Any],
) -> HTMLResponse:
    """The page again after a refused save: what the user changed stays as typed, on the base
    it was typed from (so that saving again meets the same conflicts); what it did not change
    shows what is stored now."""
    fresh = reload(store, r)
    touched = parsed.touched()
    touched = touched | set(ambiguous)
    typed = {c: t for c, t in _fields(r, data, "v__").items() if c in touched}
    comments = {c: t for c, t in _fields(r, data, "c__").items() if c in touched}
    bases, base_comments = _fields(r, data, "b__"), _fields(r, data, "bc__")
    base = {c: (bases[c], base_comments.get(c, "")) for c in touched if c in bases}
    message, hint = exc.text(i18n.get_lang())
    shown = Shown(
        typed,
        comments,
        base,
        exc.extra.get("report"),
        exc.clashes if isinstance(exc, SaveConflict) else [],
        message,
        hint,
        ambiguous=ambiguous,
    )
    return entry_page(request, user, fresh, exc.http_status, shown)


@router.get("/entry/{form}/{unit}/{period}/audit", response_class=HTMLResponse)
def audit(
    request: Request, user: User, form: str, unit: str, period: str, round: str | None = None
) -> HTMLResponse:
    """Everything that happened to this report: transitions, comments and value changes
    old → new."""
    store = get_store(request)
    r = locate_report(store, user, form, unit, period, round)
    title = round_title(str(r.round.round), r.period, i18n.get_lang(), r.deadline)
    return page(
        request,
        "audit.html",
        state=r,
        events=report_events(store, r.sub_id),
        title=title,
        url=url_of(r),
    )


@router.get("/history/{indicator}/{unit}/{period}", response_class=HTMLResponse)
def history(
    request: Request, user: User, indicator: str, unit: str, period: str, kind: str | None = None
) -> HTMLResponse:
    """Every vintage of one value: who changed it when, old → new."""
    uid = find_unit(unit)
    require_read(user, uid)
    p = parse_any_period(period)
    changes = value_history(get_store(request), indicator, uid, p.id, kind)
    return page(
        request, "history.html", indicator=indicator, unit=uid, period=p.id, changes=changes
    )
