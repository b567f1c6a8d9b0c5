"""Exchange with other systems: DHIS2 data value sets in and out, SDMX out.

- ``POST /api/v1/dataValueSets``: a DHIS2 data value set (JSON; CSV as ``application/csv``;
  ADX as ``application/adx+xml``), options in the query (``dryRun``, ``importStrategy``,
  ``idScheme``, ``dataElementIdScheme``, ``orgUnitIdScheme``, ``atomic``) or the payload;
  answered with DHIS2's import summary (200, or 409 with the whole body when anything was
  rejected; 413 over ``CHITIEU_DHIS2_MAX_VALUES`` values). A reporter may push its own units'
  values only (E8011 conflicts name the others).
- ``GET /api/v1/dataValueSets``: the current values as DHIS2 JSON (``format=csv|adx`` or the
  Accept header for the others), by ``dataSet`` (a form), ``period`` or ``startDate`` and
  ``endDate``, ``orgUnit`` (``children=true``: the nation's provinces too), ``dataElement``.
- ``GET /api/v1/sdmx/structure/{flow}``, ``GET /api/v1/sdmx/data/{flow}?startPeriod=…&
  endPeriod=…&format=csv|xml``: SDMX-ML 3.0 structure, SDMX-CSV 2.0 or SDMX-ML 3.0 data.

Ids by code unless the server's mapping file (``CHITIEU_DHIS2_MAPPING``) and ``idScheme=UID``
say otherwise.
"""

from __future__ import annotations

import os
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from chitieu.catalog.forms import forms
from chitieu.catalog.periods import parse_period
from chitieu.catalog.units import NATION_ID, registry
from chitieu.collect.layouts.dhis2_ids import Mapping
from chitieu.errors import PeriodError
from chitieu.web.deps import CSRF, User, get_store, require_read
from chitieu.web.errors import ERROR_RESPONSES, Conflict, Forbidden, NotFound
from chitieu.web.i18n import _, get_lang

router = APIRouter(prefix="/api/v1", tags=["exchange"], responses=ERROR_RESPONSES)
#: the most values one posted data value set may hold
MAX_VALUES = int(os.environ.get("CHITIEU_DHIS2_MAX_VALUES", "100000"))
_FORMATS = {
    "application/csv": "dhis2-csv",
    "text/csv": "dhis2-csv",
    "application/adx+xml": "adx",
    "application/xml+adx": "adx",
}
_OUT = {"json": "dhis2-json", "csv": "dhis2-csv", "adx": "adx"}
_IMPORT_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "DHIS2's import summary (success or warnings)"},
    409: {"description": "DHIS2's import summary: values were rejected (nothing written)"},
    413: {"description": "DHIS2's import summary: more values than CHITIEU_DHIS2_MAX_VALUES"},
}


@cache
def _mapping_from(path: str | None) -> Mapping:
    from chitieu.collect.layouts.dhis2_ids import MappingError
    from chitieu.interop.export import ExportError

    try:
        return Mapping.load(Path(path)) if path else Mapping()
    except (OSError, MappingError) as exc:  # the server's setting: a 400 naming the file
        raise ExportError(code="export-mapping", file=str(path), problem=str(exc)) from None


def server_mapping() -> Mapping:
    """The server's DHIS2 mapping file (``CHITIEU_DHIS2_MAPPING``), read once."""
    return _mapping_from(os.environ.get("CHITIEU_DHIS2_MAPPING") or None)


def _format_of(content_type: str) -> str:
    base = content_type.split(";")[0].strip().lower()
    return _FORMATS.get(base, "dhis2-json")


@router.post("/dataValueSets", dependencies=[CSRF], responses=_IMPORT_DOC)
async def post_data_value_sets(
    request: Request,
    user: User,
    dryRun: bool | None = None,
    importStrategy: str | None = None,
    idScheme: str | None = None,
    dataElementIdScheme: str | None = None,
    orgUnitIdScheme: str | None = None,
    atomic: bool | None = None,
) -> JSONResponse:
    """Import a DHIS2 data value set (JSON, CSV or ADX by Content-Type); DHIS2's summary."""
    from chitieu.collect.layouts.dhis2_write import import_dhis2

    if not (user.is_ministry or user.units):
        raise Forbidden(_("You may not change this unit's data."), user.role)
    raw = await request.body()
    fmt = _format_of(request.headers.get("content-type", ""))
    query = {
        "dryRun": dryRun,
        "importStrategy": importStrategy,
        "idScheme": idScheme,
        "dataElementIdScheme": dataElementIdScheme,
        "orgUnitIdScheme": orgUnitIdScheme,
        "atomic": atomic,
    }
    store, lang = get_store(request), get_lang()

    def work() -> Any:
        return import_dhis2(
            store,
            raw,
            fmt,
            query=query,
            mapping=server_mapping(),
            actor=user.username,
            source="api",
            allowed=user.can_write,
            max_values=MAX_VALUES,
        )

    res = await anyio.to_thread.run_sync(work)
    return JSONResponse(res.summary(lang), status_code=res.http_status)


def _units_of(user: Any, org_units: list[str] | None, children: bool) -> list[str] | None:
    """Unit ids asked for (a code of both province systems), within what the user may read."""
    reg = registry()
    if not org_units:
        if user.sees_all:
            return None
        return sorted(u.id for u in reg.all() if user.can_read(u.id))
    ids: list[str] = []
    for text in org_units:
        t = text.strip()
        same = [u.id for u in reg.all() if u.code == t.zfill(2)] if t.isdigit() else []
        found = same or [
            reg.get(t).id
            if t in {u.id for u in reg.all()}
            else NATION_ID
            if t.upper() == "VN"
            else ""
        ]
        if not [f for f in found if f]:
            raise NotFound(_("No such unit."), t)
        ids += [f for f in found if f]
        if children and NATION_ID in found:
            ids += [u.id for u in reg.all() if u.level == 1]
    for u in ids:
        require_read(user, u)
    return sorted(set(ids))


