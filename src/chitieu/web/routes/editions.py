"""Editions of the review as adopted, from the web: the report page's "Issue" button
(``POST /report/issue``) freezes an edition — as ``chitieu report --issue`` does — and answers
with its files as a zip; ``GET /api/v1/editions`` lists them. Ministry accounts only."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from chitieu.catalog.instants import iso
from chitieu.catalog.units import NATION_ID
from chitieu.report.editions import Request as EditionRequest
from chitieu.report.editions import issue_edition
from chitieu.store.editions import EditionRecords
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import CSRF, User, get_store
from chitieu.web.errors import Forbidden, Invalid
from chitieu.web.i18n import _
from chitieu.web.scope import find_unit, parse_any_period

router = APIRouter()


def _ministry(user: Account) -> None:
    if not user.is_ministry:
        raise Forbidden(_("Only the ministry issues the review as adopted."))


def _zip(folder: Path, number: int, manifest: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in manifest["files"]:
            z.write(folder / f["name"], f["name"])
        z.writestr(f"edition-{number}.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return out.getvalue()


@router.post("/report/issue", dependencies=[CSRF], include_in_schema=False)
def issue(
    request: Request,
    user: User,
    period: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = NATION_ID,
) -> Response:
    """Issue the report of a period as adopted (now): the edition's files as a zip, its number
    in the ``X-Chitieu-Edition`` header."""
    _ministry(user)  # before the form is judged: a viewer learns nothing from a 422
    if not period:
        raise Invalid(_("Name the period of the report to issue."))
    p, uid, lang = parse_any_period(period), find_unit(unit), i18n.get_lang()
    store = get_store(request)
    req = EditionRequest(p.id, uid, lang)
    with tempfile.TemporaryDirectory(prefix="chitieu-edition-") as folder:
        done = issue_edition(store, EditionRecords(store), req, Path(folder), by=user.username)
        manifest = {"number": done.number, "period": p.id, "unit": uid, "lang": lang,
                    "as_of": iso(done.as_of), "corrects": done.previous,
                    "changes": done.changes, "files": done.described}  # fmt: skip
        data = _zip(Path(folder), done.number, manifest)
    name = f"edition-{done.number}-{p.id}-{lang}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Chitieu-Edition": str(done.number),
        },
    )


@router.get("/api/v1/editions", tags=["report"])
def list_editions(request: Request, user: User, period: str | None = None) -> dict[str, Any]:
    """The editions issued, oldest first: number, period, unit, language, as-of instant, the
    edition each corrects, the facts it changed, the files with their SHA-256."""
    _ministry(user)
    found = EditionRecords(get_store(request)).list(period)
    return {
        "editions": [
            {"number": e.id, "period": e.period, "unit": e.unit, "lang": e.lang,
             "as_of": iso(e.as_of), "issued_at": iso(e.issued_at), "issued_by": e.issued_by,
             "corrects": e.previous_id, "changes": e.changes, "files": e.files}
            for e in found
        ]
    }  # fmt: skip
