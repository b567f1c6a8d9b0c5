"""The entry page's Excel: the report's template, and the upload of a filled-in one.

A refused upload is told on the report's own page, beside the upload control, in the page's
language (issue 19): a file of the wrong type, a file that cannot be read, the cells in error
(each finding as ``web.said`` tells it), or the fields someone else changed. The values typed on
the page but not saved yet came with the upload (``static/entry.js`` copies them into it) and
are shown again as typed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from chitieu.catalog.vocabulary import Action
from chitieu.check.findings import Finding
from chitieu.errors import ChitieuError, Conflict, InputFileError, Invalid
from chitieu.web import excel, i18n
from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.routes.entry import Shown, entry_page, form_data, url_of
from chitieu.web.routes.entry_view import fields
from chitieu.web.said import said
from chitieu.web.scope import locate_report
from chitieu.workflow.save import SaveConflict, save
from chitieu.workflow.state import Report, reload

router = APIRouter(include_in_schema=False)


@router.get("/entry/{form}/{unit}/{period}/template.xlsx")
def template(
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    round: str | None = None,
    layout: str | None = None,
) -> Response:
    """The Excel template of the report, pre-filled (its hidden sheet keeps the values it was
    made from and the version): in the form's official layout where it has one;
    ``?layout=long``: as a long table, one row per indicator."""
    r = locate_report(get_store(request), user, form, unit, period, round)
    name = f"{r.form.code}_{r.unit.replace('@', '-')}_{r.period.id}"
    name += f"_{r.round.round}.xlsx" if len(r.form.rounds) > 1 else ".xlsx"
    return Response(
        excel.template(r, i18n.get_lang(), layout),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def carried(r: Report, data: FormData) -> Shown:
    """The page's typed values that came with the upload (those that differ from what the
    page was written with), with the base each was typed from."""
    from chitieu.web.routes.entry_view import _written

    typed, comments = fields(r, data, "v__"), fields(r, data, "c__")
    bases, base_comments = fields(r, data, "b__"), fields(r, data, "bc__")
    changed = {
        c
        for c in bases
        if typed.get(c, _written(bases[c])) != _written(bases[c])
        or comments.get(c, base_comments.get(c, "")) != base_comments.get(c, "")
    }
    return Shown(
        {c: typed[c] for c in changed if c in typed},
        {c: comments[c] for c in changed if c in comments},
        {c: (bases[c], base_comments.get(c, "")) for c in changed},
    )


def told_errors(errors: list[dict[str, Any]], found: list[Finding], lang: str) -> list[Any]:
    """The upload's errors by cell, each finding told as the page tells it (``web.said``)."""
    out = []
    for e, f in zip(errors, found, strict=False):
        if e.get("message") == f.message(lang):  # the same finding: tell it the web's way
            s = said({**f.to_dict(), "params": f.params}, lang)
            e = {**e, "message": s.message, "hint": s.hint, "link": s.link}
        out.append(e)
    return out + errors[len(out) :]


@router.post(
    "/entry/{form}/{unit}/{period}/upload", response_class=HTMLResponse, dependencies=[CSRF]
)
def upload(
    request: Request,
    user: User,
    form: str,
    unit: str,
    period: str,
    file: Annotated[UploadFile, File()],
    data: Annotated[FormData, Depends(form_data)],
    overwrite: Annotated[str, Form()] = "",
    round: str | None = None,
) -> Response:
    """Check a filled-in template; store it whole or not at all, errors by sheet and cell;
    only the cells changed from the template's own values are written."""
    store = get_store(request)
    lang = i18n.get_lang()
    r = locate_report(store, user, form, unit, period, round, write=True)
    try:
        # read no further than the upload's size limit (collect.limits)
        up = excel.read_upload(file.file, file.filename or "upload.xlsx", r, lang)
    except InputFileError as exc:  # not an .xlsx, not readable: told beside the control
        return _refused(request, user, r, data, exc)
    try:
        save(
            store,
            user,
            r,
            up.parsed,
            expected=up.version,
            overwrite=overwrite == "1",
            action=Action.UPLOAD,
            filename=file.filename,
        )
    except (Invalid, Conflict) as exc:
        errors: list[Any] = []
        if isinstance(exc, Invalid):
            errors = told_errors(up.errors, up.parsed.report.findings, lang)
        shown = _refused_shown(r, data, exc)
        shown.conflicts = exc.clashes if isinstance(exc, SaveConflict) else []
        shown.upload_errors = errors
        later = (exc.extra.get("report") or {}).get("findings", [])[len(up.errors) :]
        shown.findings = {"findings": later} if later else None  # the save's own checks
        return entry_page(request, user, reload(store, r), exc.http_status, shown)
    return RedirectResponse(url_of(r, query="done=upload"), 303)


def _refused_shown(r: Report, data: FormData, exc: ChitieuError) -> Shown:
    shown = carried(r, data)
    shown.upload_problem = exc.text(i18n.get_lang())
    return shown


def _refused(
    request: Request, user: Any, r: Report, data: FormData, exc: ChitieuError
) -> HTMLResponse:
    shown = _refused_shown(r, data, exc)
    return entry_page(request, user, reload(get_store(request), r), exc.http_status, shown)
