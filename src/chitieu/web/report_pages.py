"""The review report (``chitieu.report.build_report``) viewed and downloaded.

Routes are plain ``def`` functions, so FastAPI runs the (slow) report build in its threadpool,
off the event loop. Built files are kept in a small in-memory cache keyed by period, unit,
language, format, day and the store's data version (``Store.data_version``: values, peer
reference rows, key tasks and reports), so any change makes the next request build it again.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from chitieu.analyze.cache import VersionedCache, version_key
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import User, get_store
from chitieu.web.errors import ERROR_RESPONSES, Forbidden, NotFound
from chitieu.web.i18n import _
from chitieu.web.render import page
from chitieu.web.scope import find_unit, parse_any_period

router = APIRouter()
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
#: how many built reports the cache keeps (least recently used dropped first)
CACHE_SIZE = 16
#: the report's inline chart scripts (the page's CSP allows no inline script): figure → chart id
_CHART = re.compile(
    r"<script>\s*\(function \(\) \{\s*var fig = (?P<fig>.*?);\s*"
    r'Plotly\.newPlot\("chart-(?P<id>[^"]+)".*?</script>',
    re.S,
)
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


def embed(html: str) -> tuple[str, str]:
    """The report's body for the web page, and its charts as JSON for ``static/charts.js``."""
    charts = {m["id"]: json.loads(m["fig"]) for m in _CHART.finditer(html)}
    m = _BODY.search(html)
    body = _SCRIPT.sub("", _CHART.sub("", m["body"] if m else html))
    return body, json.dumps(charts).replace("</", "<\\/")


def _build(request: Request, user: Account, period: str, unit: str, fmt: str, lang: str) -> bytes:
    """The report's bytes after checking the format, unit, period and the user's role."""
    if fmt not in FORMATS:
        raise NotFound(_("Unknown report format %(f)s.") % {"f": fmt}, ", ".join(FORMATS))
    uid = find_unit(unit)
    if not user.sees_all:
        raise Forbidden(_("The review report covers every unit; your role may not see it."))
    p = parse_any_period(period)
    return report_bytes(get_store(request), p.id, uid, lang, fmt)


@router.get("/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(
    request: Request, user: User, period: str = "2023S1", unit: str = "VN"
) -> HTMLResponse:
    """The review report shown in the page, with links to every format."""
    html = _build(request, user, period, unit, "html", i18n.get_lang()).decode("utf-8")
    body, charts = embed(html)
    return page(
        request,
        "report.html",
        period=period,
        unit=unit,
        body=body,
        charts=charts,
        formats=list(FORMATS),
    )


#: the report's HTML loads plotly.min.js from beside the file; a download carries it inline
_PLOTLY_TAG = b'<script src="plotly.min.js"></script>'


def standalone_html(data: bytes) -> bytes:
    """The report's HTML with plotly.js inlined, so the downloaded file draws its charts offline."""
    from chitieu.web.plotly_css import plotly_js

    if _PLOTLY_TAG not in data:
        return data
    return data.replace(_PLOTLY_TAG, b"<script>" + plotly_js().read_bytes() + b"</script>", 1)


def _download(
    request: Request, user: Account, period: str, unit: str, fmt: str, lang: str
) -> Response:
    data = _build(request, user, period, unit, fmt, lang)
    if fmt == "html":
        data = standalone_html(data)
    name = f"bao-cao-{period}-{unit.replace('@', '-')}-{lang}.{fmt}"
    return Response(
        data,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/report/download", include_in_schema=False)
def report_download(
    request: Request, user: User, period: str, fmt: str = "docx", unit: str = "VN"
) -> Response:
    """The review report as a file (docx, pdf, html or md) in the page's language."""
    return _download(request, user, period, unit, fmt, i18n.get_lang())


@router.get(
    "/api/v1/report",
    tags=["v1"],
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "the report file",
            "content": {t.split(";")[0]: {} for t in sorted(set(FORMATS.values()))},
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
) -> Response:
    """The review report of a period as a file (md, html, docx or pdf; vi or en)."""
    return _download(request, user, period, unit, format, lang if lang in i18n.LANGS else "vi")
