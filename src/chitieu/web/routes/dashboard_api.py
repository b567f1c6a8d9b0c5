"""The dashboard's data as the API and as files: the like-for-like series
(``GET /api/v1/series``), the tile map as SVG (``GET /dashboard/map``), and an indicator's
definition, source and method from the catalog (``/dashboard/indicator/{code}``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from chitieu.catalog.indicators import catalog
from chitieu.catalog.units import NATION_ID
from chitieu.catalog.vocabulary import Boundaries
from chitieu.web.deps import User, get_store, require_read
from chitieu.web.errors import ERROR_RESPONSES
from chitieu.web.params import QueryMoment
from chitieu.web.render import page
from chitieu.web.routes.dashboard import _choice, _facts, _system, make_view, map_svg
from chitieu.web.routes.dashboard_data import (
    YEARS,
    boundaries_of,
    default_period,
    parse_period_param,
    points_json,
    series_view,
)
from chitieu.web.scope import find_unit

router = APIRouter()


@router.get("/api/v1/series", tags=["v1"], responses=ERROR_RESPONSES)
def api_series(
    request: Request,
    user: User,
    indicator: str,
    period: str,
    unit: str = NATION_ID,
    years: int = YEARS,
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
) -> dict[str, Any]:
    """The like-for-like series of a period: the same half, quarter, year-to-date or year
    across ``years`` years (a month: one 12-month line per year), each point with its period
    id, value, kind, status and coverage, and why it is withheld if it is."""
    uid = find_unit(unit)
    require_read(user, uid)
    ind = catalog().get(indicator)
    p = parse_period_param(period)
    b = boundaries_of(boundaries)
    view = series_view(get_store(request), p, ind.code, uid, b, as_of, ind.decimals, years)
    return {
        "indicator": ind.code,
        "unit": uid,
        "period": p.id,
        "boundaries": str(b),
        "lines": [ln.name for ln in view.lines],
        "points": points_json(view),
    }


@router.get("/dashboard/map", include_in_schema=False)
def dashboard_map(
    request: Request,
    user: User,
    indicator: str,
    period: str = "",
    measure: str = "value",
    unit: str = "",
    boundaries: str = "current",
    as_of: QueryMoment | None = None,
) -> Response:
    """The tile map of the provinces as an SVG document: one link per province with its
    ``data-unit`` and ``data-value``, coloured by value, change or % of plan."""
    period = period or default_period(get_store(request))
    view = make_view(
        request,
        user,
        period,
        unit or NATION_ID if user.sees_all else unit,
        indicator,
        boundaries,
        "",
        "map",
        measure,
        as_of,
    )
    view.measure = _choice(measure, ("value", "change", "plan"))
    facts, p, _loaded = _facts(request, view)
    svg = map_svg(facts, view.indicator, user, view, _system(p, view))
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-cache"},
    )


@router.get("/dashboard/indicator/{code}", response_class=HTMLResponse, include_in_schema=False)
def indicator_page(request: Request, user: User, code: str) -> HTMLResponse:
    """What an indicator is: its name, unit of measure, how it adds up over units and over
    time, its formula or parts, how a missing figure is estimated, what it needs to be
    published — all from the catalog."""
    cat = catalog()
    ind = cat.get(code)
    return page(
        request,
        "dashboard_indicator.html",
        ind=ind,
        described=cat.describe(ind),
        boundaries=[str(b) for b in Boundaries],
    )