def _periods_between(store: Any, start: date | None, end: date | None) -> list[str]:
    out = []
    for pid in store.periods():
        try:
            p = parse_period(pid)
        except (ValueError, PeriodError):
            continue
        if (start is None or p.start >= start) and (end is None or p.end <= end):
            out.append(pid)
    return out


def _indicators(data_set: str | None, elements: list[str] | None, m: Mapping) -> list[str] | None:
    inds: set[str] | None = None
    if data_set:
        code = m.data_sets.get(data_set, data_set)
        form = forms().find(code)
        if form is None:
            raise NotFound(_("No such form."), data_set)
        inds = set(form.indicators)
    if elements:
        wanted = {m.data_elements.get(e, e) for e in elements}
        inds = wanted if inds is None else inds & wanted
    return None if inds is None else sorted(inds)


@router.get("/dataValueSets")
def get_data_value_sets(
    request: Request,
    user: User,
    dataSet: str | None = None,
    period: Annotated[list[str] | None, Query()] = None,
    startDate: date | None = None,
    endDate: date | None = None,
    orgUnit: Annotated[list[str] | None, Query()] = None,
    children: bool = False,
    dataElement: Annotated[list[str] | None, Query()] = None,
    idScheme: str = "CODE",
    format: str | None = None,
) -> Response:
    """The current values as a DHIS2 data value set (JSON; ``format=csv|adx`` or Accept)."""
    from chitieu.interop.export import ExportRequest, export_bytes
    from chitieu.store.exchange import Selection

    store, m = get_store(request), server_mapping()
    if period:
        periods = [parse_period(p).id if _ok(p) else _bad_period(p) for p in period]
    elif startDate or endDate:
        periods = _periods_between(store, startDate, endDate)
    else:
        raise Conflict(
            _("Name a period, or a start and an end date."),
            "period=2023S1, or startDate=2023-01-01&endDate=2023-06-30",
        )
    fmt = _OUT.get((format or "").lower()) or _accepted(request.headers.get("accept", ""))
    sel = Selection(
        periods, _indicators(dataSet, dataElement, m), _units_of(user, orgUnit, children)
    )
    req = ExportRequest(fmt, selection=sel, scheme=idScheme.upper(), mapping=m, data_set=dataSet)
    body, res = export_bytes(store, req)
    from chitieu.interop.export import MEDIA_TYPES

    headers = {"X-Chitieu-Left-Out": str(sum(w["values"] for w in res.warnings))}
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def _ok(p: str) -> bool:
    try:
        parse_period(p)
        return True
    except (ValueError, PeriodError):
        return False


def _bad_period(p: str) -> str:
    raise NotFound(_("No such period."), p)


def _accepted(accept: str) -> str:
    a = accept.lower()
    if "adx" in a:
        return "adx"
    return "dhis2-csv" if "csv" in a else "dhis2-json"


def _flow(flow: str) -> None:
    from chitieu.interop.sdmx import settings

    known = settings()["flow"]
    if flow.split(",")[-1].split("(")[0] not in (known, "all"):
        raise NotFound(_("No such dataflow."), known)


@router.get("/sdmx/structure/{flow}")
def sdmx_structure(user: User, flow: str) -> Response:
    """The SDMX-ML 3.0 structure message: concepts, code lists, DSD, dataflow."""
    from chitieu.interop.sdmx import FORMATS, structure_message

    _flow(flow)
    return Response(structure_message(), media_type=FORMATS["structure"])


def _sdmx_period(text: str | None) -> date | None:
    """A start or end period of an SDMX query (``2023``, ``2023-S1``, ``2023-Q2``,
    ``2023-06`` or chitieu's ids) as the first day it covers; None if not given."""
    if not text:
        return None
    t = text.strip().replace("-S", "S").replace("-Q", "Q").replace("-", "")
    try:
        return parse_period(t).start
    except (ValueError, PeriodError):
        raise NotFound(_("No such period."), text) from None


@router.get("/sdmx/data/{flow}")
def sdmx_data(
    request: Request,
    user: User,
    flow: str,
    startPeriod: str | None = None,
    endPeriod: str | None = None,
    format: str = "csv",
) -> Response:
    """SDMX-CSV 2.0 (``format=csv``) or SDMX-ML 3.0 (``format=xml``) of the current values."""
    from chitieu.interop.export import ExportRequest, export_bytes
    from chitieu.interop.sdmx import FORMATS
    from chitieu.store.exchange import Selection

    _flow(flow)
    if format not in ("csv", "xml"):
        raise NotFound(_("No such format."), "csv, xml")
    store = get_store(request)
    start, end = _sdmx_period(startPeriod), _sdmx_period(endPeriod)
    if end is not None:
        end = parse_period(endPeriod.replace("-S", "S").replace("-Q", "Q").replace("-", "")).end  # type: ignore[union-attr]
    sel = Selection(_periods_between(store, start, end), units=_units_of(user, None, False))
    fmt = "sdmx-csv" if format == "csv" else "sdmx-ml"
    body, _res = export_bytes(store, ExportRequest(fmt, selection=sel))
    return Response(body, media_type=FORMATS[format])
