"""The review report (``chitieu.report.build_report``) viewed and downloaded.

Routes are plain ``def`` functions, so FastAPI runs the (slow) report build in its threadpool,
off the event loop. Built files are kept in a small in-memory cache keyed by period, unit,
language, format, day and the store's data version (``Store.data_version``: values, peer
reference rows, key tasks and reports), so any change makes the next request build it again.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from datetime import date
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from chitieu.analyze.cache import VersionedCache, version_key
from chitieu.catalog.units import NATION_ID, registry
from chitieu.report.render import formats
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import User, get_store
from chitieu.web.errors import ERROR_RESPONSES, Forbidden, NotFound
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import find_unit, parse_any_period

router = APIRouter()
#: how many built reports the cache keeps (least recently used dropped first)
CACHE_SIZE = 16
_BODY = re.compile(r"<body[^>]*>(?P<body>.*)</body>", re.S)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


#: built report files: (store, data version, period, unit, lang, format, day) → bytes
CACHE: VersionedCache[bytes] = VersionedCache(CACHE_SIZE)


def report_bytes(store: Store, period: str, unit: str, lang: str, fmt: str) -> bytes:
    """The report file's content, built into a temporary folder or read from the cache."""
    from chitieu.report import build_report

    key = version_key(store, period, unit, lang, fmt, date.today())
    data = CACHE.get(key)
    if data is None:
        with tempfile.TemporaryDirectory(prefix="chitieu-report-") as folder:
            paths = build_report(
                store, period, unit=unit, lang=lang, formats=(fmt,), out_dir=Path(folder)
            )
            data = paths[fmt].read_bytes()
        CACHE.put(key, data)
    return data


def _build_check(user: Account, fmt: str) -> None:
    if fmt not in formats():
        raise NotFound(_("Unknown report format %(f)s.") % {"f": fmt}, ", ".join(formats()))
    if not user.sees_all:
        raise Forbidden(_("The review report covers every unit; your role may not see it."))


def _build(request: Request, user: Account, period: str, unit: str, fmt: str, lang: str) -> bytes:
    """The report's bytes after checking the format, unit, period and the user's role."""
    _build_check(user, fmt)
    uid = find_unit(unit)
    p = parse_any_period(period)
    return report_bytes(get_store(request), p.id, uid, lang, fmt)


#: report pages' bodies: (store, data version, period, unit, lang, day) → HTML
PAGES: VersionedCache[str] = VersionedCache(CACHE_SIZE)
_TABLE = re.compile(r'<table class="data">.*?</table>', re.S)
_IMG = re.compile(r'<img src="(?P<id>[^"/]+)\.svg" alt="[^"]*">')


def page_body(store: Store, period: str, unit: str, lang: str) -> str:
    """The report's body for the web page: the print layout (the heading block as in the
    DOCX), each chart drawn as SVG on the server (no charting library in the page)."""
    from chitieu.report import build_document, make_context
    from chitieu.report.model import Chart
    from chitieu.report.render.base import RenderJob
    from chitieu.report.render.html import html_text
    from chitieu.web.svgcharts import spec_svg

    key = version_key(store, period, unit, lang, "page", date.today())
    got = PAGES.get(key)
    if got is not None:
        return got
    doc = build_document(make_context(store, period, unit, lang))
    charts = {b.spec.id: b.spec for s in doc.sections for b in s.blocks if isinstance(b, Chart)}
    folder = Path(tempfile.gettempdir())
    job = RenderJob(doc, folder, "page", images={k: folder / f"{k}.svg" for k in charts})
    html = html_text(job, static=True)
    m = _BODY.search(html)
    body = _SCRIPT.sub("", m["body"] if m else html)
    body = _IMG.sub(lambda g: spec_svg(charts[g["id"]]) if g["id"] in charts else "", body)
    label = escape(_("Table"))
    body = _TABLE.sub(
        lambda t: (
            f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">'
            f"{t[0]}</div>"
        ),
        body,
    )  # a wide table scrolls in its own region, which the keyboard reaches
    PAGES.put(key, body)
    return body


