"""REST API ``/api/v1``: catalog, units, periods, values, summary, submissions, board.

Bearer tokens (``chitieu tokens add USER``) or the browser session; anonymous requests to data
get 401, another unit's data 403. Writes follow the web form's rules: the import's row checks,
all or nothing, locked reports refused, and saves of a form carry the version they were based
on (``If-Match`` or ``version``) so a stale save gets 409 instead of a silent loss.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json

from chitieu.analyze.facts import facts as fact_set
from chitieu.catalog.forms import Form, forms
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.check.findings import Finding, Report
from chitieu.collect.comments import comment_finding
from chitieu.collect.ingest import Origin, ingest
from chitieu.collect.rows import RowChecker, bad_text, visible
from chitieu.fmt import period_label
from chitieu.store.values import Store
from chitieu.web.accounts import Account
from chitieu.web.audit import submission_events, value_history
from chitieu.web.batches import check_batch, indexed
from chitieu.web.board import build_board
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
from chitieu.web.routes.dashboard import boundaries_of, data_periods
from chitieu.web.scope import find_form, find_period, find_unit, locate, parse_any_period
from chitieu.web.submissions import (
    TRANSITIONS,
    FormState,
    load_state,
    parse_entries,
    save,
    transition,
)

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


class FormValuesIn(BaseModel):
    """New values of a form, by indicator code (numbers, or text in vi/en format)."""

    values: dict[str, JsonValue]
    comments: dict[str, str] = {}
    version: str | None = Field(None, description="the version read (or send If-Match)")
    overwrite: bool = Field(False, description="save even if the form changed meanwhile")
    locale: str | None = None


class ActionIn(BaseModel):
    """A workflow action's comment (required to return or reopen)."""

    comment: str | None = None
    version: str | None = None


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
    """Periods (years, halves, quarters) that hold values, newest first."""
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


def _scope_units(user: Any, unit: list[str] | None) -> list[str] | None:
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
    checker = RowChecker(locale=body.locale if body.locale in ("vi", "en") else None)
    report = Report()
    new, index_of = check_batch(checker, body.values, report)
    places = {k: {"row": i + 1} for k, i in index_of.items()}
    foreign = _foreign_rows(user, body.values)
    if foreign.findings:
        raise _not_yours(foreign)
    if not report.valid:  # rows that do not parse: the rules still check the others
        if new:
            ingest(get_store(request), new, Origin(user.username, "api"), report=report,
                   places=places, dry_run=True)  # fmt: skip
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
    result = ingest(store, new, Origin(user.username, "api"), report=report, places=places,
                    dry_run=body.dry_run, override=override)  # fmt: skip
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
        return {"ok": True, "dry_run": True, "rows": len(new),
                "report": indexed(report, index_of)}  # fmt: skip
    assert result.batch is not None
    return {"ok": True, "batch": result.batch.id, "rows": result.batch.rows,
            "overridden": [f"{r.form}/{r.unit}/{r.period}" for r in result.overridden],
            "report": indexed(report, index_of)}  # fmt: skip


@router.get("/values/history")
def history(
    request: Request, user: User, indicator: str, unit: str, period: str, kind: str | None = None
) -> dict[str, Any]:
    """Every change of a value: who, when, old → new."""
    uid = find_unit(unit)
    require_read(user, uid)
    p = parse_any_period(period)
    changes = value_history(get_store(request), indicator, uid, p.id, kind)
    return {"ok": True, "changes": [c.to_dict() for c in changes]}


@router.get("/summary")
def summary(
    request: Request, user: User, period: str, unit: str = NATION_ID, boundaries: str = "current"
) -> dict[str, Any]:
    """The facts of a period for a unit: value, change, % of plan, share, rank."""
    uid = find_unit(unit)
    require_read(user, uid)
    p = parse_any_period(period)
    facts = fact_set(get_store(request), p, boundaries_of(boundaries)).of_unit(uid)
    return {
        "ok": True,
        "period": p.id,
        "unit": uid,
        "boundaries": boundaries,
        "facts": [f.to_dict() for f in facts],
    }


@router.get("/submissions")
def submissions(
    request: Request, user: User, form: str, period: str, status: str | None = None
) -> dict[str, Any]:
    """The reports of a form and period (a reporter sees its own units only)."""
    f = find_form(form)
    p = find_period(f, period)
    store = get_store(request)
    units = [u for u in f.units_for(p) if user.can_read(u)]
    out = [load_state(store, f, u, p).to_dict() for u in units]
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
    request: Request, who: Signed, form: str, unit: str, period: str
) -> Response:
    """One report: values, status, version (also sent as the ETag)."""
    return await in_form_threads(request, partial(_get, request, who, form, unit, period))


