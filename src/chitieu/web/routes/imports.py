"""``POST /api/v1/imports/upload``: a file imported through the web as ``chitieu import``
imports it — any layout (a long table, an official form's sheets), the same checks, the same
JSON (``counts``, ``findings`` with sheet and cell, ``values``). The ministry's roles only
(an analyst or an administrator): a province's department uploads its report's template on
the entry page. The upload's own limits apply (``Limits.for_upload``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from chitieu.collect.importer import import_file
from chitieu.collect.limits import check_size, limits
from chitieu.errors import InputFileError
from chitieu.web.deps import CSRF, Signed, get_store
from chitieu.web.errors import ERROR_RESPONSES, Forbidden
from chitieu.web.i18n import _

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERROR_RESPONSES)


@router.post("/imports/upload", dependencies=[CSRF], response_model=dict[str, Any])
def import_upload(
    request: Request,
    caller: Signed,
    file: Annotated[UploadFile | None, File()] = None,
    form: Annotated[str | None, Form()] = None,
    unit: Annotated[str | None, Form()] = None,
    period: Annotated[str | None, Form()] = None,
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    """Import a file (CSV, XLSX: a long table or an official form's sheets); all or nothing,
    every problem at its sheet and cell; 422 when anything blocks the write. The caller is
    looked up here, in the endpoint's thread: one hand-over to the thread pool per upload,
    not two (``deps.Caller``)."""
    user = caller.account()
    if not user.is_ministry:  # before the body is looked at: a reporter learns nothing more
        raise Forbidden(_("You may not change this unit's data."), user.role)
    if file is None:
        raise InputFileError(code="input-empty", file="file")
    lim = limits().for_upload()
    name = Path(file.filename or "upload.xlsx").name or "upload.xlsx"
    body = file.file.read(lim.file_bytes + 1)
    check_size(len(body), name, lim, upload=True)
    fd, tmp = tempfile.mkstemp(suffix=Path(name).suffix.lower() or ".xlsx")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        res = import_file(Path(tmp), get_store(request), created_by=user.username,
                          dry_run=dry_run, form=form or None, unit=unit or None,
                          period=period or None, file=name, lim=lim)  # fmt: skip
    finally:
        os.unlink(tmp)
    # the result is JSON already (``ImportResult.to_dict``): sent as it is, without the
    # framework's encoder walking every value and finding again
    body_out = {"ok": res.report.valid, **res.to_dict()}
    return JSONResponse(body_out, status_code=200 if res.report.valid else 422)
