"""Data entry: a page per form × unit × period, Excel template and upload, audit pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from chitieu.web import excel, i18n
from chitieu.web.audit import submission_events, value_history
from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.errors import Conflict, Invalid
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import find_unit, locate, parse_any_period
from chitieu.web.submissions import FormState, load_state, parse_entries, save, transition

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> FormData:
    """The posted form fields (read once, before the handler runs in a worker thread)."""
    return await request.form()


def entry_page(
    request: Request,
    user: Any,
    state: FormState,
    status_code: int = 200,
    typed: dict[str, str] | None = None,
    comments: dict[str, str] | None = None,
    report: dict[str, Any] | None = None,
    message: str | None = None,
    problem: str | None = None,
    hint: str | None = None,
    upload_errors: list[dict[str, Any]] | None = None,
) -> HTMLResponse:
    """The data-entry page, with typed values and inline errors kept after a failed save."""
    lang = i18n.get_lang()
    fields: dict[str, list[tuple[str, str]]] = {}
    warned: dict[str, list[tuple[str, str]]] = {}
    for fd in (report or {}).get("findings", []):
        into = warned if fd.get("severity") == "warning" else fields
        into.setdefault(fd.get("indicator") or "", []).append(
            (fd["message"][lang], fd["hint"][lang])
        )
    others = [w for k, ws in {**warned, **fields}.items() if k not in state.cells for w in ws]
    rows = []
    for code, cell in state.cells.items():
        rows.append(
            {
                "code": code,
                "cell": cell,
                "typed": (typed or {}).get(code),
                "comment": (comments or {}).get(code, cell.comment or ""),
                "errors": fields.get(code, []),
                "warnings": warned.get(code, []),
            }
        )
    return page(
        request,
        "entry.html",
        status_code,
        state=state,
        rows=rows,
        message=message,
        problem=problem,
        hint=hint,
        upload_errors=upload_errors or [],
        others=others,
        can_write=user.can_write(state.unit),
        ministry=user.is_ministry,
    )


DONE = {
    "save": lambda: _("Saved as a draft."),
    "nochange": lambda: _("Nothing changed."),
    "submit": lambda: _("Submitted to the ministry."),
    "upload": lambda: _("The Excel file was checked and its values saved."),
    "approve": lambda: _("Approved; the data is locked."),
    "return": lambda: _("Returned to the unit with your comment."),
    "reopen": lambda: _("Reopened; the unit may change the data again."),
}


@router.get("/entry/{form}/{unit}/{period}", response_class=HTMLResponse)
def entry(request: Request, user: User, form: str, unit: str, period: str, done: str = ""):  # type: ignore[no-untyped-def]
    """The data-entry page of a form for a unit and period."""
    f, uid, p = locate(user, form, unit, period)
    state = load_state(get_store(request), f, uid, p)
    msg = DONE[done]() if done in DONE else None
    return entry_page(request, user, state, message=msg)


@router.post("/entry/{form}/{unit}/{period}", response_class=HTMLResponse, dependencies=[CSRF])
def entry_save(  # type: ignore[no-untyped-def]
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    data: Annotated[FormData, Depends(form_data)],
):
    """Save the typed values as a draft, and submit them if asked."""
    f, uid, p = locate(user, form, unit, period, write=True)
    store = get_store(request)
    with store.reading():  # the form and the checks' reads on one connection
        return _entry_save(request, user, store, f, uid, p, data)


def _entry_save(  # type: ignore[no-untyped-def]
    request: Request, user: Any, store: Any, f: Any, uid: str, p: Any, data: FormData
):
    state = load_state(store, f, uid, p)
    typed = {c: str(data.get(f"v__{c}", "")) for c in f.indicators if f"v__{c}" in data}
    comments = {c: str(data.get(f"c__{c}", "")) for c in f.indicators}
    action = str(data.get("action", "save"))
    parsed = parse_entries(state, typed, comments, i18n.get_lang())
    try:
        result = save(
            store,
            user,
            state,
            parsed,
            expected=str(data.get("version") or "") or None,
            overwrite=data.get("overwrite") == "1",
        )
        if action == "submit":
            transition(store, user, result.state, "submit")
            done = "submit"
        else:
            done = "save" if result.changed else "nochange"
            if result.report.warnings:  # saved: show the warnings on the page at once
                return entry_page(
                    request,
                    user,
                    result.state,
                    report=result.report.to_dict(),
                    message=DONE[done](),
                )
    except (Invalid, Conflict) as exc:
        fresh = load_state(store, f, uid, p)
        return entry_page(
            request,
            user,
            fresh,
            exc.http_status,
            typed,
            comments,
            exc.extra.get("report"),
            problem=exc.message,
            hint=exc.hint,
        )
    return RedirectResponse(f"/entry/{f.code}/{uid}/{p.id}?done={done}", 303)


@router.get("/entry/{form}/{unit}/{period}/template.xlsx")
def template(request: Request, user: User, form: str, unit: str, period: str) -> Response:
    """The Excel template of the form for this unit and period, pre-filled."""
    f, uid, p = locate(user, form, unit, period)
    state = load_state(get_store(request), f, uid, p)
    name = f"{f.code}_{uid.replace('@', '-')}_{p.id}.xlsx"
    return Response(
        excel.template(state, i18n.get_lang()),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/entry/{form}/{unit}/{period}/upload", response_class=HTMLResponse, dependencies=[CSRF]
)
def upload(  # type: ignore[no-untyped-def]
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    file: Annotated[UploadFile, File()],
    overwrite: Annotated[str, Form()] = "",
):
    """Check a filled-in template; store it whole or not at all, errors by sheet and cell."""
    f, uid, p = locate(user, form, unit, period, write=True)
    store = get_store(request)
    state = load_state(store, f, uid, p)
    # read no further than the upload's size limit (collect.limits)
    up = excel.read_upload(file.file, file.filename or "upload.xlsx", state, i18n.get_lang())
    try:
        save(
            store,
            user,
            state,
            up.parsed,
            expected=up.version,
            overwrite=overwrite == "1",
            action="upload",
            filename=file.filename,
        )
    except Invalid as exc:
        return entry_page(request, user, state, 422, problem=exc.message, upload_errors=up.errors)
    except Conflict as exc:
        return entry_page(request, user, state, 409, problem=exc.message, hint=exc.hint)
    return RedirectResponse(f"/entry/{f.code}/{uid}/{p.id}?done=upload", 303)


@router.get("/entry/{form}/{unit}/{period}/audit", response_class=HTMLResponse)
def audit(request: Request, user: User, form: str, unit: str, period: str) -> HTMLResponse:
    """Everything that happened to this report: transitions and value changes old → new."""
    f, uid, p = locate(user, form, unit, period)
    store = get_store(request)
    state = load_state(store, f, uid, p)
    return page(request, "audit.html", state=state, events=submission_events(store, state.sub_id))


@router.get("/history/{indicator}/{unit}/{period}", response_class=HTMLResponse)
def history(
    request: Request, user: User, indicator: str, unit: str, period: str, kind: str | None = None
) -> HTMLResponse:
    """Every vintage of one value: who changed it when, old → new."""
    from chitieu.web.deps import require_read

    uid = find_unit(unit)
    require_read(user, uid)
    p = parse_any_period(period)
    changes = value_history(get_store(request), indicator, uid, p.id, kind)
    return page(
        request, "history.html", indicator=indicator, unit=uid, period=p.id, changes=changes
    )