def _get(request: Request, who: Caller, form: str, unit: str, period: str) -> Response:
    store = get_store(request)
    with store.reading():  # the token's and the form's reads: one connection
        f, uid, p = locate(who.account(), form, unit, period)
        state = load_state(store, f, uid, p)
    return _json({"ok": True, "submission": state.to_dict()}, state.etag)


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
) -> Response:
    """Save a report's values as a draft: 409 if it changed since ``version``."""
    work = partial(_save, request, who, form, unit, period, body, if_match)
    return await in_form_threads(request, work)


def _save(
    request: Request, who: Caller, form: str, unit: str, period: str, body: FormValuesIn,
    if_match: str | None,
) -> Response:  # fmt: skip
    store = get_store(request)
    with (
        store.reading()
    ):  # the token's, the form's, the checks' reads and the write: one connection
        user = who.account()
        f, uid, p = locate(user, form, unit, period, write=True)
        expected = body.version or (if_match.strip('W/"') if if_match else None)
        if expected is None and not body.overwrite:
            raise PreconditionRequired(
                _("Say which version of the report these values are based on."),
                _("Send the version from GET (or If-Match), or overwrite: true."),
            )
        return _put(store, user, f, uid, p, body, expected)


def _body_findings(state: FormState, f: Form, uid: str, p: Period, body: FormValuesIn) -> Report:
    """What refuses a form's save before its values are read: an indicator the form does not
    have (as a value or a comment: refused, not dropped), a comment over the limit (whether
    its value is sent or not)."""
    report = Report()
    params = {"form": f.code, "expected_unit": uid, "expected_period": p.id}
    for c in body.values:
        if c not in state.cells:
            shown = visible(c)  # a key with a lone surrogate cannot be sent back as it is
            report.add(Finding("outside-form", indicator=shown, unit=uid, period=p.id,
                               value=shown, params=params))  # fmt: skip
    for c, text in body.comments.items():
        if c not in state.cells or bad_text(c):
            report.add(Finding("outside-form", column="comment", indicator=visible(c),
                               unit=uid, period=p.id, value=visible(c), params=params))  # fmt: skip
        elif long := comment_finding(text, {"indicator": c, "unit": uid, "period": p.id}):
            report.add(long)
    return report


def _put(
    store: Store, user: Account, f: Form, uid: str, p: Period, body: FormValuesIn,
    expected: str | None,
) -> Response:  # fmt: skip
    state = load_state(store, f, uid, p)
    refused = _body_findings(state, f, uid, p, body)
    if refused.findings:
        raise Invalid(_("The values have errors; nothing was saved."), report=refused.to_dict())
    lang = body.locale if body.locale in ("vi", "en") else "vi"
    parsed = parse_entries(state, body.values, body.comments, lang)
    result = save(
        store, user, state, parsed, expected=expected, overwrite=body.overwrite, action="api"
    )
    payload = {
        "ok": True,
        "changed": result.changed,
        "batch": result.batch_id,
        "submission": result.state.to_dict(),
        "report": result.report.to_dict(),
    }
    return _json(payload, result.state.etag)


@router.post("/submissions/{form}/{unit}/{period}/{action}", dependencies=[CSRF])
def act(
    request: Request, user: User, form: str, unit: str, period: str, action: str, body: ActionIn
) -> dict[str, Any]:
    """Submit, approve, return (comment required) or reopen (comment required) a report."""
    if action not in TRANSITIONS:
        raise Invalid(_("Unknown action %(action)s.") % {"action": action}, ", ".join(TRANSITIONS))
    f, uid, p = locate(user, form, unit, period, write=True)
    store = get_store(request)
    state = transition(
        store, user, load_state(store, f, uid, p), action, body.comment, body.version
    )
    return {"ok": True, "submission": state.to_dict()}


@router.get("/submissions/{form}/{unit}/{period}/audit")
def audit(request: Request, user: User, form: str, unit: str, period: str) -> dict[str, Any]:
    """Everything that happened to a report, newest first, with value changes old → new."""
    f, uid, p = locate(user, form, unit, period)
    store = get_store(request)
    state = load_state(store, f, uid, p)
    return {"ok": True, "events": [e.to_dict() for e in submission_events(store, state.sub_id)]}


@router.get("/board/{form}/{period}")
def board(request: Request, user: User, form: str, period: str) -> dict[str, Any]:
    """Completeness and timeliness of a form for a period (own units only for a reporter)."""
    f = find_form(form)
    p = find_period(f, period)
    units = None if user.sees_all else [u for u in f.units_for(p) if user.can_read(u)]
    return {"ok": True, **build_board(get_store(request), f, p, units).to_dict()}


__all__ = ["require_write", "router"]
