"""Dashboard: headline figures with change and % of plan, charts per indicator and province,
drill-down nation → province, the time series. Everything is read from the fact table."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from chitieu.analyze.cache import VersionedCache, version_key
from chitieu.analyze.facts import facts as fact_set
from chitieu.analyze.facts import load
from chitieu.catalog.indicators import catalog
from chitieu.catalog.periods import Period, PeriodType, parse_period, year_periods
from chitieu.catalog.units import NATION_ID
from chitieu.catalog.vocabulary import Boundaries
from chitieu.interop.cells import csv_cell
from chitieu.store.values import Store
from chitieu.web import i18n
from chitieu.web.accounts import Account
from chitieu.web.deps import User, get_store, require_read
from chitieu.web.errors import Invalid
from chitieu.web.i18n import _
from chitieu.web.render import page, period_name, unit_name
from chitieu.web.report_pages import FORMATS as REPORT_FORMATS
from chitieu.web.scope import parse_any_period

router = APIRouter(include_in_schema=False)
#: how many periods of the same type the time series shows
SERIES_LENGTH = 8
PERIOD_TYPES = (PeriodType.YEAR, PeriodType.HALF, PeriodType.QUARTER)


#: the periods of a store, kept under its data version (analyze/cache.py)
_PERIODS: VersionedCache[list[str]] = VersionedCache(8)


def data_periods(store: Store) -> list[str]:
    """Periods (years, halves, quarters) that hold values or contain a period that does
    (months roll up to their quarter, half and year), newest first; kept per process under
    the store's data version."""

    def make() -> list[str]:
        found: set[Period] = set()
        for pid in store.periods():
            p = parse_period(pid)
            found.update(
                q for q in year_periods(p.year) if q.type in PERIOD_TYPES and q.contains(p)
            )
        return [p.id for p in sorted(found, reverse=True)]

    return list(_PERIODS.get_or_make(version_key(store), make))


def default_unit(user: Account) -> str:
    """The nation for the ministry; a reporter's first unit of today's boundaries."""
    if user.sees_all:
        return NATION_ID
    return sorted(user.units, key=lambda u: (not u.endswith("@34"), u))[0]


def boundaries_of(text: str) -> Boundaries:
    """The boundaries option, 400 if unknown."""
    try:
        return Boundaries(text)
    except ValueError:
        raise Invalid(
            _("Unknown boundaries %(b)s.") % {"b": text}, "current, as_reported"
        ) from None


def _layout(title: str, **more: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 14}},
        "separators": ",." if i18n.get_lang() == "vi" else ".,",
        "margin": {"l": 60, "r": 10, "t": 40, "b": 90},
        "height": 360,
        "autosize": True,
        **more,
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: User,
    period: str = "",
    unit: str = "",
    indicator: str = "",
    boundaries: str = "current",
) -> HTMLResponse:
    """Headline figures, province chart and time series for a period and unit."""
    store = get_store(request)
    available = data_periods(store)
    halves = [x for x in available if "S" in x]
    pid = period or (halves[0] if halves else (available[0] if available else "2023S1"))
    p = parse_any_period(pid)
    uid = unit or default_unit(user)
    require_read(user, uid)
    b = boundaries_of(boundaries)
    cat = catalog()
    if indicator:
        cat.get(indicator)  # an unknown indicator: 404 before anything is computed
    # the period's facts and the chosen indicator's series, from one load (the indicator is
    # the first one the unit has figures for, unless one is asked for)
    periods = p.series(SERIES_LENGTH)
    loaded = load(store, periods, b)
    facts = loaded.facts(p)
    mine = [f for f in facts.of_unit(uid) if f.value is not None]
    code = indicator or (mine[0].indicator if mine else "ICT_REVENUE")
    ind = cat.get(code)
    lang = i18n.get_lang()
    provinces = [f for f in facts if f.indicator == code and f.level == 1 and f.value is not None]
    provinces = [f for f in provinces if user.can_read(f.unit)]
    charts: dict[str, Any] = {}
    if len(provinces) > 1:
        ordered = sorted(provinces, key=lambda f: f.value or 0, reverse=True)
        charts["provinces"] = {
            "data": [
                {
                    "type": "bar",
                    "x": [unit_name(f.unit) for f in ordered],
                    "y": [f.value for f in ordered],
                    "marker": {"color": "#1f4e79"},
                }
            ],
            "layout": _layout(
                f"{ind.name(lang)} — {period_name(p.id)} ({cat.measure(ind, lang)})",
                xaxis={"tickangle": -60},
            ),
        }
    ts = [
        f
        for q in periods
        if (f := loaded.facts(q, [code]).get(code, uid)) is not None and f.value is not None
    ]
    if ts:
        charts["series"] = {
            "data": [
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": ind.name(lang),
                    "x": [period_name(f.period) for f in ts],
                    "y": [f.value for f in ts],
                    "line": {"color": "#c0392b"},
                }
            ],
            "layout": _layout(f"{ind.name(lang)} — {unit_name(uid)}"),
        }
    return page(
        request,
        "dashboard.html",
        period=p.id,
        periods=available,
        unit=uid,
        facts=mine,
        indicator=code,
        provinces=sorted(provinces, key=lambda f: f.rank or 0),
        boundaries=str(b),
        charts=json.dumps(charts, ensure_ascii=False).replace("</", "<\\/"),
        indicators=[i for i in cat if any(f.indicator == i.code for f in mine)],
        report_formats=list(REPORT_FORMATS),
    )


@router.get("/dashboard/figures.csv")
def figures_csv(request: Request, user: User, period: str, boundaries: str = "current") -> Response:
    """The period's facts (every unit the account may read) as CSV, UTF-8."""
    p = parse_any_period(period)
    facts = fact_set(get_store(request), p, boundaries_of(boundaries))
    cols = [
        "indicator",
        "unit",
        "period",
        "value",
        "kind",
        "status",
        "previous",
        "change_pct",
        "plan",
        "plan_pct",
        "share_pct",
        "rank",
        "rank_of",
    ]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(cols)
    for f in facts:
        if f.value is not None and user.can_read(f.unit):
            d = f.to_dict()
            w.writerow([csv_cell(d[c]) for c in cols])  # no text read as a formula
    return Response(
        "\ufeff" + buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="chitieu_{p.id}.csv"'},
    )
