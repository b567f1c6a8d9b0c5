"""The conference deck from the report page: ``GET /report/slides?period=&unit=&fmt=pptx|pdf``
(``chitieu slides``, in the page's language; the PDF by headless LibreOffice). The ministry's
roles only, as for the report."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chitieu.catalog.units import NATION_ID
from chitieu.report.slides_build import write_slides
from chitieu.web import i18n
from chitieu.web.deps import User, get_store
from chitieu.web.errors import Forbidden, NotFound
from chitieu.web.i18n import _
from chitieu.web.scope import find_unit, parse_any_period

router = APIRouter(include_in_schema=False)
MEDIA = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


@router.get("/report/slides")
def report_slides(
    request: Request, user: User, period: str, unit: str = NATION_ID, fmt: str = "pptx"
) -> Response:
    """The deck of a period as PPTX (editable) or PDF, in the page's language."""
    if not user.sees_all:
        raise Forbidden(_("The review report covers every unit; your role may not see it."))
    if fmt not in MEDIA:
        raise NotFound(_("Unknown report format %(f)s.") % {"f": fmt}, ", ".join(MEDIA))
    p, uid, lang = parse_any_period(period), find_unit(unit), i18n.get_lang()
    with tempfile.TemporaryDirectory(prefix="chitieu-slides-") as folder:
        files = write_slides(get_store(request), p.id, Path(folder), uid, lang, pdf=fmt == "pdf")
        data = files[fmt].read_bytes()
    name = f"slides-{p.id}-{uid.replace('@', '-')}-{lang}.{fmt}"
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
