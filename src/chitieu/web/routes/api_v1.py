"""REST API ``/api/v1``: catalog, units, periods, values, summary, reports (submissions) and
their workflow, the board, the queue, approval levels.

Bearer tokens (``chitieu tokens add USER``) or the browser session; anonymous requests to data
get 401, another unit's data 403. Writes follow the web form's rules (``chitieu.workflow``):
the import's row checks, all or nothing, locked reports refused, and a save of a report says
what it started from — ``base``, the values it read (only the fields changed from it are
written, a field someone else changed meanwhile is a 409 conflict naming who, when and both
values), or at least the version it read (``If-Match`` or ``version``) — so nothing is lost.
A report is one round of a form (``?round=estimate|actual|plan``; default: the round due next).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from chitieu.analyze.facts import facts as fact_set
from chitieu.catalog.forms import forms
from chitieu.catalog.indicators import catalog
from chitieu.catalog.instants import iso
from chitieu.catalog.units import NATION_ID, registry
from chitieu.catalog.vocabulary import Action, SubmissionStatus
from chitieu.check.completeness import form_status
from chitieu.check.findings import Finding, Report
from chitieu.collect.comments import comment_finding
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.rows import RowChecker, bad_text, visible
from chitieu.fmt import period_label
from chitieu.store.values import Store
from chitieu.web.accounts import Account
from chitieu.web.batches import check_batch, indexed
from chitieu.web.deps import (
    CSRF,
    Caller,
    Signed,
    User,
    get_store,
    in_form_threads,
    require_read,
    require_write,
)
from chitieu.web.errors import (
    ERROR_RESPONSES,
    Conflict,
    Forbidden,
    Invalid,
    PreconditionRequired,
)
from chitieu.web.i18n import _
from chitieu.web.limits import check_comment
from chitieu.web.params import QueryDate, QueryMoment
from chitieu.web.routes.dashboard_data import boundaries_of, data_periods
from chitieu.web.scope import (
    find_form,
    find_indicator,
    find_period,
    find_round,
    find_unit,
    locate_report,
    parse_any_period,
)
from chitieu.workflow import levels as approval
from chitieu.workflow.agenda import queue as work_queue
from chitieu.workflow.audit import report_events, value_history
from chitieu.workflow.save import parse_base, parse_entries, save
from chitieu.workflow.state import Report as WorkflowReport
from chitieu.workflow.state import load_report
from chitieu.workflow.thread import posts
from chitieu.workflow.transitions import ACTIONS, allowed, transition

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERROR_RESPONSES)


#: a value as JSON may send it: a number or text in vi/en format. Booleans, NaN and the
#: infinities (Python's JSON reader takes ``NaN``, ``Infinity``, ``1e309``) are kept as sent
#: so that the row checker refuses them with a finding at their index, instead of pydantic
#: turning ``true`` into 1.0
JsonValue = float | int | str | bool | None


class ValueIn(BaseModel):
    """One value to store (the import layout's columns)."""

    indicator: str
    unit: str
    period: str
    value: JsonValue = Field(None, description="a number, or text in the batch's locale")
    kind: str = "actual"
    comment: str | None = None
    status: str | None = None


class ValuesIn(BaseModel):
    """A batch of values: stored all together or not at all."""

    values: list[ValueIn] = Field([], description="at least one value")
    locale: str | None = Field(None, description="vi or en: how text numbers are written")
    dry_run: bool = False
    override_lock: bool = Field(
        False,
        description="an analyst's explicit override of the lock of submitted or approved "
        "reports (recorded in their audit trail with the reason)",
    )
    reason: str | None = Field(None, description="why the lock is overridden")


class BaseCellIn(BaseModel):
    """A field as the client read it: its value and comment."""

    value: JsonValue = None
    comment: str | None = None


class FormValuesIn(BaseModel):
    """New values of a report, by indicator code (numbers, or text in vi/en format; ``null``
    deletes a value; indicators left out are untouched)."""

    values: dict[str, JsonValue]
    comments: dict[str, str] = {}
    version: str | None = Field(None, description="the version read (or send If-Match)")
    base: dict[str, JsonValue | BaseCellIn] | None = Field(
        None,
        description="the values the client read, by indicator (a value, or {value, comment}): "
        "only the indicators whose new value differs from it are written, and one someone "
        "else changed meanwhile is a conflict (409 naming who, when and both values)",
    )
    overwrite: bool = Field(
        False,
        description="with base: force the fields in conflict (never others); without base: "
        "save even if the report changed since version",
    )
    locale: str | None = None


class ActionIn(BaseModel):
    """A workflow action's comment (required to return, reopen or reply)."""

    comment: str | None = None
    version: str | None = None


class LevelsIn(BaseModel):
    """A form's approval levels: 1 (the ministry), 2 (the head, then the ministry), or null
    (back to the catalog's)."""

    levels: int | None = None
    comment: str | None = None


@router.get("/me")
def me(user: User) -> dict[str, Any]:
    """The account behind the token or session."""
    return {"ok": True, "account": user.to_dict()}


@router.get("/catalog")
def get_catalog(user: User) -> dict[str, Any]:
    """Indicators: names, measure, type, aggregation rules."""
    cat = catalog()
    return {
        "ok": True,
        "indicators": [cat.describe(i) for i in cat],
    }


@router.get("/units")
def units(user: User, as_of: QueryDate | None = None) -> dict[str, Any]:
    """Reporting units (valid on ``as_of`` if given)."""
    return {
        "ok": True,
        "units": [
            {
                "id": u.id,
                "code": u.code,
                "name": u.name,
                "name_en": u.name_en,
                "level": u.level,
                "valid_from": u.valid_from,
                "valid_to": u.valid_to,
                "system": u.system,
                "yours": user.can_write(u.id),
            }
            for u in registry().units(as_of)
        ],
    }


@router.get("/periods")
def periods(request: Request, user: User) -> dict[str, Any]:
    """Periods that are over and hold values (years, halves, quarters, year to date, months),
    newest first (the dashboard's period picker offers the same)."""
    return {"ok": True, "periods": data_periods(get_store(request))}


@router.get("/periods/{period}")
def period(user: User, period: str) -> dict[str, Any]:
    """A period: type, dates, names in vi and en, its parts."""
    p = parse_any_period(period)
    return {
        "ok": True,
        "id": p.id,
        "type": str(p.type),
        "start": p.start,
        "end": p.end,
        "label": {"vi": period_label(p, "vi"), "en": period_label(p, "en")},
        "parts": [q.id for q in p.parts()],
    }


@router.get("/forms")
def list_forms(user: User) -> dict[str, Any]:
    """Reporting forms: indicators, period type, kind, deadline."""
    return {"ok": True, "forms": [f.to_dict() for f in forms().values()]}


def _scope_units(user: Account, unit: list[str] | None) -> list[str] | None:
    if unit:
        ids = [find_unit(u) for u in unit]
        for u in ids:
            require_read(user, u)
        return ids
    if user.sees_all:
        return None
    return sorted(u for u in user.units) + sorted(
        p.id for u in user.units for p in registry().predecessors(u) if p.id != u
    )


@router.get("/values")
def values(
    request: Request,
    user: User,
    period: Annotated[list[str], Query()],
    indicator: Annotated[list[str] | None, Query()] = None,
    unit: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query()] = None,
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """Stored values (latest vintage per key, or as they stood at ``as_of``)."""
    ps = [parse_any_period(p).id for p in period]
    obs = get_store(request).current(
        ps, indicators=indicator, units=_scope_units(user, unit), kinds=kind, as_of=as_of
    )
    return {
        "ok": True,
        "values": [
            {
                "indicator": o.indicator,
                "unit": o.unit,
                "period": o.period,
                "kind": o.kind,
                "value": o.value,
                "status": o.status,
                "comment": o.comment,
                "id": o.id,
                "created_at": o.created_at,
                "created_by": o.created_by,
            }
            for o in obs
        ],
    }


def _unit_of(unit: str, period: str) -> str | None:
    """The unit id a row names, if it can be told (to refuse other units before other checks)."""
    from chitieu.catalog.periods import parse_period
    from chitieu.errors import PeriodError, UnitError

    try:
        return registry().resolve(unit, parse_period(period).end).id
    except (UnitError, PeriodError):
        return None


def _foreign_rows(user: Account, values: list[ValueIn]) -> Report:
    """A finding for each value of the batch that names a unit the account may not write
    (``unit-not-yours``, at its index), each distinct unit and period resolved once."""
    report = Report()
    seen: dict[tuple[str, str], str | None] = {}
    mine = ", ".join(sorted(user.units)) or "—"
    for i, v in enumerate(values):
        key = (v.unit, v.period)
        uid = seen[key] if key in seen else seen.setdefault(key, _unit_of(*key))
        if uid and not user.can_write(uid):
            report.add(
                Finding("unit-not-yours", value=visible(v.unit), row=i + 1, column="unit",
                        unit=uid, params={"index": i, "units": mine})
            )  # fmt: skip
    return report


def _not_yours(report: Report) -> Forbidden:
    """The 403 of a batch with other units' values: the first of them named in the hint, all
    of them (up to the report's cap) as findings with their index."""
    named = [f"values[{f.row - 1}]: {f.unit}" for f in report.findings[:5] if f.row]
    more = report.errors - len(named)
    hint = "; ".join(named) + (f" (+{more})" if more > 0 else "")
    return Forbidden(_("You may not change this unit's data."), hint, report=indexed(report, {}))


@router.post("/values", dependencies=[CSRF])
def write_values(request: Request, user: User, body: ValuesIn | None = None) -> dict[str, Any]:
    """Store a batch of values: every row checked like an import, all or nothing.

    Each finding carries the ``index`` of its value in ``values``. Refused with 422: an empty
    batch, a key (indicator, unit, period, kind) given twice, NaN, infinities, booleans,
    values outside the indicator's domain, control characters in text.
    """
    body = body or ValuesIn()
    checker = RowChecker(
        locale="vi" if body.locale == "vi" else "en" if body.locale == "en" else None
    )
    report = Report()
    new, index_of = check_batch(checker, body.values, report)
    places = {k: {"row": i + 1} for k, i in index_of.items()}
    foreign = _foreign_rows(user, body.values)
    if foreign.findings:
        raise _not_yours(foreign)
    if not report.valid:  # rows that do not parse: the rules still check the others
        if new:
            ingest(
                get_store(request),
                new,
                Origin(user.username, "api"),
                report=report,
                places=places,
                dry_run=True,
            )
        raise Invalid(
            _("The values have errors; nothing was saved."), report=indexed(report, index_of)
        )
    if body.override_lock and not user.is_ministry:
        raise Forbidden(_("Only an analyst may override the lock of a report."))
    check_comment("reason", body.reason)
    reason = (body.reason or "").strip() or None
    if body.override_lock and not reason:
        raise Invalid(_("Say why in the comment."), _("The reason is recorded with the change."))
    store = get_store(request)
    override = reason if body.override_lock else None
    result = ingest(
        store,
        new,
        Origin(user.username, "api"),
        report=report,
        places=places,
        dry_run=body.dry_run,
        override=override,
    )
    if result.refused:
        raise Conflict(
            _("Some values belong to a submitted or approved report and are locked."),
            _("An analyst must return or reopen the report first."),
            keys=["/".join(k) for r in result.refused for k in r.keys],
            report=indexed(report, index_of),
        )
    if not report.valid:
        raise Invalid(
            _("The values have errors; nothing was saved."), report=indexed(report, index_of)
        )
    if body.dry_run:
        return {"ok": True, "dry_run": True, "rows": len(new), "report": indexed(report, index_of)}
    assert result.batch is not None
    return {
        "ok": True,
        "batch": result.batch.id,
        "rows": result.batch.rows,
        "overridden": [f"{r.form}/{r.unit}/{r.period}" for r in result.overridden],
        "report": indexed(report, index_of),
    }


@router.get("/values/history")
def history(
    request: Request,
    user: User,
    indicator: str,
    unit: str,
    period: str,
    kind: str | None = None,
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """Every change of a value: who, when, old → new (those recorded by ``as_of`` if given)."""
    uid = find_unit(unit)
    require_read(user, uid)
    p = parse_any_period(period)
    changes = value_history(get_store(request), indicator, uid, p.id, kind)
    if as_of is not None:
        changes = [c for c in changes if c.at <= as_of]
    return {"ok": True, "changes": [c.to_dict() for c in changes]}


@router.get("/summary")
def summary(
    request: Request,
    user: User,
    period: str,
    unit: str = NATION_ID,
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """The facts of a period for a unit: value, change, % of plan, share, rank (as they stood
    at ``as_of`` if given)."""
    uid = find_unit(unit)
    require_read(user, uid)
    p = parse_any_period(period)
    facts = fact_set(get_store(request), p, boundaries_of(boundaries), as_of).of_unit(uid)
    return {
        "ok": True,
        "period": p.id,
        "unit": uid,
        "boundaries": boundaries,
        "as_of": iso(as_of),
        "facts": [f.to_dict() for f in facts],
    }


@router.get("/revisions")
def revisions(
    request: Request,
    user: User,
    indicator: str,
    unit: str = NATION_ID,
    period: str | None = None,
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """Revisions stated and measured: each release of the figure with its revision against
    the previous release and the first (value and %), its vintages and the report's note;
    without ``period``, every stored period of the figure (as ``chitieu revisions``)."""
    from chitieu.analyze import revisions as rv
    from chitieu.web.i18n import get_lang

    code = find_indicator(indicator)
    uid = find_unit(unit)
    require_read(user, uid)
    store = get_store(request)
    lang = get_lang()
    periods = [parse_any_period(period).id] if period else rv.found_periods(store, code, uid, as_of)
    figures = []
    for q in periods:
        res = rv.revisions(store, code, uid, q, as_of)
        figures.append({**res.to_dict(), "note": rv.note_of(res.releases, code, lang)})
    return {"ok": True, "indicator": code, "unit": uid, "as_of": iso(as_of), "figures": figures}


@router.get("/revisions/accuracy")
def estimate_accuracy(
    request: Request,
    user: User,
    indicator: str | None = None,
    unit: str | None = None,
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """How close each unit's own estimates came to its actuals (mean revision, mean absolute
    revision, bias), as ``chitieu revisions --accuracy``; a reporter sees its own units."""
    from chitieu.analyze.accuracy import accuracy

    codes = [find_indicator(indicator)] if indicator else None
    units = [find_unit(unit)] if unit else None
    for u in units or []:
        require_read(user, u)
    rows = accuracy(get_store(request), codes, units, as_of=as_of)
    shown = [a.to_dict() for a in rows if user.sees_all or user.can_read(a.unit)]
    return {"ok": True, "as_of": iso(as_of), "accuracy": shown}


RoundQuery = Annotated[
    str | None,
    Query(description="estimate, actual or plan (default: the round due next)"),
]


@router.get("/submissions")
def submissions(
    request: Request,
    user: User,
    form: str,
    period: str,
    status: str | None = None,
    round: RoundQuery = None,
) -> dict[str, Any]:
    """The reports of a form's round for a period (a reporter or a head sees its own units)."""
    f = find_form(form)
    p = find_period(f, period)
    rnd = find_round(f, p, round)
    store = get_store(request)
    units = [u for u in f.units_for(p) if user.can_read(u)]
    out = [load_report(store, f, u, p, rnd).to_dict() for u in units]
    if status:
        out = [s for s in out if s["status"] == status]
    return {"ok": True, "submissions": out}


def _json(payload: dict[str, Any], etag: str) -> Response:
    """The JSON response of a form read or save, serialised here, in the endpoint's thread.

    Returned as a Response, FastAPI sends it as it is; a dict would be serialised afterwards
    in a second hand-over to the thread pool (the same pydantic-core encoder either way).
    """
    return Response(to_json(payload), media_type="application/json", headers={"ETag": f'"{etag}"'})


@router.get("/submissions/{form}/{unit}/{period}", response_model=dict[str, Any])
async def get_submission(
    request: Request, who: Signed, form: str, unit: str, period: str, round: RoundQuery = None
) -> Response:
    """One report: values, state, level, version (also sent as the ETag)."""
    work = partial(_get, request, who, form, unit, period, round)
    return await in_form_threads(request, work)


def _get(
    request: Request, who: Caller, form: str, unit: str, period: str, round_: str | None
) -> Response:
    store = get_store(request)
    with store.reading():  # the token's and the report's reads: one connection
        r = locate_report(store, who.account(), form, unit, period, round_)
    return _json({"ok": True, "submission": r.to_dict()}, r.etag)


@router.put(
    "/submissions/{form}/{unit}/{period}", dependencies=[CSRF], response_model=dict[str, Any]
)
async def put_submission(
    request: Request,
    who: Signed,
    form: str,
    unit: str,
    period: str,
    body: FormValuesIn,
    if_match: Annotated[str | None, Header()] = None,
    round: RoundQuery = None,
) -> Response:
    """Save a report's values as a draft (see ``base``): 409 on a conflict, or, without
    ``base``, if it changed since ``version``."""
    work = partial(_save, request, who, form, unit, period, round, body, if_match)
    return await in_form_threads(request, work)


def _save(
    request: Request,
    who: Caller,
    form: str,
    unit: str,
    period: str,
    round_: str | None,
    body: FormValuesIn,
    if_match: str | None,
) -> Response:
    store = get_store(request)
    # the token's, the report's, the checks' reads and the write: one connection
    with store.reading():
        user = who.account()
        r = locate_report(store, user, form, unit, period, round_, write=True)
        expected = body.version or (if_match.strip('W/"') if if_match else None)
        if expected is None and body.base is None and not body.overwrite:
            raise PreconditionRequired(
                _("Say which version of the report these values are based on."),
                _(
                    "Send base (the values read), the version from GET (or If-Match), or "
                    "overwrite: true."
                ),
            )
        return _put(store, user, r, body, expected)


def _refusals(r: WorkflowReport, body: FormValuesIn) -> Report:
    """What refuses a form's save before its values are read: an indicator the report does not
    ask for (as a value, a base value or a comment: refused, not dropped), a comment over the
    limit (whether its value is sent or not)."""
    report = Report()
    params = {"form": r.form.code, "expected_unit": r.unit, "expected_period": r.period.id}

    def outside(code: str, column: str | None = None) -> None:
        shown = visible(code)  # a key with a lone surrogate cannot be sent back as it is
        report.add(Finding("outside-form", column=column, indicator=shown, unit=r.unit,
                           period=r.period.id, value=shown, params=params))  # fmt: skip

    for c in dict.fromkeys([*body.values, *(body.base or {})]):
        if c not in r.cells:
            outside(c)
    for c, text in body.comments.items():
        if c not in r.cells or bad_text(c):
            outside(c, "comment")
        elif long := comment_finding(text, {"indicator": c, "unit": r.unit, "period": r.period.id}):
            report.add(long)
    return report


def _base_of(body: FormValuesIn) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The base's values, and its comments where it gives them."""
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for ind, cell in (body.base or {}).items():
        if isinstance(cell, BaseCellIn):
            values[ind] = cell.value
            if cell.comment is not None or "comment" in cell.model_fields_set:
                comments[ind] = cell.comment or ""
        else:
            values[ind] = cell
    return values, comments or None


def _put(
    store: Store, user: Account, r: WorkflowReport, body: FormValuesIn, expected: str | None
) -> Response:
    refused = _refusals(r, body)
    if refused.findings:
        raise Invalid(_("The values have errors; nothing was saved."), report=refused.to_dict())
    lang = body.locale if body.locale in ("vi", "en") else "vi"
    parsed = parse_entries(r, body.values, body.comments, lang)
    if body.base is not None:
        base, problems = parse_base(r, *_base_of(body), lang)
        parsed.base = base
        for f in problems:
            parsed.add(f.indicator or "", [f])
    result = save(
        store, user, r, parsed, expected=expected, overwrite=body.overwrite, action=Action.API
    )
    payload = {
        "ok": True,
        "changed": result.changed,
        "batch": result.batch_id,
        "overwritten": result.overwritten,
        "submission": result.report.to_dict(),
        "report": result.findings.to_dict(),
    }
    return _json(payload, result.report.etag)


@router.post("/submissions/{form}/{unit}/{period}/{action}", dependencies=[CSRF])
def act(
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    action: str,
    body: ActionIn,
    round: RoundQuery = None,
) -> dict[str, Any]:
    """Submit, accept (level 1), approve, return (comment required: to the level below),
    reopen (comment required) or reply (comment required: to the report's thread)."""
    if action not in ACTIONS:
        raise Invalid(_("Unknown action %(action)s.") % {"action": action}, ", ".join(ACTIONS))
    store = get_store(request)
    r = locate_report(store, user, form, unit, period, round)
    r = transition(store, user, r, action, body.comment, body.version)
    return {"ok": True, "submission": r.to_dict(), "actions": allowed(user, r)}


@router.get("/submissions/{form}/{unit}/{period}/audit")
def audit(
    request: Request, user: User, form: str, unit: str, period: str, round: RoundQuery = None
) -> dict[str, Any]:
    """Everything that happened to a report, newest first, with value changes old → new."""
    store = get_store(request)
    r = locate_report(store, user, form, unit, period, round)
    return {"ok": True, "events": [e.to_dict() for e in report_events(store, r.sub_id)]}


@router.get("/submissions/{form}/{unit}/{period}/thread")
def thread(
    request: Request, user: User, form: str, unit: str, period: str, round: RoundQuery = None
) -> dict[str, Any]:
    """A report's thread, oldest first (returns, replies, reopens, approval notes, and edits
    made on the unit's behalf), and the actions the caller may take."""
    from chitieu.web.i18n import get_lang

    store = get_store(request)
    r = locate_report(store, user, form, unit, period, round)
    lang = get_lang()
    return {
        "ok": True,
        "submission": r.to_dict(),
        "actions": allowed(user, r),
        "thread": [p.to_dict(lang) for p in posts(report_events(store, r.sub_id, False))],
    }


@router.get("/board/{form}/{period}")
def board(
    request: Request,
    user: User,
    form: str,
    period: str,
    round: RoundQuery = None,
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """Completeness and timeliness of a form's round for a period: each unit's state, level
    and timeliness (the same shape as ``chitieu completeness --json``; own units only for a
    reporter or a head)."""
    f = find_form(form)
    p = find_period(f, period)
    rnd = find_round(f, p, round)
    units = None if user.sees_all else [u for u in f.units_for(p) if user.can_read(u)]
    got = form_status(get_store(request), f, p, rnd.round, as_of, units=units)
    return {"ok": True, **got.to_dict()}


@router.get("/queue")
def queue(
    request: Request,
    user: User,
    level: Annotated[int | None, Query(ge=0, le=2)] = None,
    state: SubmissionStatus | None = None,
    form: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """Reports waiting for a level's action (default: the caller's own level), or in a state,
    among the units the caller reads."""
    if form:
        find_form(form)
    if period:
        parse_any_period(period)
    items = work_queue(get_store(request), user, level=level, state=state, form=form, period=period)
    return {"ok": True, "reports": [i.to_dict() for i in items]}


@router.get("/forms/{form}/levels")
def get_levels(request: Request, user: User, form: str) -> dict[str, Any]:
    """A form's approval levels in force, its catalog default and every override."""
    f = find_form(form)
    store = get_store(request)
    return {
        "ok": True,
        "form": f.code,
        "levels": approval.levels_of(store, f),
        "default": f.approval_levels,
        "history": [c.to_dict() for c in approval.history(store, f)],
    }


@router.put("/forms/{form}/levels", dependencies=[CSRF])
def put_levels(request: Request, user: User, form: str, body: LevelsIn) -> dict[str, Any]:
    """An administrator sets a form's approval levels (recorded with who, when and why)."""
    f = find_form(form)
    levels = approval.parse_levels(body.levels)
    got = approval.set_levels(get_store(request), user, f, levels, body.comment)
    return {"ok": True, "form": f.code, "levels": got}


__all__ = ["require_write", "router"]
