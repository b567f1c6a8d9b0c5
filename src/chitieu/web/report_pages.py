"""The review report (issue 3's ``chitieu.report.build_report``) viewed and downloaded.

Its router is NOT included in the app until the report module is merged: the lead adds
``report_pages.router`` to ``create_app`` (and a "Report" link in base.html) then.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from chitieu.web import i18n
from chitieu.web.deps import User, get_store
from chitieu.web.errors import Forbidden, NotFound
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import find_unit, parse_any_period

router = APIRouter()
FORMATS = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _build(request: Request, user, period: str, unit: str, fmt: str, lang: str):  # type: ignore[no-untyped-def]
    """Build the report into a temporary folder; returns (path, folder)."""
    from chitieu.report import build_report

    if fmt not in FORMATS:
        raise NotFound(_("Unknown report format %(f)s.") % {"f": fmt}, ", ".join(FORMATS))
    uid = find_unit(unit)
    if not user.sees_all:
        raise Forbidden(_("The review report covers every unit; your role may not see it."))
    p = parse_any_period(period)
    folder = tempfile.TemporaryDirectory(prefix="chitieu-report-")
    paths = build_report(
        get_store(request), p.id, unit=uid, lang=lang, formats=(fmt,), out_dir=Path(folder.name)
    )
    return paths[fmt], folder


@router.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, user: User, period: str = "2023S1", unit: str = "VN"):  # type: ignore[no-untyped-def]
    """The review report shown in the page, with links to every format."""
    path, folder = _build(request, user, period, unit, "html", i18n.get_lang())
    try:
        html = path.read_text(encoding="utf-8")
    finally:
        folder.cleanup()
    return page(request, "report.html", period=period, unit=unit, body=html, formats=list(FORMATS))


def _download(request: Request, user, period: str, unit: str, fmt: str, lang: str):  # type: ignore[no-untyped-def]
    path, folder = _build(request, user, period, unit, fmt, lang)
    return FileResponse(
        path,
        media_type=FORMATS[fmt],
        filename=f"bao-cao-{period}-{unit}.{fmt}",
        background=BackgroundTask(folder.cleanup),
    )


@router.get("/report/download", include_in_schema=False)
def report_download(  # type: ignore[no-untyped-def]
    request: Request, user: User, period: str, fmt: str = "docx", unit: str = "VN"
):
    """The review report as a file (html, md, docx or pdf) in the page's language."""
    return _download(request, user, period, unit, fmt, i18n.get_lang())


@router.get("/api/v1/report", tags=["v1"])
def api_report(  # type: ignore[no-untyped-def]
    request: Request,
    user: User,
    period: str,
    format: str = "md",
    unit: str = "VN",
    lang: str = "vi",
):
    """The review report of a period as a file (md, html, docx or pdf; vi or en)."""
    return _download(request, user, period, unit, format, lang if lang in i18n.LANGS else "vi")