@router.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(
    request: Request, user: User, period: str = "", unit: str = NATION_ID
) -> HTMLResponse:
    """The review report shown in the page, with a period and unit picker and every format
    to download (Markdown and HTML as a zip with their images)."""
    from chitieu.web.routes.dashboard_data import default_period, period_groups

    store = get_store(request)
    p = parse_any_period(period or default_period(store))
    uid = find_unit(unit)
    if not user.sees_all:
        raise Forbidden(_("The review report covers every unit; your role may not see it."))
    body = page_body(store, p.id, uid, i18n.get_lang())
    system = "63" if p.end.isoformat() < "2025-07-01" else "34"
    units = [u for u in registry().all() if u.level == 1 and u.system == system]
    return page(
        request,
        "report.html",
        period=p.id,
        unit=uid,
        body=body,
        formats=list(formats()),
        period_groups=period_groups(store, p.id),
        units=units,
        zipped=zipped_formats(),
    )


#: the report's HTML loads plotly.min.js from beside the file; a download carries it inline
_PLOTLY_TAG = b'<script src="plotly.min.js"></script>'


def standalone_html(data: bytes) -> bytes:
    """The report's HTML with plotly.js inlined, so the downloaded file draws its charts offline."""
    from chitieu.web.plotly_css import plotly_js

    if _PLOTLY_TAG not in data:
        return data
    return data.replace(_PLOTLY_TAG, b"<script>" + plotly_js().read_bytes() + b"</script>", 1)


def zipped_formats() -> list[str]:
    """Formats whose file needs others beside it (images, plotly.js): downloaded from the page
    as a zip of the folder ``build_report`` wrote (the registry's ``self_contained``)."""
    return [k for k, f in formats().items() if not f.self_contained]


def report_zip(store: Store, period: str, unit: str, lang: str, fmt: str) -> bytes:
    """The report in ``fmt`` with every file it links to (its chart images, plotly.js), as a
    zip: the Markdown's image links resolve once it is unpacked."""
    from chitieu.report import build_report

    key = version_key(store, period, unit, lang, f"{fmt}.zip", date.today())
    data = CACHE.get(key)
    if data is None:
        buf = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="chitieu-report-") as folder:
            build_report(store, period, unit=unit, lang=lang, formats=(fmt,), out_dir=Path(folder))
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(Path(folder).rglob("*")):
                    if f.is_file():
                        z.write(f, f.relative_to(folder).as_posix())
        data = buf.getvalue()
        CACHE.put(key, data)
    return data


def _download(
    request: Request, user: Account, period: str, unit: str, fmt: str, lang: str, zipped: bool
) -> Response:
    name = f"bao-cao-{period}-{unit.replace('@', '-')}-{lang}.{fmt}"
    if zipped and fmt in zipped_formats():
        _build_check(user, fmt)
        p = parse_any_period(period)
        data = report_zip(get_store(request), p.id, find_unit(unit), lang, fmt)
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
        )
    data = _build(request, user, period, unit, fmt, lang)
    if fmt == "html":
        data = standalone_html(data)
    return Response(
        data,
        media_type=formats()[fmt].media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/report/download", include_in_schema=False)
def report_download(
    request: Request, user: User, period: str, fmt: str = "docx", unit: str = "VN"
) -> Response:
    """The review report as a file (docx, pdf, html or md) in the page's language."""
    return _download(request, user, period, unit, fmt, i18n.get_lang(), zipped=True)


@router.get(
    "/api/v1/report",
    tags=["v1"],
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "the report file",
            "content": {
                t.split(";")[0]: {} for t in sorted({f.media_type for f in formats().values()})
            },
        },
    },
)
def api_report(
    request: Request,
    user: User,
    period: str,
    format: str = "md",
    unit: str = "VN",
    lang: str = "vi",
    zip: bool = False,
) -> Response:
    """The review report of a period as a file (md, html, docx or pdf; vi or en); with
    ``zip=true``, Markdown and HTML come as a zip with their images (and plotly.js)."""
    lang = lang if lang in i18n.LANGS else "vi"
    return _download(request, user, period, unit, format, lang, zipped=zip)
